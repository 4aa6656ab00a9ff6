#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Config
import Reporting
import ChalkLog

/// `chalk env`: publishes a report about the current host (a push-based health check) through
/// the configured templates and sinks. Reporting problems are logged and never fail the command.
struct EnvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Report on the current host (a push-based health check).",
        aliases: ["environment"])

    @Option(name: [.customLong("config-file"), .customShort("f")], help: "Load this config file.")
    var configFile: String?

    @Option(name: .customLong("report-cache-file"), help: "Use this report cache file.")
    var reportCacheFile: String?

    @Flag(inversion: .prefixedNo, help: "Keep reports a sink could not take, and send them on the next run.")
    var useReportCache: Bool?

    @Flag(inversion: .prefixedNo, help: "Print the summary report when stdout is a terminal.")
    var skipSummaryReport: Bool = false

    func run() throws {
        var start = "."
        if let p = getcwd(nil, 0) { start = String(cString: p); free(p) }
        var config: ChalkConfig
        do {
            config = try ConfigLoader.load(ConfigLoadRequest(configFile: configFile, command: "env", startDirectory: start))
        } catch {
            Log.error("\(error)")
            throw ExitCode(1)
        }
        if let level = LogLevel(name: config.logLevel) { Log.shared.level = level }
        if let reportCacheFile {
            config.useReportCache = true
            config.reportCacheLocation = reportCacheFile
        }
        if let useReportCache { config.useReportCache = useReportCache }
        if skipSummaryReport { config.skipSummaryReport = true }
        _ = publishEnvReport(config: config, chalkVersion: ChalkVersion.string)
    }
}
