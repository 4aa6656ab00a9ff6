import CChalkSys
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

    /// Starts `body` on a new detached thread with every signal blocked. Returns false when the
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
