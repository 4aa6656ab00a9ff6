import Marking
import Synchronization

/// What the collectors need to know about the current chalk run. Built once per operation by
/// the caller (Operations for insert/extract/delete, the exec reporter for exec).
public struct CollectionContext: Sendable {
    /// `CHALK_VERSION`, `INJECTOR_VERSION`, `_OP_CHALKER_VERSION`.
    public var chalkVersion: String
    /// The one instant of this operation (`*_WHEN_CHALKED`, `_TIMESTAMP`, `_DATETIME`, ...).
    public var time: OperationTime
    /// The environment the collectors read (CI, cloud, Kubernetes, Lambda signs and `_ENV`).
    /// Defaults to the process environment; tests pass their own.
    public var environment: [String: String]
    /// chalk's own argv as the process got it (argv[0] first). `_OP_ARGV` is
    /// `[chalk's resolved path] + argv[1...]`.
    public var argv: [String]
    /// The command's positional arguments (`INJECTOR_ARGV` / `_ARGV`).
    public var positionalArgs: [String]
    /// Parsed flags as `--name` / `--name=value` (`_OP_CMD_FLAGS`).
    public var commandFlags: [String]
    /// Filtering for `INJECTOR_ENV` / `_ENV`.
    public var envFilter: EnvFilter
    /// The paths the operation searched (the run-time git keys use the first one in a repo).
    public var searchPaths: [String]
    /// Keys the active templates use; nil means "collect everything". Expensive collectors
    /// (cloud metadata, Kubernetes manifest) skip work for keys nobody reads.
    public var wantedKeys: Set<String>?
    /// Cloud metadata endpoints and timeouts.
    public var cloud: CloudSettings

    public init(chalkVersion: String, time: OperationTime = .now(), environment: [String: String]? = nil,
                argv: [String] = [], positionalArgs: [String] = [], commandFlags: [String] = [],
                envFilter: EnvFilter = EnvFilter(), searchPaths: [String] = [], wantedKeys: Set<String>? = nil,
                cloud: CloudSettings? = nil) {
        let env = environment ?? SystemFacts.processEnvironment()
        self.chalkVersion = chalkVersion; self.time = time; self.environment = env; self.argv = argv
        self.positionalArgs = positionalArgs; self.commandFlags = commandFlags; self.envFilter = envFilter
        self.searchPaths = searchPaths; self.wantedKeys = wantedKeys
        self.cloud = cloud ?? CloudSettings(environment: env)
    }

    /// Whether `key` is wanted by name. Keys that every default template leaves off and that
    /// cost real work (`_OP_ALL_PS_INFO`, `_OP_CPU_INFO`) are collected only when asked for
    /// explicitly, even when `wantedKeys` is nil.
    public func wantsExplicitly(_ key: String) -> Bool { wantedKeys?.contains(key) ?? false }

    /// Whether any of `keys` is wanted.
    public func wants(_ keys: String...) -> Bool {
        guard let wantedKeys else { return true }
        return keys.contains { wantedKeys.contains($0) }
    }
}

/// The metadata collectors, for the four kinds of keys (spec/config.md §4.1):
/// chalk-time host (CH), chalk-time artifact (CA), run-time host (RH), run-time artifact (RA).
/// Each call returns only non-empty values (Chalk's `setIfNeeded`); templates pick keys later.
/// Safe to share between threads. Git repositories are read once per repository root.
///
/// Nothing here can hang: file reads are bounded, network calls (cloud metadata, Kubernetes
/// manifest) have tight timeouts and happen only when the environment shows signs of that
/// service (RULINGS 13).
///
/// Typical use:
/// ```swift
/// let collector = Collector(context: CollectionContext(chalkVersion: version, argv: CommandLine.arguments,
///                                                      searchPaths: paths, wantedKeys: templateKeys))
/// // insert: one host object per run, one artifact object per file; the mark template filters both.
/// var keys = collector.chalkTimeHost()
/// keys.merge(collector.chalkTimeArtifact(path: file))
/// // exec (reporter thread): host keys once, the workload's item with its pid.
/// let host = collector.runTimeHost()
/// let item = collector.runTimeArtifact(path: exePath, pid: workloadPID)
/// ```
public final class Collector: Sendable {
    public let context: CollectionContext
    private let git: GitCollector
    /// Kubernetes, Lambda, ECS and cloud-metadata keys: asked once per Collector, so heartbeat
    /// and postexec reports reuse what the exec report fetched instead of asking again.
    private let environmentKeys = Mutex<ChalkObject?>(nil)

    public init(context: CollectionContext) {
        self.context = context
        let status = ["VCS_MISSING_FILES", "VCS_MODIFIED_FILES", "VCS_UNTRACKED_FILES", "VCS_DIFF_STAT"]
        git = GitCollector(includeStatus: status.contains { context.wants($0, "_" + $0) })
    }

    // MARK: chalk time

    /// Chalk-time host keys (CH): version, time of chalking, platform, injector identity,
    /// uname, environment, and the CI build keys (`BUILD_*`).
    public func chalkTimeHost() -> ChalkObject {
        var o = ChalkObject()
        let c = context
        o.setIfNotEmpty("CHALK_VERSION", .string(c.chalkVersion))
        o.setIfNotEmpty("INJECTOR_VERSION", .string(c.chalkVersion))
        o.setIfNotEmpty("INJECTOR_COMMIT_ID", .string(SystemFacts.buildCommit))
        o["TIMESTAMP_WHEN_CHALKED"] = .int(c.time.milliseconds)
        o.setIfNotEmpty("DATETIME_WHEN_CHALKED", .string(c.time.dateTime))
        o.setIfNotEmpty("DATE_CHALKED", .string(c.time.date))
        o.setIfNotEmpty("TIME_CHALKED", .string(c.time.time))
        o.setIfNotEmpty("TZ_OFFSET_WHEN_CHALKED", .string(c.time.tzOffset))
        o.setIfNotEmpty("PLATFORM_WHEN_CHALKED", .string(SystemFacts.platform))
        if let u = SystemFacts.uname() {
            o.setIfNotEmpty("HOST_SYSNAME_WHEN_CHALKED", .string(u.sysname))
            o.setIfNotEmpty("HOST_NODENAME_WHEN_CHALKED", .string(u.nodename))
            o.setIfNotEmpty("HOST_RELEASE_WHEN_CHALKED", .string(u.release))
            o.setIfNotEmpty("HOST_VERSION_WHEN_CHALKED", .string(u.version))
            o.setIfNotEmpty("HOST_MACHINE_WHEN_CHALKED", .string(u.machine))
        }
        if c.wants("PUBLIC_IPV4_ADDR_WHEN_CHALKED") {
            o.setIfNotEmpty("PUBLIC_IPV4_ADDR_WHEN_CHALKED", SystemFacts.localIPv4Address().map { .string($0) })
        }
        o.setIfNotEmpty("INJECTOR_ARGV", .array(c.positionalArgs.map { .string($0) }))
        if c.wants("INJECTOR_ENV") { o.setIfNotEmpty("INJECTOR_ENV", .object(c.envFilter.apply(c.environment))) }
        let ghTimeout = c.wants("BUILD_ORIGIN_KEY", "BUILD_ORIGIN_OWNER_KEY") ? 3000 : nil
        o.mergeCollected(CIBuildKeys.collect(environment: c.environment, prefix: "", githubAPITimeoutMs: ghTimeout))
        o.mergeCollected(AWSServices.ecsAtChalkTime(context: c))
        return o
    }

    /// Chalk-time artifact keys (CA) for the artifact at `path`: `CHALK_RAND` (fresh per call),
    /// the git keys of the repository holding it, and `CODE_OWNERS`.
    public func chalkTimeArtifact(path: String) -> ChalkObject {
        var o = ChalkObject()
        o["CHALK_RAND"] = .string(SystemFacts.randomHex64())
        let abs = FileIO.absolute(path)
        if let info = git.repository(containing: abs) {
            o.merge(info.keys(prefix: "", includeVCSDir: true))
        }
        if let owners = CodeOwners.find(forArtifact: abs) { o["CODE_OWNERS"] = .string(owners) }
        return o
    }

    // MARK: run time

    /// Run-time host keys (RH): `_OP_*` host twins, `_TIMESTAMP`/`_DATETIME`, `_ENV`, `_OP_ARGV`,
    /// `_EXEC_ID`, `_BUILD_*`, git `_` twins (first search path inside a repository), container,
    /// Kubernetes, AWS Lambda/ECS and cloud-metadata keys.
    public func runTimeHost() -> ChalkObject {
        var o = ChalkObject()
        let c = context
        o.setIfNotEmpty("_EXEC_ID", .string(SystemFacts.execID))
        o.setIfNotEmpty("_OP_CHALKER_VERSION", .string(c.chalkVersion))
        o.setIfNotEmpty("_OP_CHALKER_COMMIT_ID", .string(SystemFacts.buildCommit))
        o.setIfNotEmpty("_OP_PLATFORM", .string(SystemFacts.platform))
        let exe = SystemFacts.executablePath() ?? c.argv.first ?? ""
        o.setIfNotEmpty("_OP_EXE_NAME", .string(FileIO.baseName(exe)))
        o.setIfNotEmpty("_OP_EXE_PATH", .string(exe.contains("/") ? FileIO.parent(exe) : ""))
        o.setIfNotEmpty("_OP_ARGV", .array(([exe] + c.argv.dropFirst()).map { .string($0) }))
        o.setIfNotEmpty("_ARGV", .array(c.positionalArgs.map { .string($0) }))
        o.setIfNotEmpty("_OP_CMD_FLAGS", .array(c.commandFlags.map { .string($0) }))
        o.setIfNotEmpty("_OP_HOSTNAME", SystemFacts.hostname().map { .string($0) })
        if c.wants("_OP_PUBLIC_IPV4_ADDR") {
            o.setIfNotEmpty("_OP_PUBLIC_IPV4_ADDR", SystemFacts.localIPv4Address().map { .string($0) })
        }
        if let u = SystemFacts.uname() {
            o.setIfNotEmpty("_OP_HOST_SYSNAME", .string(u.sysname))
            o.setIfNotEmpty("_OP_HOST_NODENAME", .string(u.nodename))
            o.setIfNotEmpty("_OP_HOST_RELEASE", .string(u.release))
            o.setIfNotEmpty("_OP_HOST_VERSION", .string(u.version))
            o.setIfNotEmpty("_OP_HOST_MACHINE", .string(u.machine))
        }
        o["_TIMESTAMP"] = .int(c.time.milliseconds)
        o.setIfNotEmpty("_DATETIME", .string(c.time.dateTime))
        o.setIfNotEmpty("_DATE", .string(c.time.date))
        o.setIfNotEmpty("_TIME", .string(c.time.time))
        o.setIfNotEmpty("_TZ_OFFSET", .string(c.time.tzOffset))
        let changing = runTimeChangingHost()
        o["_MONOTIME"] = changing["_MONOTIME"]
        o["_SINCE_MONOTIME"] = changing["_SINCE_MONOTIME"]
        o["_SINCE_TIMESTAMP"] = .int(c.time.milliseconds - SystemFacts.processStart.wallMs)
        if c.wants("_ENV") { o.setIfNotEmpty("_ENV", .object(c.envFilter.apply(c.environment))) }
        if c.wants("_OP_ANCESTOR_ARGVS") {
            o.setIfNotEmpty("_OP_ANCESTOR_ARGVS", .array(ProcFS.ancestorArgvs().map { .array($0.map { .string($0) }) }))
        }
        o.merge(changing)  // the process list and load, after the ancestors as before
        let ghTimeout = c.wants("_BUILD_ORIGIN_KEY", "_BUILD_ORIGIN_OWNER_KEY") ? 3000 : nil
        o.mergeCollected(CIBuildKeys.collect(environment: c.environment, prefix: "_", githubAPITimeoutMs: ghTimeout))
        for p in c.searchPaths {
            if let info = git.repository(containing: FileIO.absolute(p)) {
                o.mergeMissing(info.keys(prefix: "_", includeVCSDir: false))
                break
            }
        }
        o.mergeCollected(runTimeEnvironmentKeys())
        return o
    }

    /// The run-time host keys that change while a process runs: the monotonic clock, and the
    /// process list and load when a template asks for them by name. Part of `runTimeHost()`;
    /// exec's later reports take these fresh and reuse the rest.
    public func runTimeChangingHost() -> ChalkObject {
        var o = ChalkObject()
        let c = context
        let mono = SystemFacts.monotonicMilliseconds()
        o["_MONOTIME"] = .int(mono)
        o["_SINCE_MONOTIME"] = .int(mono - SystemFacts.processStart.monoMs)
        if c.wantsExplicitly("_OP_ALL_PS_INFO") { o.setIfNotEmpty("_OP_ALL_PS_INFO", .object(ProcFS.allProcesses())) }
        if c.wantsExplicitly("_OP_CPU_INFO") { o.setIfNotEmpty("_OP_CPU_INFO", .object(ProcFS.loadInfo())) }
        return o
    }

    /// The network-derived run-time host keys, collected on first use and then reused.
    public func runTimeEnvironmentKeys() -> ChalkObject {
        environmentKeys.withLock { cached in
            if let cached { return cached }
            let c = context
            var o = Kubernetes.collect(context: c)
            // Lambda and ECS (priority 2000 in Chalk) take precedence over the generic cloud
            // metadata plugin for the keys they both set.
            o.mergeCollected(AWSServices.lambda(environment: c.environment))
            o.mergeCollected(AWSServices.ecs(context: c))
            o.mergeCollected(CloudMetadata.collect(context: c))
            cached = o
            return o
        }
    }

    /// Run-time artifact keys (RA) for an artifact at `path` (may be nil) and, in exec, the
    /// workload process `pid`: `_PROCESS_*` from `/proc/<pid>`, `_OP_ARTIFACT_PATH_WITHIN_VCTL`,
    /// and `_INSTANCE_CONTAINER_ID` when running inside a Docker container.
    public func runTimeArtifact(path: String?, pid: Int32? = nil) -> ChalkObject {
        var o = ChalkObject()
        if let path {
            let abs = FileIO.absolute(path)
            if let info = git.repository(containing: abs) {
                o.setIfNotEmpty("_OP_ARTIFACT_PATH_WITHIN_VCTL", .string(info.relativePath(of: abs)))
            }
        }
        if let pid {
            o.merge(ProcFS.processKeys(pid: pid, wantDetail: context.wants("_PROCESS_DETAIL")))
            o.setIfNotEmpty("_INSTANCE_CONTAINER_ID", ContainerDetection.dockerContainerID().map { .string($0) })
        }
        return o
    }
}

extension ChalkObject {
    /// Adds the pairs of `other` whose keys are not set yet (Chalk's "first writer wins").
    mutating func mergeMissing(_ other: ChalkObject) {
        for (k, v) in other.entries where !contains(k) { self[k] = v }
    }
}
