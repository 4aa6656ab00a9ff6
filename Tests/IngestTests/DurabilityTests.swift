import ChalkTestSupport
import Foundation
import Testing

/// Load from several client threads; each remembers the METADATA_IDs of reports answered 200.
final class LoadRun: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var answered: [String] = []
    private var stopFlag = false
    private var posts = 0

    var stopped: Bool { lock.withLock { stopFlag } }
    func stop() { lock.withLock { stopFlag = true } }
    var answeredIDs: [String] { lock.withLock { answered } }
    var postCount: Int { lock.withLock { posts } }

    /// Runs `threads` posting loops until `stop()` (or `maxPosts` each); returns when all ended.
    func run(clients: [HTTPTestClient], token: String, threads: Int, perPost: Int, maxPosts: Int = 100_000,
             label: String) -> Thread {
        let group = DispatchGroup()
        for t in 0..<threads {
            group.enter()
            let client = clients[t % clients.count]
            Thread {
                defer { group.leave() }
                var n = 0
                while !self.stopped && n < maxPosts {
                    let ids = (0..<perPost).map { "\(label)-\(t)-\(n)-\($0)" }
                    n += 1
                    let reports = ids.map { ReportFixtures.insert(metadataID: $0) }
                    guard let r = try? client.postReports(ReportFixtures.body(reports), token: token, timeout: 10) else {
                        usleep(20_000)  // server gone or restarting
                        continue
                    }
                    if r.status == 200 { self.lock.withLock { self.answered += ids; self.posts += 1 } }
                }
            }.start()
        }
        let waiter = Thread { group.wait() }
        return waiter
    }
}

@Suite("chalk-server durability and shutdown", .serialized)
struct DurabilityTests {
    @Test("after kill -9 under load, every report answered 200 is there when the server restarts",
          arguments: Backend.available)
    func killNineUnderLoad(_ backend: Backend) throws {
        guard let h = try ServerHarness.make(backend, label: "kill9") else { Issue.record("no harness"); return }
        defer { h.stop() }
        let load = LoadRun()
        _ = load.run(clients: [h.client], token: h.writeToken, threads: 6, perPost: 3, label: "K")
        // Let the load build up, then kill the server mid-stream.
        TestSupport.waitUntil(timeout: 20, every: 0.02) { load.postCount >= 60 }
        h.server.kill9()
        load.stop()
        usleep(300_000)
        let answered = load.answeredIDs
        #expect(answered.count >= 60 * 3 / 2, "load did not get going: \(answered.count) answered")
        try h.restart()
        let stored = try h.getJSON("/chalks") as? [[String: Any]] ?? []
        let storedIDs = Set(stored.compactMap { $0["METADATA_ID"] as? String })
        let missing = answered.filter { !storedIDs.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) of \(answered.count) answered reports lost, e.g. \(missing.prefix(3))")
    }

    @Test("SIGTERM lets requests in flight finish, then the server exits 0")
    func sigtermDrains() throws {
        guard let h = try ServerHarness.make(.sqlite, label: "term") else { Issue.record("no harness"); return }
        defer { h.stop() }
        let load = LoadRun()
        _ = load.run(clients: [h.client], token: h.writeToken, threads: 4, perPost: 5, label: "T")
        while load.postCount < 20 { usleep(10_000) }
        let status = h.server.terminate(timeout: 20)
        load.stop()
        usleep(200_000)
        #expect(status == 0, "exit status \(String(describing: status)); stderr: \(h.server.stderrText)")
        let answered = load.answeredIDs
        try h.restart()
        let storedIDs = Set((try h.getJSON("/chalks") as? [[String: Any]] ?? []).compactMap { $0["METADATA_ID"] as? String })
        #expect(answered.allSatisfy { storedIDs.contains($0) })
    }

    @Test("several instances on one PostgreSQL: concurrent start (migrations), shared tokens, one copy of each report")
    func instancesOnPostgres() throws {
        guard Backend.available.contains(.postgres) else { return }
        guard let h = try ServerHarness.make(.postgres, label: "multi", instances: 3) else { Issue.record("no harness"); return }
        defer { h.stop() }
        // A token made after the instances started works on all of them.
        let token = try ServerFixture.createToken(database: h.databaseURL, scope: "write", home: h.scratch)
        let reports = (0..<5).map { ReportFixtures.insert(metadataID: "MM\($0)") }
        for s in h.servers {
            // The same array through every instance (a retry landing elsewhere): stored once.
            #expect(try s.client.postReports(ReportFixtures.body(reports), token: token).status == 200)
        }
        let load = LoadRun()
        let clients = h.servers.map(\.client)
        _ = load.run(clients: clients, token: h.writeToken, threads: 6, perPost: 4, maxPosts: 15, label: "P")
        TestSupport.waitUntil(timeout: 60, every: 0.02) { load.postCount >= 6 * 15 }
        load.stop()
        usleep(300_000)
        let answered = load.answeredIDs
        #expect(answered.count == 6 * 15 * 4)
        for s in h.servers {
            let rows = try s.client.get("/reports", token: h.readToken).json() as? [[String: Any]] ?? []
            #expect(rows.count == 5 + answered.count)
        }
    }
}
