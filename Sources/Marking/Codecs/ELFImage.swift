/// An ELF file being rewritten, without copying the original: the original bytes up to `cut`
/// (with a few patched bytes: header fields, section-table entries), followed by new bytes.
/// Chalk's ELF edits only ever patch a handful of fields and replace the tail of the file, so
/// hashing the canonical form of a 200 MB binary never copies it.
struct ELFImage: Sendable {
    private(set) var base: [UInt8]
    private(set) var cut: Int
    /// Patched bytes below `cut`, by file offset.
    private var patches: [Int: UInt8] = [:]
    private(set) var tail: [UInt8] = []

    init(_ bytes: [UInt8]) {
        base = bytes
        cut = bytes.count
    }

    /// The image's length.
    var count: Int { cut + tail.count }

    func byte(_ i: Int) -> UInt8 {
        i >= cut ? tail[i - cut] : (patches[i] ?? base[i])
    }

    /// The bytes of `range` (which must lie inside the image).
    func bytes(_ range: Range<Int>) -> [UInt8] {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        var out = [UInt8]()
        out.reserveCapacity(range.count)
        let baseEnd = min(range.upperBound, cut)
        if range.lowerBound < baseEnd {
            out.append(contentsOf: base[range.lowerBound..<baseEnd])
            for (at, b) in patches where at >= range.lowerBound && at < baseEnd { out[at - range.lowerBound] = b }
        }
        let tailStart = max(range.lowerBound, cut)
        if tailStart < range.upperBound { out.append(contentsOf: tail[(tailStart - cut)..<(range.upperBound - cut)]) }
        return out
    }

    /// Overwrites `bytes.count` bytes at `offset` (inside the image).
    mutating func write(_ bytes: [UInt8], at offset: Int) {
        precondition(offset >= 0 && offset + bytes.count <= count)
        for (k, b) in bytes.enumerated() {
            let i = offset + k
            if i >= cut { tail[i - cut] = b } else { patches[i] = b }
        }
    }

    /// Writes `value` little-endian in `width` bytes at `offset`.
    mutating func writeUInt(_ value: UInt64, at offset: Int, width: Int) {
        write((0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }, at: offset)
    }

    /// Drops everything from `offset` (≤ count) on and appends `bytes` there.
    mutating func replace(from offset: Int, with bytes: [UInt8]) {
        precondition(offset >= 0 && offset <= count)
        if offset <= cut {
            cut = offset
            patches = patches.filter { $0.key < offset }
            tail = bytes
        } else {
            tail.removeSubrange((offset - cut)...)
            tail.append(contentsOf: bytes)
        }
    }

    /// Calls `body` with the image's bytes in order, in as few contiguous runs as the patches
    /// allow, leaving out the file range `skip`.
    func forEachRun(skipping skip: Range<Int>? = nil, _ body: (UnsafeRawBufferPointer) -> Void) {
        func emit(_ buf: UnsafeRawBufferPointer, at fileOffset: Int) {
            guard let skip, buf.count > 0 else { body(buf); return }
            let lo = max(skip.lowerBound, fileOffset), hi = min(skip.upperBound, fileOffset + buf.count)
            if lo >= hi { body(buf); return }
            body(UnsafeRawBufferPointer(rebasing: buf[0..<(lo - fileOffset)]))
            body(UnsafeRawBufferPointer(rebasing: buf[(hi - fileOffset)...]))
        }
        base.withUnsafeBytes { raw in
            var at = 0
            for p in patches.keys.sorted() {
                emit(UnsafeRawBufferPointer(rebasing: raw[at..<p]), at: at)
                withUnsafeBytes(of: patches[p]!) { emit($0, at: p) }
                at = p + 1
            }
            emit(UnsafeRawBufferPointer(rebasing: raw[at..<cut]), at: at)
        }
        tail.withUnsafeBytes { emit($0, at: cut) }
    }

    /// The image as one array (the original array itself when nothing changed).
    func materialize() -> [UInt8] {
        if patches.isEmpty && tail.isEmpty && cut == base.count { return base }
        // One bulk copy per part: this runs once per write of a possibly huge binary.
        return [UInt8](unsafeUninitializedCapacity: count) { dst, initialized in
            let raw = UnsafeMutableRawBufferPointer(dst)
            if count >= ArtifactFiles.hugePageThreshold, let b = raw.baseAddress { ArtifactFiles.adviseHugePages(b, count) }
            base.withUnsafeBytes { raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<cut])) }
            tail.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: raw[cut...]).copyMemory(from: $0) }
            for (at, b) in patches { dst[at] = b }
            initialized = count
        }
    }
}
