#if canImport(Glibc)
import Glibc
#endif

/// Reading artifacts and writing them back atomically (spec/mark-format.md §3.0, issue 3 §8).
public enum ArtifactFiles {
    /// Largest artifact chalk reads into memory (4 GiB): beyond it the file is refused with a
    /// clear error instead of exhausting memory.
    public static let maxArtifactSize = 4 << 30

    /// Buffers at least this large are backed by transparent huge pages when the kernel allows
    /// it: reading a 200 MB binary otherwise spends more time in 4 KiB page faults than in the
    /// copy itself.
    static let hugePageThreshold = 4 << 20

    /// madvise(MADV_HUGEPAGE) over the 2 MiB-aligned part of `[base, base+count)`; a hint only.
    static func adviseHugePages(_ base: UnsafeMutableRawPointer, _ count: Int) {
        let huge = 2 << 20
        let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
        let end = (Int(bitPattern: base) + count) & ~(huge - 1)
        guard end > start, let p = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(p, end - start, MADV_HUGEPAGE)
    }

    /// How much of a file `read(_:claimable:)` shows the claim check before reading the rest.
    public static let headSize = 4096

    /// Reads the whole regular file at `path` with one preallocated buffer.
    public static func read(_ path: String) throws(MarkingError) -> ArtifactInput {
        // Without a claim check the whole file is always read.
        try read(path, claimable: { _, _ in true })!
    }

    /// Reads the regular file at `path`, but first only its first `headSize` bytes: when
    /// `claimable(head, fileSize)` says no codec could claim the file, returns nil without
    /// reading the rest (a large file nothing claims costs one small read). Otherwise the rest
    /// is read into the same buffer.
    public static func read(_ path: String, claimable: (ArtifactInput, Int) -> Bool) throws(MarkingError) -> ArtifactInput? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw MarkingError(.io, path: path, "cannot open", errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw MarkingError(.io, path: path, "cannot stat", errno: errno) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw MarkingError(.unsupported, path: path, "not a regular file") }
        let size = Int(st.st_size)
        guard size <= maxArtifactSize else { throw MarkingError(.tooLarge, path: path, "file is larger than 4 GiB") }
        var failure: Int32 = 0
        var atEOF = false
        var declined = false
        // One byte more than fstat said: a read that comes back short is the end of the file,
        // so the usual case costs a single read(2) and no probe for growth.
        let capacity = size + 1
        var bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buf, initialized in
            if size >= hugePageThreshold, let base = buf.baseAddress { adviseHugePages(base, size) }
            var off = 0
            func fill(to limit: Int) {
                while off < limit {
                    let want = limit - off
                    let n = Glibc.read(fd, buf.baseAddress! + off, want)
                    if n < 0 { if errno == EINTR { continue }; failure = errno; return }
                    if n == 0 { atEOF = true; return }  // exactly at EOF, or the file shrank
                    off += n
                    if n < want && limit == capacity { atEOF = true; return }  // short read: EOF
                }
            }
            if size > headSize {
                // The head first: most files no codec claims are declined on it.
                fill(to: headSize)
                if failure == 0 && !atEOF {
                    let head = ArtifactInput(path: path, bytes: Array(UnsafeBufferPointer(rebasing: buf[0..<off])),
                                             mode: UInt32(st.st_mode))
                    declined = !claimable(head, size)
                }
            }
            if failure == 0 && !atEOF && !declined { fill(to: capacity) }
            initialized = off
        }
        if failure != 0 { throw MarkingError(.io, path: path, "read failed", errno: failure) }
        if declined { return nil }
        // The file grew while we read it: take the rest too.
        if !atEOF {
            try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 65536) { chunk throws(MarkingError) in
                while true {
                    let n = Glibc.read(fd, chunk.baseAddress!, chunk.count)
                    if n < 0 { if errno == EINTR { continue }; throw MarkingError(.io, path: path, "read failed", errno: errno) }
                    if n == 0 { break }
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[0..<n]))
                }
            }
        }
        return ArtifactInput(path: path, bytes: bytes, mode: UInt32(st.st_mode))
    }

    /// Replaces the file at `path` with `bytes` atomically: a temp file in the same directory,
    /// the original permission bits, then rename(2) over the original. The original is never
    /// damaged: on any failure the temp file is removed and the error names `path`.
    /// A file with no write permission bits is refused (even for root), so that a read-only
    /// artifact is never silently rewritten.
    public static func writeAtomically(_ path: String, bytes: [UInt8], mode: UInt32) throws(MarkingError) {
        var st = stat()
        if stat(path, &st) == 0 {
            if (st.st_mode & 0o222) == 0 || access(path, W_OK) != 0 {
                throw MarkingError(.io, path: path, "cannot write: the file is read-only")
            }
        } else {
            throw MarkingError(.io, path: path, "cannot write: the file vanished", errno: errno)
        }
        let dir: String
        let base: String
        if let slash = path.lastIndex(of: "/") {
            dir = slash == path.startIndex ? "/" : String(path[..<slash])
            base = String(path[path.index(after: slash)...])
        } else {
            dir = "."; base = path
        }
        var template = Array("\(dir)/.\(base).chalk-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw MarkingError(.io, path: path, "cannot create a temporary file in \(dir)", errno: errno)
        }
        let tmp = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var ok = false
        defer {
            close(fd)
            if !ok { unlink(tmp) }
        }
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                throw MarkingError(.io, path: path, "cannot write the new contents", errno: errno)
            }
            off += n
        }
        guard fchmod(fd, mode_t(mode & 0o7777)) == 0 else {
            throw MarkingError(.io, path: path, "cannot set the file mode", errno: errno)
        }
        // Keep the owner when we can (root rewriting another user's file).
        _ = fchown(fd, st.st_uid, st.st_gid)
        guard rename(tmp, path) == 0 else {
            throw MarkingError(.io, path: path, "cannot replace the file", errno: errno)
        }
        ok = true
    }

    /// Appends `bytes` to `path` (created with mode 0644 when missing).
    public static func append(_ path: String, bytes: [UInt8]) throws(MarkingError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw MarkingError(.io, path: path, "cannot open for appending", errno: errno) }
        defer { close(fd) }
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                throw MarkingError(.io, path: path, "cannot append", errno: errno)
            }
            off += n
        }
    }
}
