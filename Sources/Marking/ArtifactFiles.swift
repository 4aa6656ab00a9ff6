#if canImport(Glibc)
import Glibc
#endif

/// Reading artifacts and writing them back atomically (spec/mark-format.md §3.0, issue 3 §8).
public enum ArtifactFiles {
    /// Largest artifact chalk reads into memory (4 GiB): beyond it the file is refused with a
    /// clear error instead of exhausting memory.
    public static let maxArtifactSize = 4 << 30

    /// Reads the whole regular file at `path` with one preallocated buffer.
    public static func read(_ path: String) throws(MarkingError) -> ArtifactInput {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw MarkingError(.io, path: path, "cannot open", errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw MarkingError(.io, path: path, "cannot stat", errno: errno) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw MarkingError(.unsupported, path: path, "not a regular file") }
        let size = Int(st.st_size)
        guard size <= maxArtifactSize else { throw MarkingError(.tooLarge, path: path, "file is larger than 4 GiB") }
        var failure: Int32 = 0
        var bytes = [UInt8](unsafeUninitializedCapacity: size) { buf, initialized in
            var off = 0
            while off < size {
                let n = Glibc.read(fd, buf.baseAddress! + off, size - off)
                if n < 0 { if errno == EINTR { continue }; failure = errno; break }
                if n == 0 { break }  // the file shrank while we read it
                off += n
            }
            initialized = off
        }
        if failure != 0 { throw MarkingError(.io, path: path, "read failed", errno: failure) }
        // The file grew while we read it: take the rest too.
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw MarkingError(.io, path: path, "read failed", errno: errno) }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
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
