import CSQLiteWALBuffer
import ChalkTestSupport
import Foundation
import GRDB
import Testing
@testable import Ingest

/// The WAL write-gathering VFS shim (Sources/CSQLiteWALBuffer): SQLite's writes to the log
/// reach the file in far fewer pwrite()s, and what is committed is in the file when the commit
/// returns, for this process's other connections and for another process.
@Suite("SQLite WAL write gathering", .serialized)
struct WALBufferTests {
    /// `count` distinct insert reports of about 2 KB each, as one prepared batch.
    static func batch(_ count: Int, tag: String) throws -> IngestBatch {
        let padding = String(repeating: "x", count: 2_000)
        let items = (0..<count).map { i in
            #"{"_OPERATION":"insert","_CHALKS":[{"METADATA_ID":"\#(tag)-\#(i)","CHALK_ID":"C\#(i)","PAD":"\#(padding)"}]}"#
        }
        let tape = try JSONParser.tape(Array(("[" + items.joined(separator: ",") + "]").utf8))
        let reports = try tape.elements(JSONTape.root).map { try PreparedReport(tape: tape, at: $0) }
        return IngestBatch(received: Timestamp.now(), reports: reports, rejects: [])
    }

    /// `PRAGMA integrity_check` and the number of reports, read by another process (python3's sqlite3).
    static func readElsewhere(_ path: String) throws -> String {
        let r = try TestSupport.run("/usr/bin/env", ["python3", "-c", """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            print(c.execute("PRAGMA integrity_check").fetchone()[0], c.execute("SELECT count(*) FROM reports").fetchone()[0])
            """, path], timeout: 60)
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + r.stderr
    }

    /// A migrated store in a scratch directory (removed by the caller).
    static func openStore() async throws -> (dir: URL, path: String, store: SQLiteStore) {
        let dir = try TestSupport.makeTempDir("walbuf")
        let path = dir.appendingPathComponent("db.sqlite").path
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        return (dir, path, store)
    }

    @Test func smallCommitsReachTheFileInOneWriteEach() async throws {
        let (dir, path, store) = try await Self.openStore()
        defer { TestSupport.removeTree(dir) }
        let before = chalk_wal_buffer_get_file_stats(path + "-wal")
        for i in 0..<40 {
            try await store.addToken(hash: String(format: "%064d", i), scope: .read, name: "t\(i)", created: Int64(i))
        }
        let after = chalk_wal_buffer_get_file_stats(path + "-wal")
        let requested = after.wal_writes_requested - before.wal_writes_requested
        let issued = after.wal_writes_issued - before.wal_writes_issued
        // SQLite asks for two writes per page (frame header, page) and each commit here writes
        // at least two pages; the shim issues one write per commit.
        #expect(requested >= 40 * 4, "requested \(requested)")
        #expect(issued <= 40 + 2, "issued \(issued) for \(requested) requested")
        try await store.close()
    }

    @Test func aLargeCommitIsWrittenInPiecesAndIsWholeForAnotherProcess() async throws {
        let (dir, path, store) = try await Self.openStore()
        defer { TestSupport.removeTree(dir) }
        // About 1 MB of log in one transaction: more than one 128 KiB buffer (the unix VFS
        // fails longer writes with SQLITE_FULL, which this would surface).
        let before = chalk_wal_buffer_get_file_stats(path + "-wal")
        try await store.commit([try Self.batch(400, tag: "big")])
        let after = chalk_wal_buffer_get_file_stats(path + "-wal")
        let issued = after.wal_writes_issued - before.wal_writes_issued
        let requested = after.wal_writes_requested - before.wal_writes_requested
        #expect(issued >= 2 && issued * 10 < requested, "issued \(issued) for \(requested) requested")
        // The store is still open, its WAL not checkpointed away: another process reads it all.
        #expect(try Self.readElsewhere(path) == "ok 400")
        // And this process's reader connections.
        #expect(try await store.counts().reports == 400)
        try await store.commit([try Self.batch(3, tag: "small")])
        #expect(try Self.readElsewhere(path) == "ok 403")
        try await store.close()
        #expect(try Self.readElsewhere(path) == "ok 403")
    }
}

/// The shim's rarer paths, driven through SQLite directly with a tiny page cache so that
/// transactions spill frames to the log before they commit: a rolled-back transaction's frames,
/// and a transaction that overwrites its own spilled frames (SQLite then rewrites checksums
/// after the commit frame). Another process must read exactly the committed rows.
@Suite("SQLite WAL write gathering: spills, rollbacks, rewrites", .serialized)
struct WALBufferSpillTests {
    static func openQueue(_ path: String) throws -> DatabaseQueue {
        _ = chalk_wal_buffer_register()
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA cache_size = 8")  // pages: spill early
        }
        let queue = try DatabaseQueue(path: path, configuration: config)
        try queue.write { db in try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)") }
        return queue
    }

    static func countElsewhere(_ path: String) throws -> String {
        let r = try TestSupport.run("/usr/bin/env", ["python3", "-c", """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            print(c.execute("PRAGMA integrity_check").fetchone()[0], c.execute("SELECT count(*), coalesce(sum(length(v)), 0) FROM t").fetchone())
            """, path], timeout: 60)
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + r.stderr
    }

    /// The database and its log copied as a crash would leave them (no wal-index), read by
    /// another process: SQLite recovers the log from its frames' checksums.
    static func countAfterCrash(_ path: String, _ dir: URL) throws -> String {
        let copy = dir.appendingPathComponent("crash-\(UUID().uuidString.prefix(6)).sqlite").path
        // cp, not FileManager: closing a descriptor of the database in this process would drop
        // the process's POSIX locks on it, which SQLite's connections here rely on.
        let r = try TestSupport.run("/bin/cp", [path, copy])
        let w = try TestSupport.run("/bin/cp", [path + "-wal", copy + "-wal"])
        #expect(r.status == 0 && w.status == 0, "\(r.stderr)\(w.stderr)")
        return try countElsewhere(copy)
    }

    /// `openQueue` on a database in a scratch directory (removed by the caller).
    static func scratchQueue() throws -> (dir: URL, path: String, queue: DatabaseQueue) {
        let dir = try TestSupport.makeTempDir("walbuf-spill")
        let path = dir.appendingPathComponent("db.sqlite").path
        return (dir, path, try openQueue(path))
    }

    struct Rollback: Error {}

    @Test func aRolledBackSpillLeavesOnlyTheCommittedRows() throws {
        let (dir, path, queue) = try Self.scratchQueue()
        defer { TestSupport.removeTree(dir) }
        try queue.write { db in
            for i in 0..<20 { try db.execute(sql: "INSERT INTO t (id, v) VALUES (?, zeroblob(1000))", arguments: [i]) }
        }
        // About 600 pages with a cache of 8: frames reach the log long before the rollback.
        #expect(throws: Rollback.self) {
            try queue.write { db in
                for i in 100..<2_500 { try db.execute(sql: "INSERT INTO t (id, v) VALUES (?, randomblob(1000))", arguments: [i]) }
                throw Rollback()
            }
        }
        try queue.write { db in
            for i in 20..<30 { try db.execute(sql: "INSERT INTO t (id, v) VALUES (?, zeroblob(1000))", arguments: [i]) }
        }
        #expect(try Self.countAfterCrash(path, dir) == "ok (30, 30000)")
        #expect(try Self.countElsewhere(path) == "ok (30, 30000)")
        #expect(try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM t") } == 30)
    }

    @Test func aTransactionThatRewritesItsSpilledPagesCommitsWhole() throws {
        let (dir, path, queue) = try Self.scratchQueue()
        defer { TestSupport.removeTree(dir) }
        try queue.write { db in
            for i in 0..<2_000 { try db.execute(sql: "INSERT INTO t (id, v) VALUES (?, randomblob(500))", arguments: [i]) }
            // Touch every page again: spilled frames of this transaction are overwritten in place.
            try db.execute(sql: "UPDATE t SET v = zeroblob(500)")
        }
        #expect(try Self.countAfterCrash(path, dir) == "ok (2000, 1000000)")
        #expect(try Self.countElsewhere(path) == "ok (2000, 1000000)")
        try queue.write { db in try db.execute(sql: "DELETE FROM t WHERE id >= 1000") }
        #expect(try Self.countAfterCrash(path, dir) == "ok (1000, 500000)")
        #expect(try Self.countElsewhere(path) == "ok (1000, 500000)")
    }
}
