import Config
import Marking
import Reporting
import Synchronization

/// The first report's host keys, shared by the copies of an `ExecCollectors`.
final class HostKeyCache: Sendable {
    let keys = Mutex<ChalkObject?>(nil)
}

/// The exec reporter's calls into the collectors (Reporting/Collectors): one `Collector` per run,
/// so cloud, Kubernetes and Lambda look-ups happen at most once and heartbeats reuse them.
struct ExecCollectors: Sendable {
    let collector: Collector
    private let hostCache = HostKeyCache()

    /// Builds the run's collector. Only keys the exec, heartbeat and postexec templates (and the
    /// custom reports that fire for them) use are asked for where a collector has costly work.
    init(config: ChalkConfig, info: ExecRunInfo) {
        var wanted = Set<String>()
        // The used keys as a set (`Template.usedKeys` would also sort them).
        func add(_ t: Template) { for (k, on) in t.use where on { wanted.insert(k) } }
        for op in ["exec", "heartbeat", "postexec"] {
            if let t = config.reportTemplate(for: op) { add(t) }
        }
        if let name = info.reportTemplate, let t = config.reportTemplates[name] { add(t) }
        for r in config.customReports.values where r.enabled
            && (r.useWhen.contains("*") || !Set(r.useWhen).isDisjoint(with: ["exec", "heartbeat", "postexec"])) {
            if let t = config.reportTemplates[r.reportTemplate] { add(t) }
        }
        let filter = EnvFilter(alwaysShow: config.envAlwaysShow, neverShow: config.envNeverShow,
                               redact: config.envRedact, defaultAction: config.envDefaultAction)
        collector = Collector(context: CollectionContext(
            chalkVersion: info.chalkVersion, time: OperationTime(milliseconds: info.startMillis), argv: info.chalkArgv,
            positionalArgs: info.workloadArgv, envFilter: filter, searchPaths: [info.startDirectory], wantedKeys: wanted))
    }

    /// Run-time host keys (`_OP_*`, `_ENV`, container, cloud, Kubernetes, Lambda, ...). Collected
    /// in full for the first report of the run; heartbeats and postexec reuse that and take only
    /// the keys that change (`runTimeChangingHost`) fresh, so the postexec report, written after
    /// the workload exited and before chalk can exit, does not walk /proc and the git
    /// repository again.
    func hostKeys() -> ChalkObject {
        if var host = hostCache.keys.withLock({ $0 }) {
            host.merge(collector.runTimeChangingHost())
            return host
        }
        let host = collector.runTimeHost()
        hostCache.keys.withLock { $0 = host }
        return host
    }

    /// Run-time artifact keys of the workload: `_PROCESS_*` read from /proc now (no cache),
    /// `_INSTANCE_CONTAINER_ID`. `_PROCESS_PID` and `_PROCESS_ARGV` are kept even after the
    /// workload has exited and /proc no longer has it.
    func processKeys(path: String, pid: Int32, argv: [String]) -> ChalkObject {
        var o = collector.runTimeArtifact(path: path, pid: pid)
        if !o.contains("_PROCESS_PID") { o["_PROCESS_PID"] = .int(Int64(pid)) }
        if !o.contains("_PROCESS_ARGV") { o["_PROCESS_ARGV"] = .array(argv.map { .string($0) }) }
        return o
    }
}
