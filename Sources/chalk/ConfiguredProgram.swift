import ChalkLog
import Config
#if canImport(Glibc)
import Glibc
#endif

/// `chalk exec` with no PROGRAM on its command line runs what the config names:
/// `exec.command_name` with `exec.default_args`, or, when command_name is empty and
/// `exec.command_name_from_args` is true, the first of `exec.default_args` (spec/exec.md §1.3).
/// This is the one case where the config is read before the spawn: without it there is nothing to
/// start. When the command line names a program, the config never delays it (RULINGS 2).
enum ConfiguredProgram {
    /// The loaded config and the workload's argv from it, or exits 2 saying what is missing.
    static func load(configFile: String?, useEmbeddedConfig: Bool, startDirectory: String) -> (ChalkConfig, [String]) {
        let config: ChalkConfig
        do {
            config = try ConfigLoader.load(ConfigLoadRequest(
                configFile: configFile, useEmbeddedConfig: useEmbeddedConfig,
                embeddedSource: useEmbeddedConfig ? SelfConfig.embeddedSource(in: SelfMark.read()) : nil,
                command: "exec", startDirectory: startDirectory))
        } catch {
            usageError("no PROGRAM given, and the config that could name one failed to load: \(error)")
        }
        let argv = argv(for: config.exec)
        if argv.isEmpty {
            usageError("no PROGRAM given, and the config names none (set exec.command_name, or exec.default_args)")
        }
        return (config, argv)
    }

    /// The workload's argv from the config's exec section (empty when it names no program).
    static func argv(for exec: ExecConfig) -> [String] {
        if let name = exec.commandName, !name.isEmpty { return [name] + exec.defaultArgs }
        if exec.commandNameFromArgs { return exec.defaultArgs }
        return []
    }

    private static func usageError(_ message: String) -> Never {
        Log.writeStderr("chalk: exec: \(message)\nusage: chalk exec [OPTIONS] [--] PROGRAM [ARG...]\n")
        _exit(2)
    }
}
