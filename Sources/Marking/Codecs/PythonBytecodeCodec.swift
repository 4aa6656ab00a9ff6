/// The `python_pyc` codec: `.pyc`/`.pyo`/`.pyd` files get the mark appended raw at EOF
/// (spec/mark-format.md §3.5).
///
/// Unlike Chalk, a magic string inside the bytecode whose back-scan fails never makes the whole
/// file look like the mark (Chalk's offsets then stay 0 and an insert replaces the file): the
/// first occurrence that back-scans *and* parses is the mark, otherwise the file is unmarked.
public struct PythonBytecodeCodec: Codec {
    public let name = "python_pyc"
    public static let extensions: Set<String> = ["pyc", "pyo", "pyd"]

    public init() {}

    struct State: Sendable { var start: Int; var end: Int }

    public func scan(_ input: ArtifactInput, operation: OperationKind) throws(MarkingError) -> CodecScan? {
        guard let ext = SourceLanguages.fileExtension(input.path), Self.extensions.contains(ext) else { return nil }
        let bytes = input.bytes
        let found = MarkFinder.firstValidMark(in: bytes)
        let start = found?.start ?? bytes.count
        return CodecScan(artifactType: "Python Bytecode", mark: found?.object,
                         markBytes: found.map { Array(bytes[$0.start..<$0.end]) },
                         unchalkedHash: SHA256.hexDigest(bytes[0..<start]),
                         state: State(start: start, end: found?.end ?? bytes.count))
    }

    public func render(_ input: ArtifactInput, scan: CodecScan, mark: [UInt8]?) throws(MarkingError) -> [UInt8] {
        guard let st = scan.state as? State else {
            throw MarkingError(.malformed, path: input.path, "internal error: pyc scan state missing")
        }
        let bytes = input.bytes
        // Delete drops everything from the mark on (the mark was appended at EOF).
        guard let mark else { return Array(bytes[0..<st.start]) }
        var post = st.end
        while post < bytes.count, bytes[post] == 0x20 || bytes[post] == 0x0A { post += 1 }
        var out = [UInt8](); out.reserveCapacity(st.start + mark.count + bytes.count - post)
        out.append(contentsOf: bytes[0..<st.start]); out.append(contentsOf: mark); out.append(contentsOf: bytes[post...])
        return out
    }
}
