/// Chalk's tolerant streaming mark parser (spec/mark-format.md §1.5): `JSONValueParser` with
/// the `.mark` options. It parses one JSON object starting at an offset and stops right after
/// it, so a mark can be read out of a larger byte stream whose length says nothing about the
/// mark's.
public struct MarkParser {
    /// Why a parse failed, with the byte offset where it did.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public var description: String { "invalid mark JSON at byte \(offset): \(message)" }

        init(_ f: JSONValueParser.Failure) { offset = f.offset; message = f.message }
        init(offset: Int, message: String) { self.offset = offset; self.message = message }
    }

    /// Nesting deeper than this is refused, so hostile input can't exhaust the stack.
    public static let maxDepth = JSONParseOptions.mark.maxDepth

    /// Parses the object starting at `offset` (after optional whitespace). Returns it and the
    /// offset right after its closing `}`.
    public static func parseObject(_ bytes: UnsafeRawBufferPointer, at offset: Int = 0)
        throws(Failure) -> (object: ChalkObject, end: Int) {
        var open = max(0, offset)
        while open < bytes.count, JSONValueParser.isWhitespace(bytes[open]) { open += 1 }
        guard open < bytes.count, bytes[open] == UInt8(ascii: "{") else {
            throw Failure(offset: open, message: "expected '{'")
        }
        let parsed: (value: ChalkValue, end: Int)
        do { parsed = try JSONValueParser.parseValue(bytes, at: open, options: .mark) } catch { throw Failure(error) }
        guard case .object(let o) = parsed.value else { throw Failure(offset: parsed.end, message: "expected an object") }
        return (o, parsed.end)
    }

    /// `parseObject` over an array.
    public static func parseObject(_ bytes: [UInt8], at offset: Int = 0) throws(Failure) -> (object: ChalkObject, end: Int) {
        let r = bytes.withUnsafeBytes { buf in Result { () throws(Failure) in try parseObject(buf, at: offset) } }
        return try r.get()
    }

    /// `parseObject` returning the byte range from the object's `{` to right after its `}`
    /// (what codecs that splice marks need), or nil when there is no valid object there.
    public static func parseObjectRange(_ bytes: [UInt8], at offset: Int = 0) -> (object: ChalkObject, range: Range<Int>)? {
        var open = max(0, offset)
        while open < bytes.count, JSONValueParser.isWhitespace(bytes[open]) { open += 1 }
        guard let (o, end) = try? parseObject(bytes, at: open) else { return nil }
        return (o, open..<end)
    }

    /// Parses a whole string holding exactly one object (trailing whitespace allowed).
    public static func parseWholeObject(_ bytes: [UInt8]) throws(Failure) -> ChalkObject {
        let (o, end) = try parseObject(bytes)
        var i = end
        while i < bytes.count, JSONValueParser.isWhitespace(bytes[i]) { i += 1 }
        guard i == bytes.count else { throw Failure(offset: i, message: "trailing data after the object") }
        return o
    }
}
