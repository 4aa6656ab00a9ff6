import Synchronization

/// Batches concurrent ingests into shared transactions ("group commit").
///
/// A commit costs an fsync whatever its size, so one transaction per POST caps throughput at
/// the fsync rate. Here, while one transaction is being committed, new batches queue; when it
/// finishes, everything queued goes into the next transaction. Each caller resumes only after
/// the transaction holding its batch is durable, so a 200 still means "stored".
///
/// Before starting a transaction, the committer also waits (briefly: `gatherLimit`) for requests
/// that were announced (`announce()`: their body is being read or parsed) to submit their batch.
/// A transaction rewrites every B-tree page it touches in the write-ahead log, and the pages a
/// small transaction touches (the tables' last pages, index pages) are mostly touched again by
/// the next one: measured on SQLite with 8 connections, each report cost about four WAL pages
/// for 1.2 pages that the checkpoint then copies. Gathering the requests in flight into one
/// transaction writes those shared pages once. A lone connection never waits: when nothing else
/// is announced, the transaction starts at once.
public final class GroupCommitter: Sendable {
    private struct Waiting {
        var batch: IngestBatch
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var queue: [Waiting] = []
        var running = false
        /// Requests announced and not yet submitted (or withdrawn).
        var announced = 0
    }

    private let store: any ReportStore
    private let state = Mutex(State())
    /// Upper bound on batches per transaction, so one transaction never grows without limit.
    private let maxBatchesPerCommit: Int
    /// Longest a transaction's start waits for announced requests.
    private let gatherLimit: Duration
    private static let gatherPoll: Duration = .microseconds(200)

    public init(store: any ReportStore, maxBatchesPerCommit: Int = 512, gatherLimit: Duration = .milliseconds(3)) {
        self.store = store
        self.maxBatchesPerCommit = maxBatchesPerCommit
        self.gatherLimit = gatherLimit
    }

    /// Says a batch is on its way (its request is being read or parsed). Every `announce()` must
    /// be followed by one `submit(_:announced: true)` or one `withdraw()`.
    public func announce() {
        state.withLock { $0.announced += 1 }
    }

    /// An announced request that will not submit after all (bad input, nothing to store).
    public func withdraw() {
        state.withLock { $0.announced -= 1 }
    }

    /// Stores `batch`; returns once it is committed (throws the transaction's error otherwise).
    /// `announced`: this request called `announce()` before.
    public func submit(_ batch: IngestBatch, announced: Bool = false) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let startDrain = state.withLock { state -> Bool in
                state.queue.append(Waiting(batch: batch, continuation: continuation))
                if announced { state.announced -= 1 }
                if state.running { return false }
                state.running = true
                return true
            }
            if startDrain {
                // Unstructured on purpose: the drain must finish even if the request that
                // started it is cancelled (client gone), since other requests wait on it.
                Task { await self.drain() }
            }
        }
    }

    /// Waits until no announced request is still on its way, the queue is full, or `gatherLimit`
    /// has passed.
    private func gather() async {
        let deadline = ContinuousClock.now + gatherLimit
        while state.withLock({ $0.announced > 0 && $0.queue.count < maxBatchesPerCommit }),
              ContinuousClock.now < deadline {
            try? await Task.sleep(for: Self.gatherPoll)
        }
    }

    private func drain() async {
        while true {
            await gather()
            let group: [Waiting] = state.withLock { state in
                if state.queue.isEmpty {
                    state.running = false
                    return []
                }
                let n = min(state.queue.count, maxBatchesPerCommit)
                let taken = Array(state.queue.prefix(n))
                state.queue.removeFirst(n)
                return taken
            }
            if group.isEmpty { return }
            do {
                try await store.commit(group.map(\.batch))
                for w in group { w.continuation.resume() }
            } catch {
                if group.count == 1 {
                    group[0].continuation.resume(throwing: error)
                    continue
                }
                // One bad batch must not fail its neighbours: retry each on its own.
                for w in group {
                    do {
                        try await store.commit([w.batch])
                        w.continuation.resume()
                    } catch {
                        w.continuation.resume(throwing: error)
                    }
                }
            }
        }
    }
}
