import CChalkSys
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A detached OS thread for work that must never run on the signal loop (the reporter).
/// Not a child process: the workload's process tree stays exactly as without chalk.
public enum BackgroundThread {
    final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// The nice value of background threads (docs/DECISIONS.md).
    public static let niceValue: Int32 = 10

    /// The background thread whose nice value was raised: its id (high 32 bits) and former nice
    /// value (low 32 bits), or 0.
    static let lowered = Atomic<Int64>(0)
    /// Set by restorePriority: background threads keep their priority from then on.
    static let foreground = Atomic<Bool>(false)

    /// Once the workload has exited, the reporter's remaining work (the postexec report) is all
    /// that chalk waits for: it gets its former priority back where that is allowed (root, or
    /// CAP_SYS_NICE; otherwise it stays at nice 10, which only matters on a busy machine).
    public static func restorePriority() {
        foreground.store(true, ordering: .sequentiallyConsistent)
        let v = lowered.exchange(0, ordering: .sequentiallyConsistent)
        guard v != 0 else { return }
        _ = chalk_restore_thread_nice(Int32(truncatingIfNeeded: v >> 32), Int32(truncatingIfNeeded: v))
    }

    /// Starts `body` on a new detached thread with every signal blocked, at a background priority. Returns false when the
    /// thread could not be created (the caller then runs without it: fail open).
    @discardableResult
    public static func start(_ body: @escaping @Sendable () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        var tid = pthread_t()
        let rc = pthread_create(&tid, &attr, { arg in
            // glibc unblocks its cancellation signal (32) in new threads: block everything again,
            // so that signals only ever reach the signal loop's sigtimedwait.
            _ = chalk_block_all_signals()
            // Background work yields to the workload: nice 10 (about a tenth of a CPU against a
            // busy workload thread), and never a real-time policy inherited from `chrt`.
            // Not once the workload has exited (restorePriority ran first, e.g. for /bin/true).
            var tid: Int32 = 0, oldNice: Int32 = 0
            if !BackgroundThread.foreground.load(ordering: .sequentiallyConsistent),
               chalk_make_thread_background(BackgroundThread.niceValue, &tid, &oldNice) == 0, oldNice < BackgroundThread.niceValue {
                BackgroundThread.lowered.store(Int64(tid) << 32 | Int64(UInt32(bitPattern: oldNice)), ordering: .sequentiallyConsistent)
                // restorePriority may have run between the check and the store.
                if BackgroundThread.foreground.load(ordering: .sequentiallyConsistent) { BackgroundThread.restorePriority() }
            }
            let box = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        if rc != 0 {
            Unmanaged<Box>.fromOpaque(box).release()
            return false
        }
        return true
    }
}
