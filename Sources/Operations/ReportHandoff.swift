import Config
import Reporting

/// The ONE call through which insert / extract / delete hand their collected data to
/// reporting. MERGE: when the Reporting module's builder and sinks land, replace the body with
/// the call into Reporting (e.g. `Reporting.publish(run, config:)`) and delete
/// InterimReportWriter.swift.
public enum ReportHandoff {
    /// Builds and publishes the operation's report(s). Returns false when delivery failed.
    @discardableResult
    public static func publish(_ run: CollectedRun, config: ChalkConfig) -> Bool {
        InterimReportWriter.publish(run, config: config)
    }
}
