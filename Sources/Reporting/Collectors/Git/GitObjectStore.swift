#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CZlib

/// A git object read from the repository: its type and its body (without the `type size\0`
/// header of loose objects).
struct GitObject {
    enum Kind: String { case commit, tree, blob, tag }
    var kind: Kind
    var body: [UInt8]
}

/// Reads objects straight from `.git/objects`: loose objects (zlib) and packfiles (`.idx` v2
/// lookup, pack entries, OFS_DELTA and REF_DELTA chains), plus `info/alternates`. No git binary.
/// Sizes and delta depths are capped so a corrupt or hostile repository gives an error, never a
/// hang or an unbounded allocation. One store serves one repository load, then is dropped
/// (the pack mappings go with it).
final class GitObjectStore {
    /// Largest object we inflate (commits and tags are small; this only guards against bombs).
    static let maxObjectSize = 64 << 20
    static let maxDeltaDepth = 1000

    private let objectDirs: [String]
    private var packs: [GitPack]?

    init(objectsDir: String) {
        var dirs = [objectsDir]
        // Alternates: one object directory per line, relative paths against objectsDir.
        if let alt = FileIO.readText(FileIO.join(objectsDir, "info/alternates"), limit: 65536) {
            for line in alt.split(separator: "\n") {
                let l = String(line).trimmed
                if l.isEmpty || l.hasPrefix("#") { continue }
                dirs.append(l.hasPrefix("/") ? l : FileIO.normalize(FileIO.join(objectsDir, l)))
            }
        }
        objectDirs = dirs
    }

    /// Reads the object `hex` (40 lowercase hex digits). nil when absent or unreadable.
    func read(_ hex: String, depth: Int = 0) -> GitObject? {
        guard let oid = GitObjectStore.oidBytes(hex) else { return nil }
        for dir in objectDirs {
            let path = dir + "/" + hex.prefix(2) + "/" + hex.dropFirst(2)
            if let raw = FileIO.readBytes(path, limit: Self.maxObjectSize) {
                if let obj = Self.parseLoose(raw) { return obj }
            }
        }
        for pack in loadPacks() {
            if let off = pack.offset(of: oid) {
                return pack.object(at: off, store: self, depth: depth)
            }
        }
        return nil
    }

    private func loadPacks() -> [GitPack] {
        if let packs { return packs }
        var found: [GitPack] = []
        for dir in objectDirs {
            let packDir = dir + "/pack"
            for name in FileIO.listDirectory(packDir).sorted() where name.hasSuffix(".idx") {
                let base = packDir + "/" + name.dropLast(4)
                if let p = GitPack(idxPath: base + ".idx", packPath: base + ".pack") { found.append(p) }
            }
        }
        packs = found
        return found
    }

    /// Loose object: zlib stream of `type size\0body`.
    static func parseLoose(_ raw: [UInt8]) -> GitObject? {
        let data = raw.withUnsafeBytes { Zlib.inflate($0, expectedSize: nil, limit: maxObjectSize) }
        guard let data, let nul = data.firstIndex(of: 0) else { return nil }
        let header = String(decoding: data[..<nul], as: UTF8.self).split(separator: " ")
        guard header.count == 2, let kind = GitObject.Kind(rawValue: String(header[0])),
              let size = Int(header[1]), size == data.count - nul - 1 else { return nil }
        return GitObject(kind: kind, body: Array(data[(nul + 1)...]))
    }

    static func oidBytes(_ hex: String) -> [UInt8]? {
        let u = Array(hex.utf8)
        guard u.count == 40 else { return nil }
        var out = [UInt8](repeating: 0, count: 20)
        for i in 0..<20 {
            guard let h = hexValue(u[2 * i]), let l = hexValue(u[2 * i + 1]) else { return nil }
            out[i] = h << 4 | l
        }
        return out
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        case 65...70: c - 55
        default: nil
        }
    }

    static func hexString<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A memory-mapped file, unmapped when released.
final class MappedFile {
    let base: UnsafeRawPointer
    let count: Int

    init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { return nil }
        guard let p = mmap(nil, Int(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else { return nil }
        base = UnsafeRawPointer(p)
        count = Int(st.st_size)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), count) }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    func u32(_ at: Int) -> UInt32? {
        guard at >= 0, at + 4 <= count else { return nil }
        let b = bytes
        return UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }
}

/// One packfile and its version-2 index (https://git-scm.com/docs/pack-format).
final class GitPack {
    let idx: MappedFile
    let pack: MappedFile
    let objectCount: Int

    init?(idxPath: String, packPath: String) {
        guard let idx = MappedFile(path: idxPath), let pack = MappedFile(path: packPath) else { return nil }
        // v2 index: magic \377tOc, version 2, 256-entry fanout.
        guard idx.u32(0) == 0xff74_4f63, idx.u32(4) == 2, let n = idx.u32(8 + 255 * 4),
              8 + 256 * 4 + Int(n) * (20 + 4 + 4) <= idx.count,
              pack.count >= 12, pack.u32(0) == 0x5041_434b else { return nil }  // "PACK"
        self.idx = idx; self.pack = pack; self.objectCount = Int(n)
    }

    /// Offset of `oid` in the pack, by binary search of the sorted name table.
    func offset(of oid: [UInt8]) -> Int? {
        let first = Int(oid[0])
        guard let hiU = idx.u32(8 + first * 4) else { return nil }
        var lo = first == 0 ? 0 : Int(idx.u32(8 + (first - 1) * 4) ?? 0)
        var hi = min(Int(hiU), objectCount)
        let names = 8 + 256 * 4
        let b = idx.bytes
        while lo < hi {
            let mid = (lo + hi) / 2
            var cmp = 0
            for i in 0..<20 {
                let x = b[names + mid * 20 + i]
                if x != oid[i] { cmp = x < oid[i] ? -1 : 1; break }
            }
            if cmp == 0 { return entryOffset(mid) }
            if cmp < 0 { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }

    private func entryOffset(_ i: Int) -> Int? {
        let offsets32 = 8 + 256 * 4 + objectCount * 24
        guard let o = idx.u32(offsets32 + i * 4) else { return nil }
        if o & 0x8000_0000 == 0 { return Int(o) }
        // Large pack: the low 31 bits index the 64-bit offset table.
        let offsets64 = offsets32 + objectCount * 4
        let j = Int(o & 0x7fff_ffff)
        guard let hi = idx.u32(offsets64 + j * 8), let lo = idx.u32(offsets64 + j * 8 + 4) else { return nil }
        let v = UInt64(hi) << 32 | UInt64(lo)
        return v < UInt64(pack.count) ? Int(v) : nil
    }

    /// The object whose entry starts at `offset`, with deltas resolved.
    func object(at offset: Int, store: GitObjectStore, depth: Int) -> GitObject? {
        guard depth < GitObjectStore.maxDeltaDepth, offset >= 12, offset < pack.count - 20 else { return nil }
        let b = pack.bytes
        var p = offset
        var c = b[p]; p += 1
        let type = Int(c >> 4) & 7
        var size = Int(c & 0x0f)
        var shift = 4
        while c & 0x80 != 0 {
            guard p < pack.count, shift < 60 else { return nil }
            c = b[p]; p += 1
            size |= Int(c & 0x7f) << shift
            shift += 7
        }
        guard size <= GitObjectStore.maxObjectSize else { return nil }
        switch type {
        case 1, 2, 3, 4:
            let kinds: [GitObject.Kind] = [.commit, .tree, .blob, .tag]
            guard let body = inflate(from: p, size: size) else { return nil }
            return GitObject(kind: kinds[type - 1], body: body)
        case 6:  // OFS_DELTA: base at a negative offset, big-endian base-128 with +1 per byte.
            guard p < pack.count else { return nil }
            c = b[p]; p += 1
            var rel = Int(c & 0x7f)
            while c & 0x80 != 0 {
                guard p < pack.count, rel < (Int.max >> 8) else { return nil }
                c = b[p]; p += 1
                rel = ((rel + 1) << 7) | Int(c & 0x7f)
            }
            guard rel > 0, rel <= offset,
                  let base = object(at: offset - rel, store: store, depth: depth + 1),
                  let delta = inflate(from: p, size: size) else { return nil }
            return GitDelta.apply(delta, to: base.body).map { GitObject(kind: base.kind, body: $0) }
        case 7:  // REF_DELTA: base named by its 20-byte id (in this pack or anywhere).
            guard p + 20 <= pack.count else { return nil }
            let baseHex = GitObjectStore.hexString(UnsafeRawBufferPointer(rebasing: b[p..<(p + 20)]))
            guard let base = store.read(baseHex, depth: depth + 1),
                  let delta = inflate(from: p + 20, size: size) else { return nil }
            return GitDelta.apply(delta, to: base.body).map { GitObject(kind: base.kind, body: $0) }
        default:
            return nil
        }
    }

    private func inflate(from p: Int, size: Int) -> [UInt8]? {
        guard p < pack.count else { return nil }
        let data = Zlib.inflate(UnsafeRawBufferPointer(rebasing: pack.bytes[p...]), expectedSize: size, limit: size)
        guard let data, data.count == size else { return nil }
        return data
    }
}

/// Git's delta format: source size, target size, then copy/insert instructions.
enum GitDelta {
    static func apply(_ delta: [UInt8], to base: [UInt8]) -> [UInt8]? {
        var p = 0
        func varint() -> Int? {
            var v = 0, shift = 0
            while true {
                guard p < delta.count, shift < 60 else { return nil }
                let c = delta[p]; p += 1
                v |= Int(c & 0x7f) << shift
                shift += 7
                if c & 0x80 == 0 { return v }
            }
        }
        guard let srcSize = varint(), srcSize == base.count, let dstSize = varint(),
              dstSize <= GitObjectStore.maxObjectSize else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(dstSize)
        while p < delta.count {
            let op = delta[p]; p += 1
            if op & 0x80 != 0 {
                var off = 0, len = 0
                for i in 0..<4 where op & (1 << i) != 0 {
                    guard p < delta.count else { return nil }
                    off |= Int(delta[p]) << (8 * i); p += 1
                }
                for i in 0..<3 where op & (0x10 << i) != 0 {
                    guard p < delta.count else { return nil }
                    len |= Int(delta[p]) << (8 * i); p += 1
                }
                if len == 0 { len = 0x10000 }
                guard off + len <= base.count, out.count + len <= dstSize else { return nil }
                out.append(contentsOf: base[off..<(off + len)])
            } else if op != 0 {
                let len = Int(op)
                guard p + len <= delta.count, out.count + len <= dstSize else { return nil }
                out.append(contentsOf: delta[p..<(p + len)]); p += len
            } else {
                return nil  // opcode 0 is reserved
            }
        }
        return out.count == dstSize ? out : nil
    }
}

/// zlib inflate over a memory range whose compressed length is unknown (pack entries).
enum Zlib {
    /// Inflates one zlib stream from the start of `input`. Stops at the end of the stream; nil
    /// on corrupt data or when the output would exceed `limit`.
    static func inflate(_ input: UnsafeRawBufferPointer, expectedSize: Int?, limit: Int) -> [UInt8]? {
        guard let inBase = input.baseAddress, input.count > 0 else { return nil }
        var strm = z_stream()
        guard inflateInit_(&strm, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&strm) }
        strm.next_in = UnsafeMutablePointer(mutating: inBase.assumingMemoryBound(to: Bytef.self))
        strm.avail_in = uInt(min(input.count, Int(UInt32.max)))
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: max(1, min(expectedSize ?? 65536, 1 << 20)) + 1)
        while true {
            let produced: Int
            let rc: Int32 = chunk.withUnsafeMutableBytes { buf in
                strm.next_out = buf.baseAddress!.assumingMemoryBound(to: Bytef.self)
                strm.avail_out = uInt(buf.count)
                let r = CZlib.inflate(&strm, Z_NO_FLUSH)
                return r
            }
            produced = chunk.count - Int(strm.avail_out)
            out.append(contentsOf: chunk[0..<produced])
            if out.count > limit { return nil }
            if rc == Z_STREAM_END { return out }
            if rc != Z_OK { return nil }
            if produced == 0 && strm.avail_in == 0 { return nil }  // truncated input
        }
    }
}
