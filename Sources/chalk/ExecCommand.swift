import ArgumentParser
import ChalkLog

/// `chalk exec`: parsed by hand (ExecFastPath) so that option parsing stops at the first
/// non-option and the workload starts at once. This ParsableCommand exists for `--help`.
struct ExecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec", abstract: "Run a workload under chalk's supervisor and report on it (not implemented yet)")

    @Argument(parsing: .captureForPassthrough) var program: [String] = []

    static func runFast(_ args: [String]) -> Never {
        Log.error("chalk exec is not implemented yet")
        Glibc.exit(1)
    }
}

#if canImport(Glibc)
import Glibc
#endif
