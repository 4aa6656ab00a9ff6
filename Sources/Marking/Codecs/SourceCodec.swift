/// The `source` codec: shebang scripts and, on extract/delete, any UTF-8 text file
/// (spec/mark-format.md §3.3). The mark is a comment line: `<comment> <mark>`.
public struct SourceCodec: Codec {
    public let name = "source"

    /// When true (Chalk's `only_mark_shebangs`, the default) insert claims only `#!` files.
    public var onlyMarkShebangs: Bool

    public init(onlyMarkShebangs: Bool = true) { self.onlyMarkShebangs = onlyMarkShebangs }

    struct State: Sendable {
        var comment: String
        var found: FoundMark?
        var unmarked: [UInt8]
    }

    public func scan(_ input: ArtifactInput, operation: OperationKind) throws(MarkingError) -> CodecScan? {
        let ext = SourceLanguages.fileExtension(input.path)
        if let ext, SourceLanguages.declinedExtensions.contains(ext) { return nil }
        var language = ext.flatMap { SourceLanguages.extensionLanguages[$0] }
        let bytes = input.bytes
        // Unlike Chalk, never read an ELF as text: a tiny or odd ELF whose first 256 bytes
        // happen to be UTF-8 would otherwise get a script HASH on extract and a placeholder
        // on delete instead of elf_last_resort's handling.
        if bytes.count >= 4, bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 { return nil }
        if let shebang = SourceLanguages.shebangLanguage(bytes) {
            language = shebang
        } else {
            if operation.isChalking && onlyMarkShebangs { return nil }
            guard SourceLanguages.startsAsUTF8(bytes) else { return nil }
        }
        let lang = language ?? "sh"
        let comment = SourceLanguages.commentPrefix(for: lang)
        let found = MarkFinder.firstValidMark(in: bytes)
        let unmarked = found.map { Self.unmarkedContent(bytes, mark: $0, comment: comment) } ?? bytes
        return CodecScan(artifactType: lang, mark: found?.object,
                         markBytes: found.map { Array(bytes[$0.start..<$0.end]) },
                         unchalkedHash: SHA256.hexDigest(unmarked),
                         state: State(comment: comment, found: found, unmarked: unmarked))
    }

    public func render(_ input: ArtifactInput, scan: CodecScan, mark: [UInt8]?) throws(MarkingError) -> [UInt8] {
        guard let st = scan.state as? State else {
            throw MarkingError(.malformed, path: input.path, "internal error: source scan state missing")
        }
        let bytes = input.bytes
        guard let mark else { return st.found == nil ? bytes : st.unmarked }
        if let f = st.found {
            // Replace only the JSON; the comment prefix and the rest of the line stay.
            var out = [UInt8](); out.reserveCapacity(bytes.count + mark.count)
            out.append(contentsOf: bytes[0..<f.start]); out.append(contentsOf: mark); out.append(contentsOf: bytes[f.end...])
            return out
        }
        var out = bytes
        out.reserveCapacity(bytes.count + mark.count + st.comment.utf8.count + 3)
        if bytes.last == 0x0A {
            out.append(contentsOf: st.comment.utf8); out.append(0x20); out.append(contentsOf: mark); out.append(0x0A)
        } else {
            out.append(0x0A); out.append(contentsOf: st.comment.utf8); out.append(0x20); out.append(contentsOf: mark)
        }
        return out
    }

    /// `getUnmarkedScriptContent`: a mark on its own `\n<c> ` line ending at EOL/EOF is removed
    /// with that prefix; anywhere else it is replaced by the placeholder.
    static func unmarkedContent(_ bytes: [UInt8], mark: FoundMark, comment: String) -> [UInt8] {
        let prefix = [0x0A] + Array(comment.utf8) + [0x20]
        let cs = mark.start, r = mark.end
        let ownLine = cs >= prefix.count && Array(bytes[(cs - prefix.count)..<cs]) == prefix
            && (r == bytes.count || bytes[r] == 0x0A)
        var out = [UInt8](); out.reserveCapacity(bytes.count)
        if ownLine {
            out.append(contentsOf: bytes[0..<(cs - prefix.count)])
        } else {
            out.append(contentsOf: bytes[0..<cs]); out.append(contentsOf: MarkFinder.placeholder)
        }
        out.append(contentsOf: bytes[r...])
        return out
    }
}
