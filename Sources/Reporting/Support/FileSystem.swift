#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The few file-system calls Reporting needs (sinks, report cache), with EINTR retries and
/// errors that name the file and the errno text.
enum FileSystem {
    /// `strerror` as a Swift string.
    static func errorText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    /// The value of an environment variable, nil when unset.
    static func env(_ name: String) -> String? {
        guard let v = getenv(name) else { return nil }
        return String(cString: v)
    }

    /// HOME when it can hold chalk's files: set, not empty, an existing writable directory
    /// (RULINGS 11: unset HOME or a read-only `/` make `~` paths unusable).
    static func usableHome() -> String? {
        guard let home = env("HOME"), !home.isEmpty else { return nil }
        var st = stat()
        guard stat(home, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, access(home, W_OK) == 0 else { return nil }
        return home
    }

    /// Expands a leading `~` or `~/`. Returns nil when the path needs HOME and HOME is unusable.
    static func expandTilde(_ path: String) -> String? {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        guard let home = usableHome() else { return nil }
        let base = home.hasSuffix("/") ? String(home.dropLast()) : home
        return base + path.dropFirst()
    }

    static func dirname(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    static func basename(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// `mkdir -p`. Throws a message naming the directory that could not be made.
    static func makeDirectories(_ path: String) throws(SinkError) {
        if path.isEmpty || isDirectory(path) { return }
        let parent = dirname(path)
        if parent != path { try makeDirectories(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw SinkError.failed("can't create directory \(path): \(errorText())")
        }
    }

    /// Writes every byte to `fd`, retrying on EINTR and short writes.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = write(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0 { if errno == EINTR { continue }; return false }
                off += n
            }
            return true
        }
    }

    /// The whole content of a file, or nil (with errno set) when it can't be read.
    static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    /// Replaces `path` with `bytes` atomically: a temp file in the same directory, then rename.
    static func writeFileAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(SinkError) {
        let tmp = "\(path).tmp.\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SinkError.failed("can't write \(tmp): \(errorText())") }
        let ok = writeAll(fd, bytes) && fsync(fd) == 0
        let err = errno
        close(fd)
        guard ok else { unlink(tmp); throw SinkError.failed("can't write \(tmp): \(errorText(err))") }
        guard rename(tmp, path) == 0 else {
            let e = errno
            unlink(tmp)
            throw SinkError.failed("can't rename \(tmp) to \(path): \(errorText(e))")
        }
    }

    /// Size of a file in bytes, or nil when it doesn't exist.
    static func fileSize(_ path: String) -> Int? {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : nil
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
