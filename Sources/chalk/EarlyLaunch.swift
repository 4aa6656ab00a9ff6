import CExecLaunch
import ChalkLog
import Supervisor
#if canImport(Glibc)
import Glibc
#endif

/// What chalk's pre-main launcher (Sources/CExecLaunch) did with an exec command line: usually
/// the workload is already running when Swift code first runs.
enum EarlyLaunch {
    private static var result: chalk_early_spawn { chalk_early_spawn_result().pointee }

    /// When the launcher started (ms since the epoch), if it ran.
    static var startMillis: Int64? {
        result.state == Int32(CHALK_EARLY_NONE) ? nil : result.start_millis
    }

    /// The workload the launcher started; nil when it didn't start one (the caller spawns it).
    /// When every candidate failed to exec, says why and exits 126/127, as the Swift path would.
    static func workload(program: String, argv: [String]) -> Workload? {
        let r = result
        switch r.state {
        case Int32(CHALK_EARLY_STARTED):
            checkAgreement(r, argv: argv)
            let index = Int(r.path_index)
            let path = index < Int(r.path_count) ? r.paths[index].map { String(cString: $0) } ?? program : program
            Log.trace("exec: \(path) (pid \(r.pid)) was started before main by the pre-main launcher (\(launcherName(r.launcher)))")
            return Workload(adoptingPID: r.pid, path: path, terminalFD: r.tty_fd >= 0 ? r.tty_fd : nil,
                            controllingTerminal: r.controlling_tty >= 0 ? r.controlling_tty : nil)
        case Int32(CHALK_EARLY_EXEC_FAILED):
            let e = LaunchError.execFailed(program: program, errno: r.err)
            Log.writeStderr(e.description + "\n")
            _exit(e.exitCode)
        default:
            return nil
        }
    }

    private static func launcherName(_ launcher: Int32) -> String {
        switch launcher {
        case Int32(CHALK_LAUNCHER_ENTRY): return "at the ELF entry point, before libc started"
        case Int32(CHALK_LAUNCHER_PREINIT): return "from .preinit_array"
        default: return "from a constructor"
        }
    }

    /// The launcher and ExecArguments read the same flag lists, so they must agree on the
    /// workload's command line; a difference is a bug in one of them (the workload already runs).
    private static func checkAgreement(_ r: chalk_early_spawn, argv: [String]) {
        let words = Array(CommandLine.arguments.dropFirst(Int(r.command_index)))
        if !(argv == words || Array(argv.dropFirst()) == words) {
            Log.shared.emit(.warn, "exec: internal: the pre-main launcher started \(words) but the command line reads \(argv)")
        }
    }
}
