import Marking
import Config
import Reporting

/// Plugs the Reporting module's collectors (host, git, CI, CODEOWNERS, cloud) into the
/// insert/extract/delete pipeline. One `Collector` per run, so that git repositories are read
/// once and cloud look-ups happen at most once.
public struct CollectorMetadata: ChalkTimeMetadataSource {
    private let collector: Collector

    /// Builds the run's collector from the operation context. Only the keys that the run's
    /// templates use are asked for where a collector has costly work to skip.
    public init(context c: OperationContext, paths: [String]) {
        let config = c.config
        var wanted = Set<String>()
        if let t = config.markTemplate(for: c.operation) { wanted.formUnion(t.usedKeys) }
        if let t = config.reportTemplate(for: c.operation) { wanted.formUnion(t.usedKeys) }
        for r in config.customReports.values where r.enabled && (r.useWhen.contains("*") || r.useWhen.contains(c.operation)) {
            if let t = config.reportTemplates[r.reportTemplate] { wanted.formUnion(t.usedKeys) }
        }
        let filter = EnvFilter(alwaysShow: config.envAlwaysShow, neverShow: config.envNeverShow,
                               redact: config.envRedact, defaultAction: config.envDefaultAction)
        collector = Collector(context: CollectionContext(
            chalkVersion: c.chalkVersion, time: OperationTime(milliseconds: c.startMillis), argv: c.argv,
            positionalArgs: paths, envFilter: filter, searchPaths: paths.isEmpty ? [c.startDirectory] : paths,
            wantedKeys: wanted))
    }

    public func chalkTimeHost(_ c: OperationContext) -> ChalkObject {
        var o = collector.chalkTimeHost()
        // Custom keys from the config (X_ keys, resolved at load) are chalk-time facts too.
        for (k, v) in c.config.customKeys { o[k] = v }
        return o
    }

    public func chalkTimeArtifact(path: String, _ c: OperationContext) -> ChalkObject {
        collector.chalkTimeArtifact(path: path)
    }

    public func runTimeHost(_ c: OperationContext) -> ChalkObject {
        collector.runTimeHost()
    }
}
