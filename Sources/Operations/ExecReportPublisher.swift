import ChalkLog
import Config
import Marking
import Reporting

/// The exec reporter's one way out: every exec, heartbeat and postexec report goes through
/// `publish`, which hands it to Reporting's `publishReports` (templates, custom reports, sinks,
/// report cache).
enum ExecReportPublisher {
    /// Publishes one report. Never throws; delivery problems are the publisher's to log and
    /// cache (fail open: the workload is never affected).
    /// - Parameters:
    ///   - templateOverride: `--report-template`, for the primary exec report only.
    ///   - deadlineMillis: bound on network work (the postexec report passes the report deadline).
    static func publish(_ run: CollectedRun, config: ChalkConfig, templateOverride: String?, deadlineMillis: Int64? = nil,
                        chalkVersion: String = "") {
        var config = config
        if let name = templateOverride {
            if config.reportTemplates[name] != nil {
                var out = config.outconf[run.operation] ?? OutConf()
                out.reportTemplate = name
                config.outconf[run.operation] = out
            } else {
                Log.trace("--report-template \(name): no such report template; using the configured one")
            }
        }
        let options = PublishOptions(deadline: deadlineMillis.map { Deadline.after(milliseconds: $0) }, chalkVersion: chalkVersion)
        let outcome = publishReports(run, config: config, options: options)
        if !outcome.failed.isEmpty { Log.trace("exec: \(run.operation) report not delivered everywhere") }
    }
}
