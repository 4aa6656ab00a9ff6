import Synchronization
import ChalkLog

#if canImport(Glibc)
import Glibc
#endif

/// The pid of the docker child chalk is waiting for; SIGINT/SIGTERM/SIGHUP/SIGQUIT that reach
/// chalk are forwarded to it (issue 7 §4: signals reach docker).
private let forwardTarget = Atomic<Int32>(0)

/// The last signal chalk forwarded (0 = none): an interrupted build must not be "repaired".
private let lastForwarded = Atomic<Int32>(0)

private let forwardHandler: @convention(c) (Int32) -> Void = { sig in
    lastForwarded.store(sig, ordering: .relaxed)
    let pid = forwardTarget.load(ordering: .relaxed)
    if pid > 0 { kill(pid, sig) }
}

/// Spawning docker and friends without Foundation: posix_spawn, pipes, waitpid.
public enum Proc {
    /// Result of a finished child.
    public struct Result: Sendable {
        /// Exit status, or 128+N when killed by signal N (a shell's convention).
        public var status: Int32
        public var stdout: [UInt8]
        public var stderr: [UInt8]
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// What to do with one of the child's standard streams.
    public enum Stream: Sendable {
        case inherit, capture, null, toStderr
    }

    /// The last SIGINT/SIGTERM/SIGHUP/SIGQUIT chalk received and forwarded to docker, if any.
    public static var interruptedBy: Int32? {
        let s = lastForwarded.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }

    /// The current environment as `KEY=VALUE` strings.
    public static func environment() -> [String] {
        var out: [String] = []
        var p = environ
        while let e = p.pointee { out.append(String(cString: e)); p += 1 }
        return out
    }

    public static func getenv(_ name: String) -> String? {
        guard let v = Glibc.getenv(name) else { return nil }
        return String(cString: v)
    }

    /// Replaces the process with `path` (never returns on success).
    public static func exec(_ path: String, _ argv: [String], env: [String]) -> Int32 {
        _ = withCStrings(argv) { a in withCStrings(env) { e in execve(path, a, e) } }
        return errno
    }

    /// Runs `path argv...`, feeding `stdinBytes` (or inheriting stdin when nil and `stdinNull` is
    /// false), and waits for it. SIGINT/SIGTERM/SIGHUP/SIGQUIT sent to chalk meanwhile go to it.
    public static func run(_ path: String, _ argv: [String], env: [String]? = nil, stdinBytes: [UInt8]? = nil,
                           stdinNull: Bool = false, stdout: Stream = .capture, stderr: Stream = .capture) -> Result {
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        var pipes: [Int32] = []  // fds to close in the parent after spawn
        var inW: Int32 = -1, outR: Int32 = -1, errR: Int32 = -1
        if let _ = stdinBytes {
            let p = cloexecPipe()
            posix_spawn_file_actions_adddup2(&fa, p[0], 0); pipes.append(p[0]); inW = p[1]
        } else if stdinNull {
            posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        }
        func setup(_ s: Stream, fd: Int32) -> Int32 {
            switch s {
            case .inherit: return -1
            case .null: posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", O_WRONLY, 0); return -1
            case .toStderr: posix_spawn_file_actions_adddup2(&fa, 2, fd); return -1
            case .capture:
                let p = cloexecPipe()
                posix_spawn_file_actions_adddup2(&fa, p[1], fd); pipes.append(p[1]); return p[0]
            }
        }
        outR = setup(stdout, fd: 1)
        errR = setup(stderr, fd: 2)
        var pid: pid_t = 0
        let rc = withCStrings(argv) { a in
            withCStrings(env ?? environment()) { e in posix_spawn(&pid, path, &fa, nil, a, e) }
        }
        for fd in pipes { close(fd) }
        guard rc == 0 else {
            for fd in [inW, outR, errR] where fd >= 0 { close(fd) }
            return Result(status: 127, stdout: [], stderr: Array("cannot run \(path): \(String(cString: strerror(rc)))\n".utf8))
        }
        let previous = installForwarding(pid)
        defer { restoreForwarding(previous) }
        // Feed stdin and drain stdout/stderr together with poll(2) so no pipe can fill up.
        var outBuf: [UInt8] = [], errBuf: [UInt8] = []
        var input = stdinBytes ?? [], inOff = 0
        if inW >= 0 && input.isEmpty { close(inW); inW = -1 }
        if inW >= 0 { _ = fcntl(inW, F_SETFL, fcntl(inW, F_GETFL) | O_NONBLOCK) }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while inW >= 0 || outR >= 0 || errR >= 0 {
            var fds: [pollfd] = []
            if inW >= 0 { fds.append(pollfd(fd: inW, events: Int16(POLLOUT), revents: 0)) }
            if outR >= 0 { fds.append(pollfd(fd: outR, events: Int16(POLLIN), revents: 0)) }
            if errR >= 0 { fds.append(pollfd(fd: errR, events: Int16(POLLIN), revents: 0)) }
            let n = poll(&fds, nfds_t(fds.count), -1)
            if n < 0 { if errno == EINTR { continue }; break }
            for f in fds where f.revents != 0 {
                if f.fd == inW {
                    let w = input.withUnsafeBytes { Glibc.write(inW, $0.baseAddress! + inOff, input.count - inOff) }
                    if w > 0 { inOff += w }
                    if w < 0 && errno == EAGAIN { continue }
                    if w <= 0 || inOff >= input.count { close(inW); inW = -1; input = [] }
                } else {
                    let r = chunk.withUnsafeMutableBytes { Glibc.read(f.fd, $0.baseAddress!, 65536) }
                    if r < 0 && errno == EINTR { continue }
                    if r <= 0 {
                        close(f.fd)
                        if f.fd == outR { outR = -1 } else { errR = -1 }
                    } else if f.fd == outR { outBuf += chunk[0..<r] } else { errBuf += chunk[0..<r] }
                }
            }
        }
        return Result(status: wait(pid), stdout: outBuf, stderr: errBuf)
    }

    /// A pipe whose both ends close on exec (the child gets them only through dup2).
    static func cloexecPipe() -> [Int32] {
        var p: [Int32] = [-1, -1]
        _ = pipe(&p)
        for fd in p { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return p
    }

    /// Starts `path argv...` with stdio on /dev/null and doesn't wait for it (clean-up work
    /// that must not delay docker's exit). Returns false when it could not start.
    @discardableResult
    public static func spawnDetached(_ path: String, _ argv: [String], env: [String]) -> Bool {
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // Its own process group: a Ctrl-C meant for the build doesn't cut the clean-up short.
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attr, 0)
        var pid: pid_t = 0
        let rc = withCStrings(argv) { a in withCStrings(env) { e in posix_spawn(&pid, path, &fa, &attr, a, e) } }
        return rc == 0
    }

    /// Waits for `pid`, retrying on EINTR; 128+N for a signal.
    static func wait(_ pid: pid_t) -> Int32 {
        var st: Int32 = 0
        while waitpid(pid, &st, 0) < 0 { if errno != EINTR { return 127 } }
        if st & 0x7f == 0 { return (st >> 8) & 0xff }
        return 128 + (st & 0x7f)
    }

    private static let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

    private static func installForwarding(_ pid: pid_t) -> [sigaction] {
        forwardTarget.store(pid, ordering: .relaxed)
        var old: [sigaction] = []
        for s in forwarded {
            var sa = sigaction()
            sa.__sigaction_handler.sa_handler = forwardHandler
            sa.sa_flags = SA_RESTART
            var o = sigaction()
            sigaction(s, &sa, &o)
            old.append(o)
        }
        // A parent may have started chalk with these signals blocked (the mask is inherited);
        // they must reach chalk to be forwarded.
        var set = sigset_t()
        sigemptyset(&set)
        for s in forwarded { sigaddset(&set, s) }
        sigprocmask(SIG_UNBLOCK, &set, nil)
        return old
    }

    private static func restoreForwarding(_ old: [sigaction]) {
        for (i, s) in forwarded.enumerated() { var o = old[i]; sigaction(s, &o, nil) }
        forwardTarget.store(0, ordering: .relaxed)
    }

    /// Calls `body` with a NULL-terminated C array of `strings`.
    static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var ptrs: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        ptrs.append(nil)
        defer { for p in ptrs { free(p) } }
        return body(ptrs)
    }
}

/// Small file-system helpers (no Foundation).
public enum FS {
    public static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 65536) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            out += buf[0..<n]
        }
        return out
    }

    public static func readText(_ path: String) -> String? { readFile(path).map { String(decoding: $0, as: UTF8.self) } }

    @discardableResult
    public static func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n < 0 { if errno == EINTR { continue }; return false }
            off += n
        }
        fchmod(fd, mode)  // the umask must not change the mode chalk means (0444, 0755)
        return true
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func isExecutableFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }

    /// (device, inode) of the file `path` resolves to.
    public static func identity(_ path: String) -> (UInt64, UInt64)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (UInt64(st.st_dev), UInt64(st.st_ino))
    }

    public static func realpath(_ path: String) -> String? {
        guard let r = Glibc.realpath(path, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    public static func cwd() -> String {
        guard let p = getcwd(nil, 0) else { return "." }
        defer { free(p) }
        return String(cString: p)
    }

    /// Makes a private temp directory (mode 0700).
    public static func makeTempDir(_ prefix: String = "chalk-docker") -> String? {
        let base = Proc.getenv("TMPDIR").flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { buf in
            guard let p = mkdtemp(buf.baseAddress!) else { return nil }
            return String(cString: p)
        }
    }

    /// Removes a directory tree chalk made (no symlink following).
    public static func removeTree(_ path: String) {
        if let d = opendir(path) {
            while let e = readdir(d) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if name == "." || name == ".." { continue }
                let p = path + "/" + name
                var st = stat()
                if lstat(p, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR { removeTree(p) } else { unlink(p) }
            }
            closedir(d)
        }
        rmdir(path)
    }

    public static func dirname(_ path: String) -> String {
        guard let i = path.lastIndex(of: "/") else { return "." }
        return i == path.startIndex ? "/" : String(path[..<i])
    }

    public static func basename(_ path: String) -> String {
        guard let i = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: i)...])
    }

    /// `path` without `.` and empty segments, and with `..` applied lexically.
    public static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for seg in path.split(separator: "/") {
            if seg == "." { continue }
            if seg == "..", !parts.isEmpty { parts.removeLast(); continue }
            parts.append(seg)
        }
        return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }

    /// `path` made absolute against `base` (no resolution of `..` or symlinks).
    public static func absolute(_ path: String, base: String) -> String {
        path.hasPrefix("/") ? path : (base == "/" ? "/" + path : base + "/" + path)
    }
}
