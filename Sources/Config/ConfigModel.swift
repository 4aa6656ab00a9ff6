import Marking

// Typed configuration: the con4m config is parsed and validated once (Config module) into these
// plain Sendable structs, which the other modules take as parameters. No module does string-keyed
// look-ups into the raw config inside its logic (STYLE.md 6).
//
// Ownership: the Config module fills these from the built-in base config (con4m) plus the
// embedded and external configs. Other modules read them. Adding a field: add it here with a
// default, and have the loader fill it.

/// The four kinds of metadata keys (spec/config.md §4.1).
public enum KeyKind: Int, Sendable {
    case chalkTimeHost = 0, chalkTimeArtifact, runTimeArtifact, runTimeHost
}

/// A `keyspec` from the key catalog.
public struct KeySpec: Sendable, Equatable {
    public var name: String
    public var kind: KeyKind
    /// con4m type as written (`string`, `int`, `bool`, `list[string]`, `dict[string, `x]`, ...).
    public var type: String
    /// Sort position in marks and reports (`normalized_order`); default 2^62.
    public var normalizedOrder: Int64
    public var system: Bool
    public var codec: Bool
    public var doc: String

    public static let defaultOrder: Int64 = 1 << 62

    public init(name: String, kind: KeyKind, type: String = "string", normalizedOrder: Int64 = KeySpec.defaultOrder,
                system: Bool = false, codec: Bool = false, doc: String = "") {
        self.name = name; self.kind = kind; self.type = type; self.normalizedOrder = normalizedOrder
        self.system = system; self.codec = codec; self.doc = doc
    }
}

/// A `mark_template` or `report_template`: which keys it uses, and optional per-key ordering.
public struct Template: Sendable, Equatable {
    public var name: String
    /// key name -> use. Keys absent here are not used.
    public var use: [String: Bool]
    /// Per-template `order` overrides (reports only).
    public var order: [String: Int64]

    public init(name: String, keys: [String] = [], order: [String: Int64] = [:]) {
        self.name = name
        self.use = Dictionary(keys.map { ($0, true) }, uniquingKeysWith: { a, _ in a })
        self.order = order
    }

    public func uses(_ key: String) -> Bool { use[key] ?? false }

    /// Keys with `use = true`, sorted by name (callers sort by key order themselves).
    public var usedKeys: [String] { use.filter { $0.value }.map(\.key).sorted() }
}

/// `outconf <operation>`: the templates an operation uses for its mark and primary report.
public struct OutConf: Sendable, Equatable {
    public var markTemplate: String?
    public var reportTemplate: String?
    public init(markTemplate: String? = nil, reportTemplate: String? = nil) {
        self.markTemplate = markTemplate; self.reportTemplate = reportTemplate
    }
}

/// `custom_report NAME`.
public struct CustomReport: Sendable, Equatable {
    public var name: String
    public var enabled: Bool
    public var reportTemplate: String
    public var sinkConfigs: [String]
    /// Operations this report is produced for (`use_when`); `["*"]` means all.
    public var useWhen: [String]
    public init(name: String, enabled: Bool = true, reportTemplate: String, sinkConfigs: [String], useWhen: [String] = ["*"]) {
        self.name = name; self.enabled = enabled; self.reportTemplate = reportTemplate
        self.sinkConfigs = sinkConfigs; self.useWhen = useWhen
    }
}

/// `sink_config NAME`: a configured instance of a sink type (`file`, `rotating_log`, `post`,
/// `s3`, `stdout`, `stderr`, ...). Type-specific parameters live in `params` under their con4m
/// names (`filename`, `max`, `uri`, `headers`, `secret`, `uid`, `region`, `timeout`, ...);
/// the sink implementation validates and reads them.
public struct SinkConfig: Sendable, Equatable {
    public var name: String
    public var sink: String
    public var enabled: Bool
    public var filters: [String]
    public var params: ChalkObject
    /// Where it was defined (`file:line:col`), for error messages.
    public var origin: String
    /// Higher is published first (`priority`, default 0).
    public var priority: Int = 0
    public init(name: String, sink: String, enabled: Bool = true, filters: [String] = [], params: ChalkObject = [:], origin: String = "") {
        self.name = name; self.sink = sink; self.enabled = enabled; self.filters = filters
        self.params = params; self.origin = origin
    }
}

/// The `exec` section (spec/exec.md §4.2), plus this project's supervisor options.
public struct ExecConfig: Sendable, Equatable {
    public var commandName: String?
    public var searchPath: [String] = []
    public var chalkAsParent = false
    /// 0...100; 0 means never report (RULINGS 3).
    public var reportingProbability: Int = 100
    public var heartbeatRun = false
    /// Microseconds between heartbeats.
    public var heartbeatRate: Int64 = 600_000_000
    /// Bound on the final (postexec) send, microseconds (`exec.report_deadline`, default 300 ms).
    public var reportDeadline: Int64 = 300_000
    public var postexecRun = true
    // Supervisor options settable in the config (RULINGS 2); command-line flags win.
    public var subreaper = false
    public var signalGroup = false
    public var remapExit: [Int32] = []
    public var rewriteSignal: [Int32: Int32] = [:]
    public var parentDeathSignal: Int32? = nil
    public var warnReaped = false
    // Program selection (spec/exec.md §1.3-1.4).
    public var commandNameFromArgs = true
    public var defaultArgs: [String] = []
    public var appendCommandLineArgs = false
    public var overrideOk = true
    public var usePath = true
    /// Delay before the first collection, microseconds (`exec.initial_sleep_time`).
    public var initialSleepTime: Int64 = 50_000
    public init() {}
}

/// The whole typed configuration.
public struct ChalkConfig: Sendable {
    public var logLevel: String = "warn"
    public var logFormat: String = "plain"
    public var keyspecs: [String: KeySpec] = [:]
    public var markTemplates: [String: Template] = [:]
    public var reportTemplates: [String: Template] = [:]
    public var outconf: [String: OutConf] = [:]
    public var customReports: [String: CustomReport] = [:]
    public var sinkConfigs: [String: SinkConfig] = [:]
    /// topic -> sink_config names subscribed to it (after `subscribe`/`unsubscribe`).
    public var subscriptions: [String: [String]] = [:]
    public var exec = ExecConfig()
    /// The `docker` section (spec/config.md §2.11) plus the root `docker_exe`.
    public var docker = DockerConfig()

    // Artifact discovery (spec/mark-format.md §6).
    public var artifactSearchPath: [String] = ["."]
    public var recursive = true
    public var ignorePatterns: [String] = [
        "/dev/.*", "/proc/.*", "/sys/.*", ".*/\\..*", ".*/\\.git/.*", ".*/__pycache__/.*", ".*/.mypy_cache/.*", ".*\\.json",
    ]
    public var symlinkBehaviorChalking = "skip"
    public var symlinkBehaviorNonChalking = "follow"
    public var virtualChalk = false
    public var skipCommandReport = false
    public var skipSummaryReport = false

    // Report cache (RULINGS 15, 16).
    public var useReportCache = true
    public var reportCacheLocation = "~/.local/chalk/chalk-report-cache.jsonl"
    public var reportCacheMaxBytes: Int64 = 10_000_000
    /// `report_cache_lock_timeout_sec`: how long to wait for the cache's lock.
    public var reportCacheLockTimeoutSec: Int = 15
    /// `skip_custom_reports`.
    public var skipCustomReports = false
    /// `log_search_path`: fallback directories for file and rotating_log sinks.
    public var logSearchPath: [String] = ["/var/log/chalk/", "~/.log/chalk/", "."]
    /// `auth_config NAME` sections (fields `auth` = basic|jwt, `username`, `password`, `token`),
    /// referenced by a post sink's `auth`.
    public var authConfigs: [String: ChalkObject] = [:]

    /// The con4m source of the config embedded in this binary (`$CHALK_CONFIG`), if any.
    public var embeddedConfigSource: String? = nil

    /// Values of keys supplied by the config (keyspec `value` or `callback`, resolved at load):
    /// users' `X_`/`_X_` keys and settable standard keys such as CHALK_PTR or ARTIFACT_VERSION.
    /// A key reaches a mark or report when the template in use turns it on.
    public var customKeys: [String: ChalkValue] = [:]
    /// The external config file that was loaded (absolute path), if any (`_OP_CONFIG`).
    public var externalConfigPath: String? = nil
    /// Compatibility rewrites applied while loading (already logged at info level).
    public var configNotices: [String] = []
    /// Threshold for copying log lines into `_OP_ERRORS`/`ERR_INFO` (`chalk_log_level`).
    public var chalkLogLevel = "error"
    public var color = false
    public var forceOutputOnReportingFails = true
    /// `_ENV`/`INJECTOR_ENV` filtering.
    public var envAlwaysShow: [String] = ["PATH", "PWD", "XDG_SESSION_TYPE", "USER", "SSH_TTY"]
    public var envNeverShow: [String] = []
    public var envRedact: [String] = ["AWS_SECRET_ACCESS_KEY"]
    public var envDefaultAction = "ignore"

    public init() {}

    /// The mark template an operation uses (`outconf.<op>.mark_template`).
    public func markTemplate(for operation: String) -> Template? {
        outconf[operation]?.markTemplate.flatMap { markTemplates[$0] }
    }

    /// The report template of an operation's primary report (`outconf.<op>.report_template`).
    public func reportTemplate(for operation: String) -> Template? {
        outconf[operation]?.reportTemplate.flatMap { reportTemplates[$0] }
    }

    /// Sort order of a key (keyspec `normalized_order`, default 2^62).
    public func order(of key: String) -> Int64 {
        keyspecs[key]?.normalizedOrder ?? KeySpec.defaultOrder
    }
}

// MARK: - docker section (added by the docker engineer; the Config module fills it from con4m)

/// The `docker` section (spec/config.md §2.11) and the root attribute `docker_exe` (§2.1).
/// Defaults are the base config's.
public struct DockerConfig: Sendable, Equatable {
    /// Root attribute `docker_exe`: path of the real docker; nil = search PATH.
    public var dockerExe: String? = nil
    /// `docker.wrap_entrypoint` (`--wrap`).
    public var wrapEntrypoint = false
    /// `docker.wrap_cmd`: wrap a CMD when there is no ENTRYPOINT.
    public var wrapCmd = true
    /// `docker.label_prefix`.
    public var labelPrefix = "run.crashoverride."
    /// `docker.label_template`: the mark template whose keys become image labels.
    public var labelTemplate = "chalk_labels"
    /// `docker.custom_labels`: extra labels (name -> value), in the order written.
    public var customLabels: [(String, String)] = []
    /// `docker.report_unwrapped_commands`.
    public var reportUnwrappedCommands = false
    /// `docker.report_empty_fields`.
    public var reportEmptyFields = false
    /// `docker.additional_env_vars`: `ENV` lines added to marked images.
    public var additionalEnvVars: [(String, String)] = []
    public init() {}

    public static func == (a: DockerConfig, b: DockerConfig) -> Bool {
        a.dockerExe == b.dockerExe && a.wrapEntrypoint == b.wrapEntrypoint && a.wrapCmd == b.wrapCmd
            && a.labelPrefix == b.labelPrefix && a.labelTemplate == b.labelTemplate
            && a.customLabels.map { $0.0 + "=" + $0.1 } == b.customLabels.map { $0.0 + "=" + $0.1 }
            && a.reportUnwrappedCommands == b.reportUnwrappedCommands && a.reportEmptyFields == b.reportEmptyFields
            && a.additionalEnvVars.map { $0.0 + "=" + $0.1 } == b.additionalEnvVars.map { $0.0 + "=" + $0.1 }
    }
}
