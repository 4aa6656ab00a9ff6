/// The one entry point the ELF and ZIP codecs use to read a mark's JSON: the §1.6 back-scan
/// (spaces only) from the magic value when its index is known, then the §1.5 tolerant parser.
enum CodecMarkParsing {
    /// Parses the mark in `bytes`. With `magicAt` (the index of the `dadfedabbadabbed` value),
    /// the mark's `{` is found by the back-scan first; without it the JSON object starts at
    /// `from` (leading JSON whitespace skipped, as for ZIP `chalk.json`). Returns the object and
    /// the byte range `{`…`}` it came from, or nil when there is no valid mark there.
    static func parseMark(_ bytes: [UInt8], magicAt: Int? = nil, from: Int = 0)
        -> (object: ChalkObject, range: Range<Int>)? {
        var start = from
        if let i = magicAt {
            guard let s = bytes.withUnsafeBytes({ MarkFinder.backScan($0, magicAt: i) }) else { return nil }
            start = s
        } else {
            while start < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[start]) { start += 1 }
        }
        return MarkParser.parseObjectRange(bytes, at: start)
    }
}
