import CChalkSys
import ChalkLog
#if canImport(Glibc)
import Glibc
#endif

/// chalk's place in the process tree: PID 1, child subreaper, parent-death signal.
public enum ProcessRole {
    /// Asks to become a child subreaper. A refusal (EPERM in AWS Lambda's sandbox) is logged at
    /// trace level only: chalk then supervises without reaping orphans.
    public static func becomeSubreaper() {
        if chalk_set_child_subreaper(1) != 0 {
            Log.trace("could not become a child subreaper: \(ProgramResolver.errnoText(errno))")
        }
    }

    /// True when chalk will reap orphans: it is PID 1, or a child subreaper (the bit can be inherited).
    public static var reapsOrphans: Bool {
        if getpid() == 1 { return true }
        var on: Int32 = 0
        return chalk_get_child_subreaper(&on) == 0 && on != 0
    }

    /// Warns (warn level) when orphans won't be reaped.
    public static func warnIfNotReaping() {
        if !reapsOrphans {
            Log.warn("chalk is not PID 1 and not a child subreaper: orphaned processes will not be reaped (see --subreaper)")
        }
    }
}

/// `--parent-death-signal`.
public enum ParentDeath {
    /// Asks the kernel for `signal` when chalk's parent dies. Must run on the signal loop's
    /// thread: the kernel keeps the setting per thread.
    public static func request(_ signal: Int32) {
        // The parent chalk started with (recorded before main): the workload is started before
        // main, so the parent may already be gone by now.
        let initial = chalk_initial_ppid()
        let parent = initial > 0 ? initial : getppid()
        if chalk_set_pdeathsig(signal) != 0 {
            Log.trace("could not set the parent-death signal: \(ProgramResolver.errnoText(errno))")
            return
        }
        // The parent may have died before the request: then the signal will never come, so act
        // as if it had (a signal to ourselves is picked up by the signal loop and forwarded).
        if getppid() != parent { _ = kill(getpid(), signal) }
    }
}
