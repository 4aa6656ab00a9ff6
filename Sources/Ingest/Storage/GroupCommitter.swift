import Synchronization

/// Batches concurrent ingests into shared transactions ("group commit").
///
/// A commit costs an fsync whatever its size, so one transaction per POST caps throughput at
/// the fsync rate. Here, while one transaction is being committed, new batches queue; when it
/// finishes, everything queued goes into the next transaction. Each caller resumes only after
/// the transaction holding its batch is durable, so a 200 still means "stored".
public final class GroupCommitter: Sendable {
    private struct Waiting {
        var batch: IngestBatch
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var queue: [Waiting] = []
        var running = false
    }

    private let store: any ReportStore
    private let state = Mutex(State())
    /// Upper bound on batches per transaction, so one transaction never grows without limit.
    private let maxBatchesPerCommit: Int

    public init(store: any ReportStore, maxBatchesPerCommit: Int = 512) {
        self.store = store
        self.maxBatchesPerCommit = maxBatchesPerCommit
    }

    /// Stores `batch`; returns once it is committed (throws the transaction's error otherwise).
    public func submit(_ batch: IngestBatch) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let startDrain = state.withLock { state -> Bool in
                state.queue.append(Waiting(batch: batch, continuation: continuation))
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

    private func drain() async {
        while true {
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
