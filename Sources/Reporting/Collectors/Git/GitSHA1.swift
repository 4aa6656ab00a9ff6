#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// SHA-1 (FIPS 180-4), only to compute git blob ids of work-tree files for
/// `VCS_MODIFIED_FILES`. Not for anything security-related.
struct GitSHA1 {
    private var h: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0

    mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        length &+= UInt64(bytes.count)
        buffer.append(contentsOf: bytes)
        var offset = 0
        while buffer.count - offset >= 64 {
            compress(buffer, at: offset)
            offset += 64
        }
        if offset > 0 { buffer.removeFirst(offset) }
    }

    mutating func finalize() -> [UInt8] {
        let bits = length &* 8
        var pad: [UInt8] = [0x80]
        while (buffer.count + pad.count) % 64 != 56 { pad.append(0) }
        for i in (0..<8).reversed() { pad.append(UInt8(truncatingIfNeeded: bits >> (UInt64(i) * 8))) }
        let saved = length
        update(pad)
        length = saved
        var out: [UInt8] = []
        for v in [h.0, h.1, h.2, h.3, h.4] {
            out += [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
        }
        return out
    }

    private mutating func compress(_ b: [UInt8], at o: Int) {
        var w = [UInt32](repeating: 0, count: 80)
        for i in 0..<16 {
            w[i] = UInt32(b[o + 4 * i]) << 24 | UInt32(b[o + 4 * i + 1]) << 16 | UInt32(b[o + 4 * i + 2]) << 8 | UInt32(b[o + 4 * i + 3])
        }
        for i in 16..<80 {
            let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
            w[i] = (x << 1) | (x >> 31)
        }
        var (a, bb, c, d, e) = h
        for i in 0..<80 {
            let f: UInt32, k: UInt32
            switch i {
            case 0..<20: f = (bb & c) | (~bb & d); k = 0x5A82_7999
            case 20..<40: f = bb ^ c ^ d; k = 0x6ED9_EBA1
            case 40..<60: f = (bb & c) | (bb & d) | (c & d); k = 0x8F1B_BCDC
            default: f = bb ^ c ^ d; k = 0xCA62_C1D6
            }
            let t = ((a << 5) | (a >> 27)) &+ f &+ e &+ k &+ w[i]
            e = d; d = c; c = (bb << 30) | (bb >> 2); bb = a; a = t
        }
        h = (h.0 &+ a, h.1 &+ bb, h.2 &+ c, h.3 &+ d, h.4 &+ e)
    }

    /// The git blob id of a work-tree file (`blob <size>\0<content>`), reading in chunks;
    /// nil when it can't be read or is larger than `limit`.
    static func blobID(ofFile path: String, size: Int, limit: Int = 1 << 30) -> String? {
        guard size <= limit else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var sha = GitSHA1()
        sha.update(Array("blob \(size)\0".utf8))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var total = 0
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            total += n
            if total > size { return nil }  // changed while reading
            sha.update(chunk[0..<n])
        }
        guard total == size else { return nil }
        return GitObjectStore.hexString(sha.finalize())
    }

    /// The git blob id of bytes held in memory (a symlink's target).
    static func blobID(of bytes: [UInt8]) -> String {
        var sha = GitSHA1()
        sha.update(Array("blob \(bytes.count)\0".utf8))
        sha.update(bytes)
        return GitObjectStore.hexString(sha.finalize())
    }
}
