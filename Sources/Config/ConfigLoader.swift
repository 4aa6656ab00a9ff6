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
    /// Loads and validates the whole stack and returns the typed configuration. Any parse, type or
    /// validation error in the embedded or external config is thrown as `file:line:col: message`.
    public static func load(_ request: ConfigLoadRequest) throws(ConfigError) -> ChalkConfig {
        try loadSession(request).config
    }

    /// Like `load`, and also returns what was loaded (for `chalk config`).
    public static func loadSession(_ request: ConfigLoadRequest) throws(ConfigError) -> LoadedConfig {
        let session = try LoadSession(command: request.command, startDirectory: request.startDirectory, trial: false)
        if request.useEmbeddedConfig, session.boolAttribute("load_embedded_config") ?? true,
           let src = request.embeddedSource {
            try session.runUserConfig(source: src, file: LoadSession.embeddedFileName)
        }
        var external: String?
        if let path = request.configFile {
            let abs = PathUtil.resolve(path, relativeTo: request.startDirectory)
            guard let text = FileIO.readText(abs) else {
                throw ConfigError(file: abs, message: "cannot read the config file given with --config-file: \(readError(abs))")
            }
            try session.runUserConfig(source: text, file: abs)
            external = abs
        } else if session.boolAttribute("load_external_config") ?? true, let found = session.searchExternalConfig() {
            guard let text = FileIO.readText(found) else {
                throw ConfigError(file: found, message: "cannot read the config file: \(readError(found))")
            }
            try session.runUserConfig(source: text, file: found)
            external = found
        }
        var config = try session.typed()
        config.embeddedConfigSource = request.embeddedSource
        config.externalConfigPath = external
        return LoadedConfig(config: config, session: session)
    }

    /// Validates a candidate config in full as `chalk load` must before embedding it: a fresh
    /// base config plus the candidate, with subscriptions and logging kept quiet. Throws the
    /// first problem. `file` names the candidate in messages.
    public static func validateCandidate(source: String, file: String, command: String = "load",
                                         startDirectory: String) throws(ConfigError) -> ChalkConfig {
        let session = try LoadSession(command: command, startDirectory: startDirectory, trial: true)
        try session.runUserConfig(source: source, file: file)
        if let problem = session.interp.subscriptionProblems.first { throw problem }
        return try session.typed()
    }

    /// The base config's own source text, in load order (for tests and `chalk dump`).
    public static var baseConfigSource: String { BaseConfig.sources.map(\.text).joined(separator: "\n") }

    /// What `chalk dump` prints when no config is embedded.
    public static var defaultEmbeddedConfig: String { BaseConfig.defaultEmbeddedConfig }

    private static func readError(_ path: String) -> String {
        if !FileIO.exists(path) { return "no such file" }
        if FileIO.isDirectory(path) { return "it is a directory" }
        return "permission denied or unreadable"
    }
}
