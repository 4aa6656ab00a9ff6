import Config
import Reporting

/// The ONE call through which insert / extract / delete hand their collected data to
/// reporting: Reporting's `publishReports` (templates, custom reports, sinks, report cache).
public enum ReportHandoff {
    /// Builds and publishes the operation's report(s). Returns false when delivery failed.
    @discardableResult
    public static func publish(_ run: CollectedRun, config: ChalkConfig) -> Bool {
        publishReports(run, config: config).failed.isEmpty
    }
}
