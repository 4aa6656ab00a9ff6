import Foundation
import Synchronization

/// The upkeep of SQLite's write-ahead log, on a thread of its own, off the request path.
///
/// - **Flushing.** With `synchronous=NORMAL` SQLite syncs the WAL only when it checkpoints, so
///   each checkpoint used to write out everything committed since the last one at once: at
///   10,000 reports/s about 10 MB and 10 ms of I/O and kernel writeback every 50 ms, and the
///   commits that overlapped it set the server's p99. While commits arrive, this thread syncs
///   the WAL every `flushInterval` instead, so the log goes to disk in small steady steps and a
///   checkpoint finds it already written (the idea of RocksDB's `wal_bytes_per_sync` and
///   PostgreSQL's `wal_writer_flush_after`). It changes no guarantee: a commit is still answered
///   before it is synced, as `synchronous=NORMAL` allows, and survives `kill -9` either way.
/// - **Checkpoints** (copying the WAL back into the database file): PASSIVE, so they never
///   block the writer, after `checkpointReports` reports or `checkpointMaxAge`, whichever
///   comes first.
///
/// When no commit arrives for `parkAfter`, the thread runs the last checkpoint due and sleeps
/// until the next commit, so an idle server does not wake every few milliseconds.
final class WALMaintainer: Sendable {
    struct Policy: Sendable {
        var flushInterval: Duration = .milliseconds(2)
        var checkpointReports = 1000
        var checkpointMaxAge: Duration = .milliseconds(100)
        var parkAfter: Duration = .milliseconds(200)
    }

    static let niceness: Int32 = 10
    private let policy: Policy
    private let flush: @Sendable () -> Bool
    private let checkpoint: @Sendable () -> Void
    /// Commits since the last flush, and reports since the last checkpoint.
    private let unflushedCommits = Atomic<Int>(0)
    private let uncheckpointedReports = Atomic<Int>(0)
    private let parked = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let flushes = Atomic<Int>(0)
    private let failedFlushes = Atomic<Int>(0)
    private let checkpoints = Atomic<Int>(0)

    /// `flush` syncs the WAL (false: it could not); `checkpoint` runs one PASSIVE checkpoint.
    init(policy: Policy = Policy(), flush: @escaping @Sendable () -> Bool, checkpoint: @escaping @Sendable () -> Void) {
        self.policy = policy
        self.flush = flush
        self.checkpoint = checkpoint
        Thread { [self] in run() }.start()
    }

    /// Called after every commit, with the number of reports it stored.
    func noteCommit(reports: Int) {
        unflushedCommits.add(1, ordering: .sequentiallyConsistent)
        uncheckpointedReports.add(max(1, reports), ordering: .sequentiallyConsistent)
        if parked.load(ordering: .sequentiallyConsistent), parked.exchange(false, ordering: .sequentiallyConsistent) {
            wake.signal()
        }
    }

    /// Stops the thread after a last flush and checkpoint of what is pending; waits up to 5 s.
    func stop() {
        guard !stopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
        wake.signal()
        _ = finished.wait(timeout: .now() + 5)
    }

    /// Counters for diagnostics and tests.
    var counts: (flushes: Int, failedFlushes: Int, checkpoints: Int) {
        (flushes.load(ordering: .relaxed), failedFlushes.load(ordering: .relaxed), checkpoints.load(ordering: .relaxed))
    }

    private func run() {
        defer { finished.signal() }
        // Named from the thread itself (Foundation applies a name set before start() only to
        // its own object, not to the OS thread), in at most 15 bytes (Linux refuses longer).
        Thread.current.name = "chalk-wal"
        // Below the request path's threads: on a busy machine the copying and the kernel's
        // writeback it starts would otherwise take CPU from requests (p99 of a lone connection,
        // 10 reports per POST: about 2.9 ms at nice 0, 2.2 ms at nice 10; no loss of
        // throughput at 32 connections). On Linux this sets only the calling thread.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.niceness)
        var lastCheckpoint = ContinuousClock.now
        var lastCommitSeen = ContinuousClock.now
        while true {
            let stop = stopping.load(ordering: .sequentiallyConsistent)
            let now = ContinuousClock.now
            if unflushedCommits.exchange(0, ordering: .sequentiallyConsistent) > 0 {
                lastCommitSeen = now
                if flush() { flushes.add(1, ordering: .relaxed) } else { failedFlushes.add(1, ordering: .relaxed) }
            }
            let reports = uncheckpointedReports.load(ordering: .sequentiallyConsistent)
            let idle = now - lastCommitSeen >= policy.parkAfter
            if reports > 0, stop || idle || reports >= policy.checkpointReports
                || now - lastCheckpoint >= policy.checkpointMaxAge {
                uncheckpointedReports.subtract(reports, ordering: .sequentiallyConsistent)
                lastCheckpoint = now
                checkpoint()
                checkpoints.add(1, ordering: .relaxed)
            }
            if stop { return }
            if idle {
                // Park; a commit that lands between the flag and the wait signals the semaphore,
                // so the wait returns at once.
                parked.store(true, ordering: .sequentiallyConsistent)
                if unflushedCommits.load(ordering: .sequentiallyConsistent) == 0,
                   !stopping.load(ordering: .sequentiallyConsistent) {
                    wake.wait()
                }
                parked.store(false, ordering: .sequentiallyConsistent)
                lastCommitSeen = .now
                continue
            }
            Self.sleep(policy.flushInterval)
        }
    }

    private static func sleep(_ d: Duration) {
        var time = timespec(tv_sec: Int(d.components.seconds), tv_nsec: Int(d.components.attoseconds / 1_000_000_000))
        var left = timespec()
        while nanosleep(&time, &left) != 0 && errno == EINTR { time = left }
    }
}

/// `fdatasync` of a database's WAL file through a descriptor of our own (SQLite doesn't share
/// its own). Opened on first use: the file appears with the first connection in WAL mode.
final class WALFileSync: Sendable {
    private let path: String
    private let fd = Mutex<Int32>(-1)

    init(databasePath: String) { path = databasePath + "-wal" }

    func sync() -> Bool {
        fd.withLock { fd in
            if fd < 0 { fd = open(path, O_RDONLY | O_CLOEXEC) }
            return fd >= 0 && fdatasync(fd) == 0
        }
    }

    func close() {
        fd.withLock { fd in
            if fd >= 0 { _ = Glibc.close(fd) }
            fd = -1
        }
    }
}
