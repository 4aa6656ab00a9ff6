import Marking

/// What the caller asks the loader for (from global command-line flags).
public struct ConfigLoadRequest: Sendable {
    /// `--config-file PATH`: an external config to load instead of searching the config path.
    public var configFile: String?
    /// `--[no-]use-embedded-config`.
    public var useEmbeddedConfig: Bool
    /// The embedded config source from the binary's self-mark (`$CHALK_CONFIG`), if any.
    public var embeddedSource: String?
    /// The command being run (some defaults differ per command, e.g. exec logs at error).
    public var command: String
    /// The directory chalk was started in (relative paths resolve against it, RULINGS 10).
    public var startDirectory: String

    public init(configFile: String? = nil, useEmbeddedConfig: Bool = true, embeddedSource: String? = nil,
                command: String, startDirectory: String) {
        self.configFile = configFile; self.useEmbeddedConfig = useEmbeddedConfig
        self.embeddedSource = embeddedSource; self.command = command; self.startDirectory = startDirectory
    }
}

/// The Config module's error: `file:line:column: message`, with an optional suggestion.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    public var suggestion: String?

    public init(file: String, line: Int = 0, column: Int = 0, message: String, suggestion: String? = nil) {
        self.file = file; self.line = line; self.column = column; self.message = message; self.suggestion = suggestion
    }

    public var description: String {
        var s = line > 0 ? "\(file):\(line):\(column): \(message)" : "\(file): \(message)"
        if let suggestion { s += " (did you mean \(suggestion)?)" }
        return s
    }
}

/// Loads the effective configuration: the built-in base config, then the embedded config, then
/// an external one (spec/config.md §1.6).
public enum ConfigLoader {
    /// TEMPORARY (skeleton): returns the hard-coded defaults below until the con4m loader lands.
    public static func load(_ request: ConfigLoadRequest) throws(ConfigError) -> ChalkConfig {
        SkeletonDefaults.config()
    }
}

/// TEMPORARY skeleton defaults so that other modules can work before the con4m base config
/// lands. The Config module replaces this with the real base config.
enum SkeletonDefaults {
    static let markDefault = [
        "MAGIC", "CHALK_ID", "CHALK_VERSION", "METADATA_ID", "HASH",
        "DATETIME_WHEN_CHALKED", "TIMESTAMP_WHEN_CHALKED", "CHALK_RAND", "CHALK_PTR", "PLATFORM_WHEN_CHALKED",
        "INJECTOR_COMMIT_ID", "INJECTOR_PUBLIC_KEY", "ARTIFACT_TYPE", "ORIGIN_URI", "BRANCH", "TAG", "TAG_SIGNED",
        "COMMIT_ID", "COMMIT_SIGNED", "AUTHOR", "DATE_AUTHORED", "COMMITTER", "DATE_COMMITTED", "COMMIT_MESSAGE",
        "TAGGER", "DATE_TAGGED", "TAG_MESSAGE", "ARTIFACT_VERSION", "STORE_URI", "PACKAGE_URI", "CODE_OWNERS",
        "BUILD_ID", "BUILD_UNIQUE_ID", "BUILD_ATTEMPT", "BUILD_COMMIT_ID", "BUILD_URI", "BUILD_API_URI",
        "BUILD_TRIGGER", "BUILD_CONTACT", "BUILD_ORIGIN_ID", "BUILD_ORIGIN_KEY", "BUILD_ORIGIN_OWNER_ID",
        "BUILD_ORIGIN_OWNER_KEY", "BUILD_ORIGIN_URI", "BUILD_REF", "BUILD_WORKFLOW_NAME", "BUILD_WORKFLOW_PATH",
        "BUILD_WORKFLOW_HASH", "OLD_CHALK_METADATA_HASH", "OLD_CHALK_METADATA_ID", "EMBEDDED_CHALK",
        "EMBEDDED_TMPDIR", "SIGNATURE", "DOCKER_FILE", "DOCKER_LABELS", "DOCKER_ANNOTATIONS", "DOCKER_TAGS",
        "DOCKER_TARGET", "DOCKER_BASE_IMAGE", "DOCKER_COPY_IMAGES",
        "$CHALK_CONFIG", "$CHALK_IMPLEMENTATION_NAME", "$CHALK_LOAD_COUNT", "$CHALK_PUBLIC_KEY",
        "$CHALK_ENCRYPTED_PRIVATE_KEY", "$CHALK_SAVED_COMPONENT_PARAMETERS", "$CHALK_COMPONENT_CACHE", "$CHALK_MEMOIZE",
    ]

    static let reportCommon = [
        "_OPERATION", "_DATETIME", "_TIMESTAMP", "_CHALKS", "_UNMARKED", "_OP_ERRORS", "_OP_CHALKER_VERSION",
        "_OP_CHALKER_COMMIT_ID", "_OP_PLATFORM", "_OP_HOSTNAME", "_OP_CHALK_COUNT", "_OP_UNMARKED_COUNT",
        "_OP_ARGV", "_OP_CMD_FLAGS", "_ENV", "_OP_HOST_SYSNAME", "_OP_HOST_NODENAME", "_OP_HOST_RELEASE",
        "_OP_HOST_VERSION", "_OP_HOST_MACHINE", "_EXEC_ID", "_ACTION_ID", "_EXEC_REPORTING_PROBABILITY",
        "_OP_ARTIFACT_PATH", "_OP_ARTIFACT_TYPE", "_CURRENT_HASH", "_VALIDATED_METADATA", "_VALIDATED_NORMALIZATION",
        "_VIRTUAL", "_PROCESS_PID", "_PROCESS_PARENT_PID", "_PROCESS_EXE_PATH", "_PROCESS_ARGV", "_PROCESS_CWD",
        "_PROCESS_UID", "_PROCESS_GID", "_PROCESS_START_TIME", "_PROCESS_STATE", "_INSTANCE_CONTAINER_ID",
        "_OP_EXIT_CODE", "_OP_REPORTS_DROPPED", "_VALIDATED_SIGNATURE",
    ]

    static func config() -> ChalkConfig {
        var c = ChalkConfig()
        c.markTemplates["mark_default"] = Template(name: "mark_default", keys: markDefault)
        c.markTemplates["minimal"] = Template(name: "minimal", keys: ["MAGIC", "CHALK_ID", "CHALK_VERSION", "METADATA_ID", "HASH", "DATETIME_WHEN_CHALKED"])
        let reportKeys = reportCommon + markDefault.filter { !$0.hasPrefix("$") && $0 != "MAGIC" }
        c.reportTemplates["report_default"] = Template(name: "report_default", keys: reportKeys)
        c.reportTemplates["insertion_default"] = Template(name: "insertion_default", keys: reportKeys.filter {
            !["DATETIME_WHEN_CHALKED", "TIMESTAMP_WHEN_CHALKED", "CHALK_PTR"].contains($0) })
        c.reportTemplates["heartbeat"] = Template(name: "heartbeat", keys: ["METADATA_ID", "CHALK_ID", "_CHALKS", "_OPERATION", "_TIMESTAMP", "_DATETIME", "_ACTION_ID", "_EXEC_ID", "_EXEC_REPORTING_PROBABILITY"])
        for op in ["insert", "build", "push", "load", "setup"] {
            c.outconf[op] = OutConf(markTemplate: "mark_default", reportTemplate: "insertion_default")
        }
        for op in ["extract", "delete", "exec", "postexec", "env", "dump"] {
            c.outconf[op] = OutConf(reportTemplate: "report_default")
        }
        c.outconf["heartbeat"] = OutConf(reportTemplate: "heartbeat")
        c.sinkConfigs["default_out"] = SinkConfig(name: "default_out", sink: "file", params: ["filename": "~/.local/chalk/chalk.log"])
        c.subscriptions["report"] = ["default_out"]
        let orders: [(String, Int64)] = [("MAGIC", 0), ("CHALK_ID", 1), ("CHALK_VERSION", 2), ("TIMESTAMP_WHEN_CHALKED", 3),
            ("DATE_CHALKED", 4), ("TIME_CHALKED", 5), ("TZ_OFFSET_WHEN_CHALKED", 6), ("DATETIME_WHEN_CHALKED", 7),
            ("ERR_INFO", Int64.max - 500), ("_ERR_INFO", Int64.max - 500), ("SIGNING", Int64.max - 400),
            ("METADATA_HASH", Int64.max - 300), ("METADATA_ID", Int64.max - 200), ("SIGNATURE", Int64.max),
            ("_OP_CHALK_COUNT", Int64.max - 100), ("_OP_UNMARKED_COUNT", Int64.max - 90)]
        for (k, o) in orders { c.keyspecs[k] = KeySpec(name: k, kind: .chalkTimeArtifact, normalizedOrder: o) }
        return c
    }
}
