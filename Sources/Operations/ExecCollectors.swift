import CBuildInfo
import Marking
#if canImport(Glibc)
import Glibc
#endif

/// The exec reporter's only calls into the collectors.
///
/// TODO(lead): wire `hostKeys` and `processKeys` to the collectors engineer's functions in
/// `Sources/Reporting/Collectors/` (`_PROCESS_*` from /proc, container, cloud instance metadata,
/// Kubernetes, AWS Lambda). Until then this fills the few keys exec needs itself: `_PROCESS_PID`,
/// `_PROCESS_PARENT_PID`, `_PROCESS_ARGV`, `_PROCESS_EXE_PATH`, `_PROCESS_CWD` and the uname keys.
enum ExecCollectors {
    /// Run-time host keys (`_OP_HOSTNAME`, `_OP_HOST_*`, `_OP_PLATFORM`, chalk's version).
    static func hostKeys(chalkVersion: String) -> ChalkObject {
        var o = ChalkObject()
        var u = utsname()
        if uname(&u) == 0 {
            o["_OP_HOSTNAME"] = .string(cString(u.nodename))
            o["_OP_HOST_SYSNAME"] = .string(cString(u.sysname))
            o["_OP_HOST_NODENAME"] = .string(cString(u.nodename))
            o["_OP_HOST_RELEASE"] = .string(cString(u.release))
            o["_OP_HOST_VERSION"] = .string(cString(u.version))
            o["_OP_HOST_MACHINE"] = .string(cString(u.machine))
            o["_OP_PLATFORM"] = .string("GNU/Linux " + cString(u.machine))
        }
        o["_OP_CHALKER_VERSION"] = .string(chalkVersion)
        o["_OP_CHALKER_COMMIT_ID"] = .string(String(cString: chalk_build_commit()))
        return o
    }

    /// `_PROCESS_*` keys of the workload, read from /proc on every call (no cache).
    static func processKeys(pid: Int32, argv: [String]) -> ChalkObject {
        var o = ChalkObject()
        o["_PROCESS_PID"] = .int(Int64(pid))
        o["_PROCESS_PARENT_PID"] = .int(Int64(getpid()))
        o["_PROCESS_ARGV"] = .array(argv.map { .string($0) })
        o.setIfNotEmpty("_PROCESS_EXE_PATH", readLink("/proc/\(pid)/exe").map { .string($0) })
        o.setIfNotEmpty("_PROCESS_CWD", readLink("/proc/\(pid)/cwd").map { .string($0) })
        return o
    }

    /// A fixed-size C char array (utsname field) as a String.
    static func cString<T>(_ field: T) -> String {
        withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    static func readLink(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink(path, &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
