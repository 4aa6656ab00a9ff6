import CChalkSys
import ChalkLog
#if canImport(Glibc)
import Glibc
#endif

/// Job control on a terminal: Ctrl-Z, `fg` and `bg` work on `chalk exec -- PROGRAM` as they do
/// on PROGRAM alone. The workload runs in its own process group, so the terminal's stop signals
/// reach it and not chalk; the shell, which waits for chalk, would never see the job stop. So
/// when the workload stops, chalk takes the terminal back and stops itself with the same signal;
/// when chalk is continued, it hands the terminal back (if the shell made it the foreground job)
/// and continues the workload's group.
///
/// Only when chalk runs on its controlling terminal and is not PID 1: without a terminal, in a
/// container and as PID 1 a stopped workload does not stop chalk, and SIGCONT is forwarded like
/// any signal.
public struct JobControl: Sendable {
    /// chalk's controlling terminal (fd 0).
    public let terminalFD: Int32

    /// Job control for this workload, or nil when chalk has no controlling terminal on fd 0,
    /// is PID 1, or did not spawn the workload in a process group of its own.
    public static func forWorkload(_ workload: Workload) -> JobControl? {
        // (A Workload made without controllingTerminal still has job control when it was
        // handed the terminal: chalk then had it as its controlling terminal.)
        guard let fd = workload.controllingTerminal ?? workload.terminalFD, getpid() != 1 else { return nil }
        return JobControl(terminalFD: fd)
    }

    /// The workload stopped with `signal`: take the terminal back if the workload had it, stop
    /// chalk with the same signal, and once chalk is continued (or the kernel discarded the
    /// stop), resume the workload. Returns when the workload has been resumed.
    public func workloadStopped(_ workload: Workload, signal: Int32) {
        let group = workload.pid  // the workload leads its own process group
        let workloadHadTerminal = tcgetpgrp(terminalFD) == group
        // SIGTTOU is blocked, so tcsetpgrp works even from a background group.
        if workloadHadTerminal { _ = tcsetpgrp(terminalFD, getpgrp()) }
        Log.trace("workload stopped by \(SignalNames.name(of: signal)); stopping chalk too")
        // The terminal sends its stop signals to a whole process group; SIGSTOP came from kill
        // and was meant for one process. chalk stands in for the workload in the shell's job.
        let r = chalk_job_stop(signal, signal == SIGSTOP ? 0 : 1)
        if r < 0 {
            Log.trace("stopping chalk with \(SignalNames.name(of: signal)): \(ProgramResolver.errnoText(errno))")
        } else if r == 0 {
            // An orphaned process group: without chalk the terminal's stop would have been
            // discarded too, so the workload carries on.
            Log.trace("chalk's stop was discarded (orphaned process group); resuming the workload")
        }
        handTerminalIfForeground(workload)
        if kill(-group, SIGCONT) != 0 {
            Log.trace("continuing the workload's group \(group): \(ProgramResolver.errnoText(errno))")
        }
    }

    /// chalk received a SIGCONT (it was stopped by something else, or started in the
    /// background and the shell ran `fg`): give the terminal to the workload when chalk is the
    /// foreground job. The caller forwards the SIGCONT as usual.
    public func chalkContinued(_ workload: Workload) {
        handTerminalIfForeground(workload)
    }

    /// When the terminal's foreground group is chalk's, makes it the workload's. When the shell
    /// resumed the job in the background (`bg`), the terminal stays where it is.
    func handTerminalIfForeground(_ workload: Workload) {
        guard tcgetpgrp(terminalFD) == getpgrp() else { return }
        if tcsetpgrp(terminalFD, workload.pid) != 0 {
            Log.trace("handing the terminal to the workload: \(ProgramResolver.errnoText(errno))")
        }
    }
}
