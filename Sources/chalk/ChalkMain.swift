import ArgumentParser
import ChalkLog

/// Entry point. `chalk exec` is dispatched before swift-argument-parser runs, so that the
/// workload starts with as little work as possible in front of it (RULINGS 2).
@main
enum ChalkMain {
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        if let (flags, dockerArgs) = DockerDispatch.split(argv0: CommandLine.arguments.first ?? "chalk", args) {
            DockerDispatch.run(flags: flags, args: dockerArgs)  // never returns
        }
        if let execArgs = ExecFastPath.execArguments(args) {
            ExecCommand.runFast(execArgs)  // never returns
        }
        runCommand()
    }

    /// swift-argument-parser's `main()`, except that usage errors exit 2 (RULINGS 9) instead of
    /// EX_USAGE (64).
    static func runCommand() {
        do {
            var command = try ChalkCommand.parseAsRoot(GlobalFlagPlacement.reorder(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch {
            if ChalkCommand.exitCode(for: error) == .validationFailure {
                Log.writeStderr(ChalkCommand.fullMessage(for: error) + "\n")
                ChalkCommand.exit(withError: ExitCode(2))
            }
            ChalkCommand.exit(withError: error)
        }
    }
}

/// The root command: global flags and the subcommand list (one file per command).
struct ChalkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chalk",
        abstract: "Mark software artifacts at build time and report where they run.",
        discussion: """
            chalk writes a small JSON mark into artifacts (ELF binaries, scripts, ZIP/JAR, Python \
            bytecode, container images), reports build metadata, reads marks back and validates \
            them, and wraps workloads with `chalk exec` to report which build is running where.
            """,
        version: ChalkVersion.string,
        subcommands: [
            InsertCommand.self, ExtractCommand.self, DeleteCommand.self, ExecCommand.self,
            LoadCommand.self, DumpCommand.self, ConfigCommand.self, EnvCommand.self, VersionCommand.self,
            DockerCommand.self,
        ]
    )
}
