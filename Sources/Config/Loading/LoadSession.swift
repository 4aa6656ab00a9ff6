import ChalkLog

/// The result of a full load: the typed config plus what `chalk config` shows.
public struct LoadedConfig {
    public var config: ChalkConfig
    let session: LoadSession

    /// A readable summary of the effective configuration.
    public var summary: String { ConfigSummary.render(config: config, root: session.interp.root) }
}

/// One run of the config stack: the base config, then user configs, all into one tree.
final class LoadSession {
    static let embeddedFileName = "<embedded config>"
    let interp: Interpreter
    let startDirectory: String
    var notices: [String] = []

    /// Whether the base config's static part came from the precomputed snapshot.
    let usedSnapshot: Bool

    /// Runs the base config. `useSnapshot: false` runs all of its sources (tests compare both).
    init(command: String, startDirectory: String, trial: Bool, useSnapshot: Bool = true) throws(ConfigError) {
        self.startDirectory = startDirectory
        interp = Interpreter(context: RunContext(command: command, startDirectory: startDirectory, trial: trial))
        usedSnapshot = useSnapshot && BaseSnapshot.restore(into: interp)
        if !usedSnapshot {
            for part in BaseConfig.staticParts {
                try interp.run(source: part.pieces.joined(separator: "\n"), file: part.file)
            }
        }
        for (file, text) in BaseConfig.contextSources {
            try interp.run(source: text, file: file)
        }
    }

    func boolAttribute(_ name: String) -> Bool? { interp.root.field(name)?.value.asBool }

    /// Runs an embedded or external config, then applies the compatibility rewrites and the full
    /// schema check (spec/config.md §1.5).
    func runUserConfig(source: String, file: String) throws(ConfigError) {
        try interp.run(source: source, file: file)
        notices += Compat.apply(to: interp.root)
        try Validator(root: interp.root).validate()
    }

    /// The first `config_filename` found along `config_path` (spec/config.md §1.6 step 8).
    /// Directories that can't be resolved (`~` without HOME) are skipped.
    func searchExternalConfig() -> String? {
        let root = interp.root
        let dirs = root.field("config_path")?.value.stringList ?? []
        let name = root.field("config_filename")?.value.asString ?? "chalk.c4m"
        for d in dirs {
            if d.hasPrefix("~"), (FileIO.env("HOME") ?? "").isEmpty { continue }
            let path = PathUtil.join(PathUtil.resolve(d, relativeTo: startDirectory), name)
            if FileIO.isFile(path) { return path }
        }
        return nil
    }

    func typed() throws(ConfigError) -> ChalkConfig {
        var c = try TypedConfigBuilder(interp: interp, startDirectory: startDirectory).build()
        c.configNotices = notices
        return c
    }
}
