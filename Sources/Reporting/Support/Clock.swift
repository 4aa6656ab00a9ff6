#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A point on the monotonic clock after which reporting must not start new network work (the
/// exec reporter passes one so that the final report is bounded, RULINGS 4).
public struct Deadline: Sendable {
    /// Monotonic nanoseconds.
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// `milliseconds` from now.
    public static func after(milliseconds: Int64) -> Deadline {
        Deadline(nanoseconds: Clock.monotonicNanoseconds() &+ UInt64(max(0, milliseconds)) * 1_000_000)
    }

    /// Milliseconds left (0 when passed).
    public var remainingMilliseconds: Int64 {
        let now = Clock.monotonicNanoseconds()
        return now >= nanoseconds ? 0 : Int64((nanoseconds - now) / 1_000_000)
    }

    public var hasPassed: Bool { remainingMilliseconds == 0 }
}

/// Wall-clock and monotonic time without Foundation.
enum Clock {
    static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Milliseconds since the Unix epoch.
    static func unixMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// `yyyy-MM-ddTHH:mm:ss.fff±hh:mm` in the local time zone (spec/config.md §4.1).
    static func localDateTime(unixMilliseconds ms: Int64) -> String {
        var t = time_t(ms / 1000)
        var tmv = tm()
        localtime_r(&t, &tmv)
        let off = Int(tmv.tm_gmtoff)
        let sign = off < 0 ? "-" : "+"
        let a = abs(off)
        return "\(pad(Int(tmv.tm_year) + 1900, 4))-\(pad(Int(tmv.tm_mon) + 1, 2))-\(pad(Int(tmv.tm_mday), 2))"
            + "T\(pad(Int(tmv.tm_hour), 2)):\(pad(Int(tmv.tm_min), 2)):\(pad(Int(tmv.tm_sec), 2)).\(pad(Int(ms % 1000), 3))"
            + "\(sign)\(pad(a / 3600, 2)):\(pad(a % 3600 / 60, 2))"
    }

    /// Sleeps, resuming after signals.
    static func sleepMilliseconds(_ ms: Int) {
        var ts = timespec(tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000)
        var rest = timespec()
        while nanosleep(&ts, &rest) != 0 && errno == EINTR { ts = rest }
    }
}

/// Random bytes (the stdlib's system generator reads the kernel's getrandom), for IDs and
/// object names.
enum RandomBytes {
    static func bytes(_ n: Int) -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
    }

    static func hex(_ n: Int) -> String {
        let digits = Array("0123456789abcdef")
        var s = ""
        for b in bytes(n) { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
        return s
    }

    /// `count` characters of Crockford-style base32 (S3 object names, spec/config.md §5.1).
    static func base32(_ count: Int) -> String {
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        return String(bytes(count).map { alphabet[Int($0 & 31)] })
    }
}
