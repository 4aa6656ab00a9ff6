#if canImport(Glibc)
import Glibc
#endif

/// A one-line status ("chalk: insert: 1200/5000 artifacts (24%), 1100 marked") redrawn in place on
/// stderr while a long operation runs, for a person watching a terminal. It shows only when
/// stderr is a terminal, CI is not set, the log level is not `none`, and the work has already
/// taken half a second (CHALK_PROGRESS_AFTER_MS); it redraws at most ten times a second and is erased when done, so
/// scripts and logs never see it.
public struct ProgressLine {
    private let label: String
    private let enabled: Bool
    private let startNanos: UInt64
    /// How long the work runs before the line shows (env CHALK_PROGRESS_AFTER_MS, for tests).
    private let delayNanos: UInt64
    private var lastDrawNanos: UInt64 = 0
    private var shown = false

    /// `label` names the work, e.g. "insert".
    public init(label: String) {
        self.label = label
        enabled = isatty(2) == 1 && getenv("CI") == nil && Log.shared.level != LogLevel.none
        startNanos = Self.nowNanos()
        delayNanos = getenv("CHALK_PROGRESS_AFTER_MS").flatMap { UInt64(String(cString: $0)) }.map { $0 * 1_000_000 }
            ?? 500_000_000
    }

    /// Redraws the line if it is due.
    public mutating func update(done: Int, total: Int, detail: String = "") {
        guard enabled, total > 0 else { return }
        let now = Self.nowNanos()
        guard now - startNanos >= delayNanos, now - lastDrawNanos >= 100_000_000 else { return }
        lastDrawNanos = now
        shown = true
        let suffix = detail.isEmpty ? "" : ", \(detail)"
        Log.writeStderr("\r\u{1B}[Kchalk: \(label): \(done)/\(total) artifacts (\(done * 100 / total)%)\(suffix)")
    }

    /// Erases the line (before other output, and when the work is done).
    public mutating func clear() {
        guard shown else { return }
        shown = false
        Log.writeStderr("\r\u{1B}[K")
    }

    private static func nowNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
