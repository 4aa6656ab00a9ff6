import Marking
import Config

/// `chalk env`: publishes an `env` report about the current host (a push-based health check),
/// through the same templates and sinks as every report. The host keys come from the
/// collectors (uname, time, chalk's identity, filtered environment, container, cloud,
/// Kubernetes and Lambda facts when there are signs of them).
public func publishEnvReport(config: ChalkConfig, chalkVersion: String, options: PublishOptions = PublishOptions()) -> PublishOutcome {
    let filter = EnvFilter(alwaysShow: config.envAlwaysShow, neverShow: config.envNeverShow,
                           redact: config.envRedact, defaultAction: config.envDefaultAction)
    let wanted = config.reportTemplate(for: "env").map { Set($0.usedKeys) }
    let collector = Collector(context: CollectionContext(chalkVersion: chalkVersion, argv: CommandLine.arguments,
                                                         envFilter: filter, wantedKeys: wanted))
    var host = collector.runTimeHost()
    host.merge(collector.runTimeEnvironmentKeys())
    host["_OPERATION"] = .string("env")
    let run = CollectedRun(operation: "env", host: host)
    var opts = options
    if opts.chalkVersion.isEmpty { opts.chalkVersion = chalkVersion }
    return publishReports(run, config: config, options: opts)
}
