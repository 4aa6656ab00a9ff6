/// The sampling draw of `exec.reporting_probability` (RULINGS 3): once per run, after the spawn.
public enum ExecSampling {
    /// True when this run reports. 100 (or more) always, 0 (or less) never, otherwise with
    /// probability p/100 from the system CSPRNG.
    public static func shouldReport(probability p: Int) -> Bool {
        if p >= 100 { return true }
        if p <= 0 { return false }
        var rng = SystemRandomNumberGenerator()
        return Int.random(in: 0..<100, using: &rng) < p
    }

    /// The probability as reported (`_EXEC_REPORTING_PROBABILITY`), clamped to 0...100.
    public static func reported(_ p: Int) -> Int64 { Int64(min(100, max(0, p))) }
}
