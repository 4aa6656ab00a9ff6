import CSQLiteWALBuffer
import ChalkTestSupport
import Foundation
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

    @Test func smallCommitsReachTheFileInOneWriteEach() async throws {
        let dir = try TestSupport.makeTempDir("walbuf")
        defer { TestSupport.removeTree(dir) }
        let path = dir.appendingPathComponent("db.sqlite").path
        let store = try SQLiteStore(path: path)
        try await store.migrate()
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
        let dir = try TestSupport.makeTempDir("walbuf")
        defer { TestSupport.removeTree(dir) }
        let path = dir.appendingPathComponent("db.sqlite").path
        let store = try SQLiteStore(path: path)
        try await store.migrate()
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
