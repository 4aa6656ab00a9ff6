import CChalkSys
import ChalkLog
#if canImport(Glibc)
import Glibc
#endif

/// What the signal loop tells, and asks, the rest of chalk. Every hook must return at once:
/// nothing here may block the loop.
public struct SignalLoopHooks: Sendable {
    /// Called once when the workload has exited (before chalk waits for the reporter).
    public var workloadExited: @Sendable (WorkloadStatus) -> Void
    /// True when the reporter has nothing more to send (finished, not sampled, or never started).
    public var reporterFinished: @Sendable () -> Bool
    /// How long (milliseconds) chalk may wait for the reporter after the workload exits. Read
    /// again after every wake-up (the reporter wakes the loop when the config has loaded).
    public var reportDeadlineMillis: @Sendable () -> Int64

    public init(workloadExited: @escaping @Sendable (WorkloadStatus) -> Void = { _ in },
                reporterFinished: @escaping @Sendable () -> Bool = { true },
                reportDeadlineMillis: @escaping @Sendable () -> Int64 = { 300 }) {
        self.workloadExited = workloadExited; self.reporterFinished = reporterFinished
        self.reportDeadlineMillis = reportDeadlineMillis
    }
}

/// The supervisor's main loop, on the main thread, with every signal blocked: one synchronous
/// wait for the next signal (signalfd, or `sigtimedwait`) that forwards signals to the workload (or its group) and reaps every child
/// with `waitpid(-1, WNOHANG)` (plus WUNTRACED on a terminal, for job control: see `JobControl`). Returns the workload's status once it has exited and the
/// reporter has finished or its deadline has passed.
public enum SignalLoop {
    public static func run(_ workload: Workload, options: LiveSupervisorOptions, hooks: SignalLoopHooks) -> WorkloadStatus {
        var status: WorkloadStatus?
        // When the workload exited; the deadline is re-read on every wake-up, because the
        // config (and its exec.report_deadline) may arrive after the workload has exited.
        var exitedAt: Int64 = 0
        var appliedDeathSignal: Int32? = nil
        // Signals are read from a signalfd (they stay blocked throughout); without one (an old
        // kernel or a seccomp filter), rt_sigtimedwait does the same job.
        let sfd = chalk_signalfd_open()
        // On chalk's controlling terminal (not PID 1) a stopped workload stops chalk too, so that
        // the shell's Ctrl-Z, `fg` and `bg` work; elsewhere stops are not even waited for.
        let jobControl = JobControl.forWorkload(workload)
        while true {
            var timeout: Int = -1
            if let status {
                if hooks.reporterFinished() { return status }
                let left = exitedAt + max(0, hooks.reportDeadlineMillis()) - monotonicMillis()
                if left <= 0 {
                    Log.trace("report deadline reached; exiting without waiting for the reporter")
                    return status
                }
                timeout = Int(left)
            }
            var sender: pid_t = 0, code: Int32 = 0
            let sig = chalk_wait_signal(sfd, timeout, &sender, &code)
            if sig <= 0 { continue }  // timeout (checked above) or EINTR
            if sig == SIGCHLD {
                // Also the reporter's wake-up: options from the config may have arrived.
                let opts = options.current
                if let pds = opts.parentDeathSignal, pds != appliedDeathSignal {
                    ParentDeath.request(pds)
                    appliedDeathSignal = pds
                }
                let event = reapAll(workload, options: options.current, reportStops: jobControl != nil && status == nil)
                if status == nil, case .ended(let s)? = event {
                    status = s
                    WorkloadSpawner.reclaimTerminal(workload)
                    if options.current.signalGroup { _ = kill(-workload.pid, SIGTERM) }
                    hooks.workloadExited(s)
                    exitedAt = monotonicMillis()
                } else if case .stopped(let stopSignal)? = event, let jobControl {
                    // Returns once chalk has been continued and has resumed the workload.
                    jobControl.workloadStopped(workload, signal: stopSignal)
                }
                continue
            }
            guard status == nil else { continue }  // nothing left to forward to
            // chalk was continued by someone else than its own stop (e.g. `fg` after starting
            // in the background): the workload gets the terminal if chalk is the foreground job.
            if sig == SIGCONT, let jobControl { jobControl.chalkContinued(workload) }
            let opts = options.current
            guard let out = opts.forwarded(sig) else {
                Log.trace("dropped \(SignalNames.name(of: sig)) (--rewrite-signal)")
                continue
            }
            let target = opts.signalGroup ? -workload.pid : workload.pid
            if kill(target, out) != 0 {
                Log.trace("forwarding \(SignalNames.name(of: out)) to \(target): \(ProgramResolver.errnoText(errno))")
            }
        }
    }

    /// Reaps every child that has exited. Returns what happened to the workload, if anything:
    /// its end, or (only with `reportStops`, i.e. WUNTRACED) that it stopped. An end wins over a
    /// stop reported in the same pass.
    static func reapAll(_ workload: Workload, options: SupervisorOptions, reportStops: Bool = false) -> WaitEvent? {
        var result: WaitEvent?
        let flags = WNOHANG | (reportStops ? WUNTRACED : 0)
        while true {
            var st: Int32 = 0
            let pid = waitpid(-1, &st, flags)
            if pid <= 0 { break }  // 0: children left but none exited; -1: ECHILD
            let event = WaitEvent(waitStatus: st)
            if pid == workload.pid {
                if case .ended = result { continue }
                result = event
            } else if case .stopped = event {
                continue  // another child (an adopted orphan) stopped: still there, nothing to reap
            } else if case .continued = event {
                continue
            } else if options.warnReaped {
                Log.shared.emit(.warn, "Reaped zombie process with pid=\(pid)")
            } else {
                Log.trace("Reaped zombie process with pid=\(pid)")
            }
        }
        return result
    }

    /// CLOCK_MONOTONIC in milliseconds.
    public static func monotonicMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
