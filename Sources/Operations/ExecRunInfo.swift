import Config

/// What the exec command knows about this run when it starts the reporter (after the spawn).
public struct ExecRunInfo: Sendable {
    /// The workload's PID.
    public var workloadPID: Int32
    /// PROGRAM as the user wrote it.
    public var program: String
    /// The file that was exec'd, absolute (`_OP_ARTIFACT_PATH`).
    public var artifactPath: String
    /// The workload's argv, argv[0] as given.
    public var workloadArgv: [String]
    /// chalk's own argv (`_OP_ARGV`).
    public var chalkArgv: [String]
    /// The directory chalk was started in (relative config paths resolve against it).
    public var startDirectory: String
    /// Wall-clock start of chalk, milliseconds since the epoch (the exec report's `_TIMESTAMP`).
    public var startMillis: Int64
    /// `--config-file`.
    public var configFile: String?
    /// `--[no-]use-embedded-config`.
    public var useEmbeddedConfig: Bool
    /// `--report-template` (the primary exec report only).
    public var reportTemplate: String?
    /// `--heartbeat` / `--no-heartbeat`; nil: the config decides.
    public var heartbeat: Bool?
    /// chalk's version (`_OP_CHALKER_VERSION`).
    public var chalkVersion: String

    public init(workloadPID: Int32, program: String, artifactPath: String, workloadArgv: [String], chalkArgv: [String],
                startDirectory: String, startMillis: Int64, configFile: String?, useEmbeddedConfig: Bool,
                reportTemplate: String?, heartbeat: Bool?, chalkVersion: String) {
        self.workloadPID = workloadPID; self.program = program; self.artifactPath = artifactPath
        self.workloadArgv = workloadArgv; self.chalkArgv = chalkArgv; self.startDirectory = startDirectory
        self.startMillis = startMillis; self.configFile = configFile; self.useEmbeddedConfig = useEmbeddedConfig
        self.reportTemplate = reportTemplate; self.heartbeat = heartbeat; self.chalkVersion = chalkVersion
    }
}

/// How the reporter talks back to the exec command. Each hook returns at once.
public struct ExecReporterHooks: Sendable {
    /// The config has loaded: apply its log level and supervisor options.
    public var configLoaded: @Sendable (ChalkConfig) -> Void
    /// The reporter has finished: wake the signal loop (it may be waiting to exit).
    public var finished: @Sendable () -> Void
    /// Give freed memory back to the kernel (after the exec report, RULINGS 12).
    public var releaseMemory: @Sendable () -> Void
    /// The reporter's idle wait: give memory back, then `poll(fd, POLLIN, timeoutMillis)` and
    /// return poll's result. nil: plain poll, no release.
    public var releaseAndPoll: (@Sendable (_ fd: Int32, _ timeoutMillis: Int32) -> Int32)?
    /// The config embedded in chalk's own self-mark (`$CHALK_CONFIG`), read after the spawn.
    public var embeddedConfig: (@Sendable () -> String?)?

    public init(configLoaded: @escaping @Sendable (ChalkConfig) -> Void, finished: @escaping @Sendable () -> Void,
                releaseMemory: @escaping @Sendable () -> Void,
                releaseAndPoll: (@Sendable (_ fd: Int32, _ timeoutMillis: Int32) -> Int32)? = nil,
                embeddedConfig: (@Sendable () -> String?)? = nil) {
        self.configLoaded = configLoaded; self.finished = finished; self.releaseMemory = releaseMemory
        self.releaseAndPoll = releaseAndPoll; self.embeddedConfig = embeddedConfig
    }
}
