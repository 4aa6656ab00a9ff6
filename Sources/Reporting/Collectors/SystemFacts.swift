#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CBuildInfo
import Marking

/// One instant of a chalk operation, with every rendering Chalk reports it in
/// (spec/config.md §4.1 "Time formats"): local time zone, `yyyy-MM-dd`, `HH:mm:ss.fff`,
/// `+hh:mm`, and the ISO date-time `yyyy-MM-ddTHH:mm:ss.fff+hh:mm`.
public struct OperationTime: Sendable, Equatable {
    /// Milliseconds since the Unix epoch.
    public let milliseconds: Int64
    /// `yyyy-MM-dd` in local time.
    public let date: String
    /// `HH:mm:ss.fff` in local time.
    public let time: String
    /// UTC offset of the local zone at that instant, `+hh:mm` / `-hh:mm`.
    public let tzOffset: String

    /// `yyyy-MM-dd'T'HH:mm:ss.fff` + offset, e.g. `2024-03-13T15:03:18.901-04:00`.
    public var dateTime: String { date + "T" + time + tzOffset }

    /// The current instant.
    public static func now() -> OperationTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return OperationTime(milliseconds: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }

    /// The instant `milliseconds` since the epoch, rendered in the process's local zone (`TZ`).
    public init(milliseconds: Int64) {
        let secs = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        var t = time_t(secs)
        var tmv = tm()
        localtime_r(&t, &tmv)
        self.init(milliseconds: milliseconds, utcOffsetSeconds: Int(tmv.tm_gmtoff))
    }

    /// The instant rendered at a fixed UTC offset (seconds east of UTC).
    init(milliseconds: Int64, utcOffsetSeconds: Int) {
        self.milliseconds = milliseconds
        let secs = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let millis = Int(milliseconds - secs * 1000)
        let c = CivilTime(seconds: secs + Int64(utcOffsetSeconds))
        date = "\(zeroPadded(c.year, 4))-\(zeroPadded(c.month, 2))-\(zeroPadded(c.day, 2))"
        time = "\(zeroPadded(c.hour, 2)):\(zeroPadded(c.minute, 2)):\(zeroPadded(c.second, 2)).\(zeroPadded(millis, 3))"
        tzOffset = utcOffsetText(seconds: utcOffsetSeconds, colon: true)
    }
}

/// Zero-padded decimal.
func zeroPadded(_ v: Int, _ width: Int) -> String {
    let s = String(abs(v))
    let body = s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    return v < 0 ? "-" + body : body
}

/// `+hh:mm` (colon) or `+hhmm` (git style) for an offset east of UTC in seconds.
func utcOffsetText(seconds: Int, colon: Bool) -> String {
    let sign = seconds < 0 ? "-" : "+"
    let m = abs(seconds) / 60
    return sign + zeroPadded(m / 60, 2) + (colon ? ":" : "") + zeroPadded(m % 60, 2)
}

/// Facts about this host and this chalk binary.
public enum SystemFacts {
    /// `PLATFORM_WHEN_CHALKED` / `_OP_PLATFORM`: `uname -o` + " " + `uname -m` of the build,
    /// fixed at compile time as in Chalk (spec/config.md §4.3).
    public static let platform: String = {
        #if os(Linux)
        let os = "GNU/Linux"
        #elseif os(macOS)
        let os = "Darwin"
        #else
        let os = "unknown"
        #endif
        #if arch(x86_64)
        let arch = "x86_64"
        #elseif arch(arm64)
        let arch = "aarch64"
        #else
        let arch = "unknown"
        #endif
        return os + " " + arch
    }()

    /// The git commit this binary was built from (`INJECTOR_COMMIT_ID`); never from running git.
    public static var buildCommit: String { String(cString: chalk_build_commit()) }

    /// The five `uname(2)` fields: sysname, nodename, release, version, machine.
    public static func uname() -> (sysname: String, nodename: String, release: String, version: String, machine: String)? {
        var u = utsname()
        guard Glibc.uname(&u) == 0 else { return nil }
        func field<T>(_ t: T) -> String {
            withUnsafeBytes(of: t) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return (field(u.sysname), field(u.nodename), field(u.release), field(u.version), field(u.machine))
    }

    /// `gethostname(2)`.
    public static func hostname() -> String? {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return nil }
        return FileIO.cString(buf)
    }

    /// 16 lowercase hex digits from the system's secure random source (`getrandom`), as Chalk's
    /// `secureRand[uint64]().toHex().toLower()` gives for CHALK_RAND, _ACTION_ID and _EXEC_ID.
    public static func randomHex64() -> String {
        var rng = SystemRandomNumberGenerator()
        return hex16(rng.next())
    }

    static func hex16(_ v: UInt64) -> String {
        let s = String(v, radix: 16, uppercase: false)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// `_EXEC_ID`: one random ID per chalk process, shared by its exec, heartbeat and postexec
    /// reports (spec/exec.md §3.2).
    public static let execID: String = randomHex64()

    /// The wall-clock and monotonic instants at which this process started: its start time in
    /// `/proc/self/stat` (ticks since boot) against CLOCK_BOOTTIME now. Falls back to the first
    /// use when /proc is unreadable.
    static let processStart: (wallMs: Int64, monoMs: Int64) = {
        let wall = OperationTime.now().milliseconds, mono = monotonicMilliseconds()
        var boot = timespec()
        clock_gettime(CLOCK_BOOTTIME, &boot)
        let bootMs = Int64(boot.tv_sec) * 1000 + Int64(boot.tv_nsec) / 1_000_000
        guard let text = FileIO.readText("/proc/self/stat", limit: 65536), let st = ProcFS.Stat(text),
              let startSecs = st.seconds(22) else { return (wall, mono) }
        let age = max(0, bootMs - Int64(startSecs * 1000))
        return (wall - age, mono - age)
    }()

    /// CLOCK_MONOTONIC in milliseconds (`_MONOTIME`).
    public static func monotonicMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// The local source address the kernel would use towards 1.1.1.1 (`_OP_PUBLIC_IPV4_ADDR`).
    /// A UDP `connect` only picks a route: no packet leaves the machine (RULINGS 13).
    public static func localIPv4Address() -> String? {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(53).bigEndian
        addr.sin_addr.s_addr = UInt32(0x0101_0101).bigEndian
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { return nil }
        var local = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let got = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard got == 0 else { return nil }
        var buf = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        guard inet_ntop(AF_INET, &local.sin_addr, &buf, socklen_t(buf.count)) != nil else { return nil }
        return FileIO.cString(buf)
    }

    /// The process environment as name → value (from `environ`).
    public static func processEnvironment() -> [String: String] {
        var env: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") {
                let k = String(s[..<eq])
                if env[k] == nil { env[k] = String(s[s.index(after: eq)...]) }
            }
            p += 1
        }
        return env
    }

    /// Absolute path of the running chalk executable (`/proc/self/exe`).
    public static func executablePath() -> String? { FileIO.readLink("/proc/self/exe") }
}

/// How `INJECTOR_ENV` / `_ENV` filter the environment (`env_always_show`, `env_never_show`,
/// `env_redact`, `env_default_action`; spec/config.md §2.1). Defaults are Chalk's.
public struct EnvFilter: Sendable, Equatable {
    public var alwaysShow: Set<String> = ["PATH", "PWD", "XDG_SESSION_TYPE", "USER", "SSH_TTY"]
    public var neverShow: Set<String> = []
    public var redact: Set<String> = ["AWS_SECRET_ACCESS_KEY"]
    /// `show`, `redact` or `ignore`.
    public var defaultAction: String = "ignore"

    public init() {}

    /// From the config's `env_always_show`, `env_never_show`, `env_redact`, `env_default_action`.
    public init(alwaysShow: [String], neverShow: [String], redact: [String], defaultAction: String) {
        self.alwaysShow = Set(alwaysShow); self.neverShow = Set(neverShow); self.redact = Set(redact)
        self.defaultAction = defaultAction
    }

    /// The text that replaces a redacted value (spec/config.md §2.1).
    public static let redacted = "<<redacted>>"

    /// Applies the filter; the result is sorted by name so reports are stable.
    public func apply(_ env: [String: String]) -> ChalkObject {
        var out = ChalkObject()
        for k in env.keys.sorted() {
            let v = env[k]!
            if neverShow.contains(k) { continue }
            if redact.contains(k) { out[k] = .string(Self.redacted); continue }
            if alwaysShow.contains(k) { out[k] = .string(v); continue }
            switch defaultAction.first {
            case "i": continue
            case "r": out[k] = .string(Self.redacted)
            default: out[k] = .string(v)
            }
        }
        return out
    }
}
