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
