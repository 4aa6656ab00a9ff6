import ArgumentParser
import Config
import Docker

/// `chalk docker ARGS...`: dispatched before swift-argument-parser (DockerDispatch) so that every
/// docker argument reaches docker verbatim. This ParsableCommand exists for `--help`.
struct DockerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docker",
        abstract: "Run docker; mark and report images on build, report pushes (chalk invoked as `docker` does the same)")

    @Argument(parsing: .captureForPassthrough) var dockerArguments: [String] = []
}

/// Recognises docker mode: chalk invoked under the name `docker`, or `chalk [global flags] docker ...`.
enum DockerDispatch {
    /// Chalk's global flags that take their value in the next argument.
    static let flagsWithValue: Set<String> = ["--log-level", "-l", "--config-file", "-f"]

    /// (chalk's global flags, docker's arguments), or nil when this is not docker mode.
    static func split(argv0: String, _ args: [String]) -> ([String], [String])? {
        let base = argv0.split(separator: "/").last.map(String.init) ?? argv0
        if base == "docker" { return ([], args) }
        var i = 0
        var flags: [String] = []
        while i < args.count {
            let a = args[i]
            if a == "docker" { return (flags, Array(args[(i + 1)...])) }
            guard a.hasPrefix("-") else { return nil }
            flags.append(a)
            if flagsWithValue.contains(a), i + 1 < args.count { flags.append(args[i + 1]); i += 1 }
            i += 1
        }
        return nil
    }

    static func run(flags: [String], args: [String]) -> Never {
        var options = DockerChalkOptions.parse(flags)
        options.embeddedConfigSource = SelfConfig.embeddedSource(in: SelfMark.read())
        DockerMode.main(args, options: options,
                        identity: ChalkIdentity(version: ChalkVersion.string, commit: ChalkVersion.commit,
                                                implementationName: ChalkVersion.implementationName))
    }
}
