import ChalkTestSupport
import Foundation
import Synchronization
import Testing
@testable import Ingest

/// The WAL upkeep thread: when it flushes and checkpoints, that it goes quiet when idle and
/// wakes on the next commit, and (on a real SQLite file) that its fdatasync of the WAL works.
@Suite struct WALMaintainerTests {
    final class Calls: Sendable {
        let flushes = Atomic<Int>(0)
        let checkpoints = Atomic<Int>(0)
        var snapshot: (Int, Int) { (flushes.load(ordering: .relaxed), checkpoints.load(ordering: .relaxed)) }
    }

    private func maintainer(_ policy: WALMaintainer.Policy, _ calls: Calls) -> WALMaintainer {
        WALMaintainer(
            policy: policy,
            flush: { calls.flushes.add(1, ordering: .relaxed); return true },
            checkpoint: { calls.checkpoints.add(1, ordering: .relaxed) })
    }

    /// Polls `condition` for up to `seconds`.
    private func eventually(_ seconds: Double = 5, _ condition: () -> Bool) -> Bool {
        TestSupport.waitUntil(timeout: seconds, every: 0.005, condition)
    }

    @Test func commitsAreFlushedAndCheckpointedByAge() {
        let calls = Calls()
        var policy = WALMaintainer.Policy()
        policy.checkpointReports = 1_000_000
        policy.checkpointMaxAge = .milliseconds(50)
        let m = maintainer(policy, calls)
        defer { m.stop() }
        m.noteCommit(reports: 3)
        #expect(eventually { calls.snapshot.0 >= 1 })
        #expect(eventually { calls.snapshot.1 >= 1 })
        #expect(m.counts.flushes == calls.snapshot.0)
    }

    @Test func enoughReportsCheckpointBeforeTheirAge() {
        let calls = Calls()
        var policy = WALMaintainer.Policy()
        policy.checkpointReports = 10
        policy.checkpointMaxAge = .seconds(3600)
        policy.parkAfter = .seconds(3600)
        let m = maintainer(policy, calls)
        defer { m.stop() }
        m.noteCommit(reports: 4)
        Thread.sleep(forTimeInterval: 0.2)
        #expect(calls.snapshot.1 == 0, "4 reports of 10, an hour's age: no checkpoint yet")
        m.noteCommit(reports: 6)
        #expect(eventually { calls.snapshot.1 == 1 })
    }

    @Test func idleParksAfterALastCheckpointAndACommitWakesIt() {
        let calls = Calls()
        var policy = WALMaintainer.Policy()
        policy.checkpointMaxAge = .seconds(3600)
        policy.parkAfter = .milliseconds(50)
        let m = maintainer(policy, calls)
        defer { m.stop() }
        m.noteCommit(reports: 1)
        // Idle: the pending report is checkpointed before parking, though its age is far off.
        #expect(eventually { calls.snapshot.1 == 1 })
        Thread.sleep(forTimeInterval: 0.1)
        let parked = calls.snapshot
        Thread.sleep(forTimeInterval: 0.3)
        #expect(calls.snapshot == parked, "nothing runs while no commit arrives")
        m.noteCommit(reports: 1)
        #expect(eventually(2) { calls.snapshot.0 > parked.0 && calls.snapshot.1 > parked.1 })
    }

    @Test func stopRunsThePendingCheckpointAndReturns() {
        let calls = Calls()
        var policy = WALMaintainer.Policy()
        policy.flushInterval = .milliseconds(1)
        policy.checkpointMaxAge = .seconds(3600)
        policy.parkAfter = .seconds(3600)
        let m = maintainer(policy, calls)
        m.noteCommit(reports: 2)
        #expect(eventually { calls.snapshot.0 >= 1 })
        let started = Date()
        m.stop()
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(calls.snapshot.1 == 1)
        m.stop()  // idempotent
    }

    /// The thread shows as "chalk-wal" in top -H, perf and /proc.
    @Test func theThreadIsNamedForTheOperatingSystem() {
        let m = maintainer(WALMaintainer.Policy(), Calls())
        defer { m.stop() }
        func names() -> [String] {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
            return tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        #expect(eventually { names().contains("chalk-wal") })
    }

    @Test func theStoreSyncsItsRealWALFile() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteStore(path: dir.appendingPathComponent("db.sqlite").path)
        try await store.migrate()
        try await store.addToken(hash: String(repeating: "a", count: 64), scope: .write, name: "t", created: 1)
        try await store.commit([])
        #expect(eventually { store.walCounts.flushes >= 1 && store.walCounts.checkpoints >= 1 })
        #expect(store.walCounts.failedFlushes == 0, "fdatasync of the -wal file through our own descriptor")
        try await store.close()
    }

    @Test func closingLeavesNoWALBehind() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("db.sqlite").path
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        for i in 0..<50 {
            try await store.addToken(hash: String(format: "%064d", i), scope: .read, name: "t\(i)", created: Int64(i))
        }
        let size = { (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0 }
        #expect(size() > 0, "the tokens are in the WAL before close")
        // Reads open the pool's reader connections, as a running server's do.
        async let a = store.tokenScope(hash: String(format: "%064d", 1))
        async let b = store.counts()
        _ = try await (a, b)
        try await store.close()
        #expect(size() == 0, "close copies the WAL into the database and truncates it")
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.tokenScope(hash: String(format: "%064d", 49)) == .read)
        try await reopened.close()
    }
}
