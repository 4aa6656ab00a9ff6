import CChalkSys
#if canImport(Glibc)
import Glibc
#endif

/// What to start: the candidate files (ProgramResolver), argv (argv[0] as the user gave it).
public struct WorkloadSpec: Sendable {
    public var candidates: [String]
    public var argv: [String]
    /// nil: the workload keeps chalk's working directory.
    public var cwd: String?

    public init(candidates: [String], argv: [String], cwd: String? = nil) {
        self.candidates = candidates; self.argv = argv; self.cwd = cwd
    }
}

/// A running workload.
public struct Workload: Sendable {
    public var pid: pid_t
    /// The candidate execve ran (the child announces each attempt through the exec-error pipe).
    public var path: String
    /// The terminal handed to the workload, to take back when it exits.
    public var terminalFD: Int32?
    /// chalk's controlling terminal (fd 0), whether or not it was handed over at the spawn
    /// (chalk started in the background keeps it): the terminal job control works on. nil when
    /// fd 0 is not chalk's controlling terminal, or the caller did not allow terminal handoff.
    public var controllingTerminal: Int32? = nil
}

/// The outcome of a spawn attempt.
public enum SpawnOutcome: Sendable {
    case started(Workload)
    /// Every candidate failed to exec: 126/127 with `chalk: PROGRAM: reason`.
    case execFailed(LaunchError)
    /// chalk could not set up the child (pipe, fork): fail open (exec directly).
    case setupFailed(errno: Int32)
}

/// Starts the workload with the C child path (own process group, terminal handoff, inherited
/// signal state restored, execve of each candidate).
public enum WorkloadSpawner {
    /// `handTerminal: false` keeps the terminal where it is (for callers that are not chalk exec).
    public static func spawn(_ spec: WorkloadSpec, program: String, handTerminal: Bool = true) -> SpawnOutcome {
        // The same rule as the pre-main launcher's (CChalkSys/spawn.c).
        var ttyFD: Int32 = -1, controllingTTY: Int32 = -1
        chalk_terminal_roles(handTerminal ? 1 : 0, &ttyFD, &controllingTTY)
        var pid: pid_t = 0, err: Int32 = 0, failed: Int32 = 0
        let rc = withCStrings(spec.candidates) { paths in
            withCStrings(spec.argv) { argv in
                withOptionalCString(spec.cwd) { cwd in
                    var attr = chalk_spawn_attr(
                        paths: UnsafeRawPointer(paths).assumingMemoryBound(to: UnsafePointer<CChar>?.self), path_count: Int32(spec.candidates.count),
                        argv: argv, envp: nil, cwd: cwd, new_process_group: 1, tty_fd: ttyFD, pristine_dispositions: 0)
                    return chalk_spawn(&attr, &pid, &err, &failed)
                }
            }
        }
        switch rc {
        case Int32(CHALK_SPAWN_OK):
            let ran = Int(failed) < spec.candidates.count ? spec.candidates[Int(failed)] : program
            return .started(Workload(pid: pid, path: ran,
                                     terminalFD: ttyFD >= 0 ? ttyFD : nil,
                                     controllingTerminal: controllingTTY >= 0 ? controllingTTY : nil))
        case Int32(CHALK_SPAWN_EXEC_FAILED):
            return .execFailed(launchError(program: program, errno: err))
        default:
            return .setupFailed(errno: err)
        }
    }

    /// Fail open: chalk can't supervise, so it becomes the workload (inherited signal state
    /// restored first). Returns only when exec fails, with the error to report.
    public static func execDirectly(_ spec: WorkloadSpec, program: String) -> LaunchError {
        var failed: Int32 = 0
        _ = withCStrings(spec.candidates) { paths in
            withCStrings(spec.argv) { argv in
                var attr = chalk_spawn_attr(
                    paths: UnsafeRawPointer(paths).assumingMemoryBound(to: UnsafePointer<CChar>?.self), path_count: Int32(spec.candidates.count),
                    argv: argv, envp: nil, cwd: nil, new_process_group: 0, tty_fd: -1, pristine_dispositions: 0)
                return chalk_exec_direct(&attr, &failed)
            }
        }
        return launchError(program: program, errno: errno)
    }

    /// 127 for "not found" errors (including a missing script interpreter, as bash does),
    /// 126 for everything else.
    static func launchError(program: String, errno e: Int32) -> LaunchError {
        let kind: LaunchError.Kind = (e == ENOENT || e == ENOTDIR) ? .notFound : .notExecutable
        return LaunchError(kind: kind, program: program, reason: ProgramResolver.errnoText(e))
    }

    /// Takes the terminal back for chalk's own process group after the workload exits, so the
    /// terminal is not left with a dead foreground group. Only when the workload's group still
    /// has it: after `bg` the shell has the terminal, and chalk must not take it from the shell.
    /// SIGTTOU is blocked, so this can't stop us.
    public static func reclaimTerminal(_ workload: Workload) {
        guard let fd = workload.terminalFD ?? workload.controllingTerminal,
              tcgetpgrp(fd) == workload.pid else { return }
        _ = tcsetpgrp(fd, getpgrp())
    }
}

/// Calls `body` with a NULL-terminated C array of the strings (valid only inside `body`).
func withCStrings<R>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let dup = strings.map { strdup($0) }
    defer { for p in dup { free(p) } }
    var arr = dup + [nil]
    return arr.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
}

func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
}
