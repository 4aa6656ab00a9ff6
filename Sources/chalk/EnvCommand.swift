import ArgumentParser
import Config
import Reporting

/// `chalk env`: publishes a report about the current host (a push-based health check) through
/// the configured templates and sinks. Reporting problems are logged and never fail the command.
struct EnvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Report on the current host (a push-based health check).",
        aliases: ["environment"])

    @OptionGroup var globals: GlobalOptions

    @Option(name: .customLong("report-cache-file"), help: "Keep undeliverable reports in this file (turns the report cache on).")
    var reportCacheFile: String?

    @Flag(inversion: .prefixedNo, help: "Keep reports a sink could not take, and send them on the next run.")
    var useReportCache: Bool?

    func run() throws {
        var config = try globals.loadConfig(command: "env")
        if let reportCacheFile {
            config.useReportCache = true
            config.reportCacheLocation = reportCacheFile
        }
        if let useReportCache { config.useReportCache = useReportCache }
        _ = publishEnvReport(config: config, chalkVersion: ChalkVersion.string)
    }
}
