import Synchronization

/// How the signal loop treats signals and the exit code. Command-line flags set these before the
/// spawn; the config's `exec` section can add to them once the reporter thread has loaded it
/// (RULINGS 2).
public struct SupervisorOptions: Sendable, Equatable {
    /// Forward to the workload's process group instead of the workload only; SIGTERM the group
    /// when the workload exits.
    public var signalGroup = false
    /// Workload exit codes (after the 128+N mapping) that chalk turns into 0.
    public var remapExit: Set<Int32> = []
    /// Received signal -> forwarded signal; 0 drops it.
    public var rewriteSignal: [Int32: Int32] = [:]
    /// Log every reaped orphan, whatever the log level.
    public var warnReaped = false
    /// The signal to ask for when chalk's parent dies (set by the signal loop's thread, because
    /// the kernel keeps it per thread).
    public var parentDeathSignal: Int32? = nil

    public init(signalGroup: Bool = false, remapExit: Set<Int32> = [], rewriteSignal: [Int32: Int32] = [:],
                warnReaped: Bool = false, parentDeathSignal: Int32? = nil) {
        self.signalGroup = signalGroup; self.remapExit = remapExit
        self.rewriteSignal = rewriteSignal; self.warnReaped = warnReaped; self.parentDeathSignal = parentDeathSignal
    }

    /// The signal to forward for `signal`, or nil to drop it.
    public func forwarded(_ signal: Int32) -> Int32? {
        guard let to = rewriteSignal[signal] else { return signal }
        return to == 0 ? nil : to
    }

    /// Chalk's final exit code for a workload status.
    public func finalExitCode(_ status: WorkloadStatus) -> Int32 {
        let code = status.exitCode
        return remapExit.contains(code) ? 0 : code
    }
}

/// The options the signal loop reads on every signal. The reporter thread may merge the config's
/// options in; critical sections are a copy, so the loop never waits on the reporter.
public final class LiveSupervisorOptions: Sendable {
    private let state: Mutex<SupervisorOptions>

    public init(_ initial: SupervisorOptions) { state = Mutex(initial) }

    public var current: SupervisorOptions { state.withLock { $0 } }

    /// Adds config-level options. The command line wins: a flag that was given is kept, a
    /// rewrite given on the command line is not replaced, remap codes are the union.
    public func mergeFromConfig(_ config: SupervisorOptions) {
        state.withLock { s in
            s.signalGroup = s.signalGroup || config.signalGroup
            s.warnReaped = s.warnReaped || config.warnReaped
            s.remapExit.formUnion(config.remapExit)
            if s.parentDeathSignal == nil { s.parentDeathSignal = config.parentDeathSignal }
            for (from, to) in config.rewriteSignal where s.rewriteSignal[from] == nil { s.rewriteSignal[from] = to }
        }
    }
}
