#if canImport(Glibc)
import Glibc
#endif

/// The bytes `ELFLayout` parses: an ELF file in memory, or one read on demand from disk.
protocol ELFByteSource {
    /// The file's length.
    var count: Int { get }
    func byte(_ i: Int) -> UInt8
    /// The bytes of `range` (which must lie inside the file).
    func bytes(_ range: Range<Int>) -> [UInt8]
}

extension ELFByteSource {
    /// Little-endian unsigned integer of `width` bytes at `offset`, or nil past the end.
    func uint(at offset: Int, width: Int) -> UInt64? {
        guard offset >= 0, width <= count, offset <= count - width else { return nil }
        var v: UInt64 = 0
        for k in stride(from: width - 1, through: 0, by: -1) { v = v << 8 | UInt64(byte(offset + k)) }
        return v
    }
}

extension ELFImage: ELFByteSource {}

/// An open file read with pread(2) in 4 KiB pages on first touch, so that parsing the ELF
/// structure (header, program and section header tables, shstrtab) reads only those pages.
/// A read error is remembered (`failed`) and reads as zero bytes; the caller then discards the
/// parse and reads the file the ordinary way, which reports the error.
final class ELFFilePages: ELFByteSource {
    static let pageShift = 12
    static let pageSize = 1 << pageShift
    let fd: Int32
    let count: Int
    private(set) var failed = false
    private var pages: [Int: [UInt8]] = [:]
    // The last page used: ELFLayout reads headers field by field, mostly from one page.
    private var lastIndex = -1
    private var lastPage: [UInt8] = []

    init(fd: Int32, size: Int) {
        self.fd = fd
        self.count = size
    }

    private func page(_ index: Int) -> [UInt8] {
        if index == lastIndex { return lastPage }
        let p: [UInt8]
        if let cached = pages[index] {
            p = cached
        } else {
            let start = index << Self.pageShift
            let want = min(Self.pageSize, count - start)
            p = Self.pread(fd, offset: start, count: want) ?? {
                failed = true
                return [UInt8](repeating: 0, count: max(0, want))
            }()
            pages[index] = p
        }
        lastIndex = index
        lastPage = p
        return p
    }

    /// Exactly `count` bytes at `offset`, or nil on an error or a short file.
    static func pread(_ fd: Int32, offset: Int, count: Int) -> [UInt8]? {
        guard count > 0 else { return [] }
        var ok = true
        let out = [UInt8](unsafeUninitializedCapacity: count) { buf, initialized in
            var got = 0
            while got < count {
                let n = Glibc.pread(fd, buf.baseAddress! + got, count - got, off_t(offset + got))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { ok = false; break }
                got += n
            }
            initialized = got
        }
        return ok ? out : nil
    }

    func byte(_ i: Int) -> UInt8 {
        let p = page(i >> Self.pageShift)
        let k = i & (Self.pageSize - 1)
        return k < p.count ? p[k] : 0
    }

    func bytes(_ range: Range<Int>) -> [UInt8] {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        if range.count > Self.pageSize {
            // A large range (a big shstrtab) in one read.
            if let all = Self.pread(fd, offset: range.lowerBound, count: range.count) { return all }
            failed = true
            return [UInt8](repeating: 0, count: range.count)
        }
        var out = [UInt8]()
        out.reserveCapacity(range.count)
        var at = range.lowerBound
        while at < range.upperBound {
            let p = page(at >> Self.pageShift)
            let k = at & (Self.pageSize - 1)
            let n = min(range.upperBound - at, p.count - k)
            guard n > 0 else { failed = true; return [UInt8](repeating: 0, count: range.count) }
            out.append(contentsOf: p[k..<(k + n)])
            at += n
        }
        return out
    }
}

/// What reading only the mark of an ELF file found.
public enum ELFMarkOnly: Sendable {
    /// The file is an ELF the `elf` codec claims; `mark` is its mark (nil: unmarked), exactly
    /// as `ELFCodec.scan` would find it.
    case claimed(mark: ChalkObject?, markBytes: [UInt8]?)
    /// The file is not one the `elf` codec claims (not ELF, malformed, unreadable): read it
    /// whole and ask the codecs.
    case needsFullRead
}

extension ELFCodec {
    /// Reads the mark of the ELF file at `path` without reading the file: the ELF header, the
    /// program and section header tables and shstrtab (validated exactly as `scan` does), then
    /// the bytes from the chalk section to the end of the file (where Chalk puts it, with
    /// shstrtab and the section table after it). The result equals `scan`'s mark and markBytes;
    /// anything `scan` would decline, or a read error, gives `.needsFullRead`.
    public static func readMarkOnly(path: String) -> ELFMarkOnly {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .needsFullRead }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return .needsFullRead }
        let size = Int(st.st_size)
        guard size >= 4, size <= ArtifactFiles.maxArtifactSize else { return .needsFullRead }
        let file = ELFFilePages(fd: fd, size: size)
        guard file.byte(0) == 0x7F, file.byte(1) == 0x45, file.byte(2) == 0x4C, file.byte(3) == 0x46,
              !file.failed else { return .needsFullRead }
        guard let layout = try? ELFLayout(file), !file.failed else { return .needsFullRead }
        guard let ci = layout.chalkIndex, !layout.hasBeenUnchalked else { return .claimed(mark: nil, markBytes: nil) }
        // The section's offset was checked against the file size by ELFLayout. `scan` looks at
        // the file from there to its end only (the magic check and the mark's JSON run forward;
        // the back-scan stops at the `{` that the magic check found at or after the offset), so
        // the same checks on this window, with indexes shifted, give the same answer.
        let from = Int(layout.sections[ci].offset)
        guard let window = ELFFilePages.pread(fd, offset: from, count: size - from) else { return .needsFullRead }
        guard let magic = verifyChalkStart(window, from: 0),
              let found = CodecMarkParsing.parseMark(window, magicAt: magic)
        else { return .claimed(mark: nil, markBytes: nil) }
        return .claimed(mark: found.object, markBytes: Array(window[found.range]))
    }
}
