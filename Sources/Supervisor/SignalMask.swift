import CChalkSys

/// The process's signal state: what chalk inherited, and blocking everything.
public enum SignalMask {
    /// Blocks every signal in the calling thread, including 32 and 33 (raw syscall). Call it
    /// first thing in `main`, before any thread exists: threads inherit the mask, so no thread
    /// but the signal loop ever handles a signal, and none is lost before the loop starts.
    @discardableResult
    public static func blockAll() -> Bool { chalk_block_all_signals() == 0 }

    /// The mask chalk was started with (bit N-1 = signal N); the workload gets it back.
    public static var inheritedMask: UInt64 { chalk_inherited_sigmask() }

    /// The signals chalk was started with as SIG_IGN; the workload gets exactly these back.
    public static var inheritedIgnored: UInt64 { chalk_inherited_ignored() }
}

/// Wakes the signal loop from another thread (the reporter, when it finishes), by sending the
/// loop's thread a SIGCHLD: the loop re-checks its state on every SIGCHLD and never forwards it.
public struct SignalLoopWaker: Sendable {
    let tid: Int32

    /// Call on the thread that will run the signal loop.
    public static func forCurrentThread() -> SignalLoopWaker { SignalLoopWaker(tid: chalk_gettid()) }

    public func wake() { _ = chalk_tgkill(tid, 17 /* SIGCHLD */) }
}
