/// The `elf_last_resort` codec (spec/mark-format.md §3.2): any file starting with the ELF magic
/// (either byte order) that the real ELF codec declined. The mark is appended raw at EOF (or
/// replaces the old mark in place); only bytes after the section header offset are searched.
public struct ElfLastResortCodec: Codec {
    public let name = "elf_last_resort"

    public init() {}

    struct State: Sendable { var start: Int; var end: Int }

    /// Where Chalk starts looking for the mark: `e_shoff` read little-endian (u64 at 0x28 for
    /// ELF64, u32 at 0x20 for ELF32), clamped to the file.
    static func searchStart(_ b: [UInt8]) -> Int {
        if b.count > 4, b[4] == 2 {
            guard b.count >= 0x30 else { return b.count }
            var v: UInt64 = 0
            for i in (0..<8).reversed() { v = v << 8 | UInt64(b[0x28 + i]) }
            return v > UInt64(b.count) ? b.count : Int(v)
        }
        guard b.count >= 0x24 else { return b.count }
        var v: UInt32 = 0
        for i in (0..<4).reversed() { v = v << 8 | UInt32(b[0x20 + i]) }
        return Int(v) > b.count ? b.count : Int(v)
    }

    public func scan(_ input: ArtifactInput, operation: OperationKind) throws(MarkingError) -> CodecScan? {
        let b = input.bytes
        guard b.count >= 4 else { return nil }
        let forward: [UInt8] = [0x7F, 0x45, 0x4C, 0x46]
        guard Array(b[0..<4]) == forward || Array(b[0..<4]) == forward.reversed() else { return nil }
        let from = Self.searchStart(b)
        let found = MarkFinder.firstValidMark(in: b, from: from)
        let start = found?.start ?? b.count
        return CodecScan(artifactType: "ELF", mark: found?.object,
                         markBytes: found.map { Array(b[$0.start..<$0.end]) },
                         unchalkedHash: SHA256.hexDigest(b[0..<start]),
                         state: State(start: start, end: found?.end ?? b.count))
    }

    public func render(_ input: ArtifactInput, scan: CodecScan, mark: [UInt8]?) throws(MarkingError) -> [UInt8] {
        guard let st = scan.state as? State else {
            throw MarkingError(.malformed, path: input.path, "internal error: ELF scan state missing")
        }
        let b = input.bytes
        let m = mark ?? []
        var out = [UInt8](); out.reserveCapacity(st.start + m.count + b.count - st.end)
        out.append(contentsOf: b[0..<st.start]); out.append(contentsOf: m); out.append(contentsOf: b[st.end...])
        return out
    }
}
