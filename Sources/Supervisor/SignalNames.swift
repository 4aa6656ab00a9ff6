#if canImport(Glibc)
import Glibc
#endif

/// Signal names and numbers as users write them: `SIGUSR1`, `USR1`, `usr1`, `10`, `RTMIN+2`.
public enum SignalNames {
    /// Linux x86_64/aarch64 standard signal numbers (the kernel's, not glibc's SIGRTMIN).
    static let table: [(String, Int32)] = [
        ("HUP", 1), ("INT", 2), ("QUIT", 3), ("ILL", 4), ("TRAP", 5), ("ABRT", 6), ("IOT", 6), ("BUS", 7),
        ("FPE", 8), ("KILL", 9), ("USR1", 10), ("SEGV", 11), ("USR2", 12), ("PIPE", 13), ("ALRM", 14),
        ("TERM", 15), ("STKFLT", 16), ("CHLD", 17), ("CLD", 17), ("CONT", 18), ("STOP", 19), ("TSTP", 20),
        ("TTIN", 21), ("TTOU", 22), ("URG", 23), ("XCPU", 24), ("XFSZ", 25), ("VTALRM", 26), ("PROF", 27),
        ("WINCH", 28), ("IO", 29), ("POLL", 29), ("PWR", 30), ("SYS", 31),
    ]

    /// The highest signal number (real-time signals run up to it).
    public static let maxSignal: Int32 = 64

    /// Parses a signal name (with or without `SIG`, any case) or number. `allowZero` accepts
    /// `0` (used by `--rewrite-signal FROM:0`, which drops a signal).
    public static func parse(_ text: String, allowZero: Bool = false) -> Int32? {
        if let n = Int32(text) {
            if n == 0 { return allowZero ? 0 : nil }
            return (1...maxSignal).contains(n) ? n : nil
        }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name = String(name.dropFirst(3)) }
        if let hit = table.first(where: { $0.0 == name }) { return hit.1 }
        // Real-time signals: RTMIN, RTMIN+N, RTMAX, RTMAX-N, relative to glibc's SIGRTMIN (34).
        let rtmin: Int32 = 34, rtmax: Int32 = 64  // glibc keeps 32 and 33 for itself
        if name == "RTMIN" { return rtmin }
        if name == "RTMAX" { return rtmax }
        if name.hasPrefix("RTMIN+"), let k = Int32(name.dropFirst(6)), rtmin + k <= rtmax { return rtmin + k }
        if name.hasPrefix("RTMAX-"), let k = Int32(name.dropFirst(6)), rtmax - k >= rtmin { return rtmax - k }
        return nil
    }

    /// `SIGTERM`, or `SIG34` for signals without a short name.
    public static func name(of signal: Int32) -> String {
        if let hit = table.first(where: { $0.1 == signal }) { return "SIG" + hit.0 }
        return "SIG\(signal)"
    }
}
