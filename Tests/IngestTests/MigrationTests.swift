import ChalkTestSupport
import Foundation
import Testing

/// A database written by schema version 1 (marks and `/chalks` records stored as text in
/// `builds`) opens with the current server: old builds answer with their stored texts, new
/// reports (also about old builds) work, and a second start migrates nothing twice.
@Suite("chalk-server schema migration", .serialized)
struct MigrationTests {
    /// Version 1's tables as that server created them, with one build and its insert report.
    static func version1SQL(bigint: String, serial: String) -> [String] {
        [
            """
            CREATE TABLE reports (id \(serial) PRIMARY KEY, identity TEXT NOT NULL UNIQUE, operation TEXT NOT NULL,
              received \(bigint) NOT NULL, exec_id TEXT, host TEXT, container TEXT, pod TEXT, function TEXT,
              probability DOUBLE PRECISION, body TEXT NOT NULL)
            """,
            """
            CREATE TABLE builds (id \(serial) PRIMARY KEY, metadata_id TEXT NOT NULL UNIQUE,
              chalk_id TEXT, artifact_type TEXT, repo TEXT, commit_id TEXT, branch TEXT,
              first_seen \(bigint) NOT NULL, last_seen \(bigint) NOT NULL, mark TEXT NOT NULL,
              chalk TEXT, chalk_received \(bigint))
            """,
            "CREATE TABLE report_builds (metadata_id TEXT NOT NULL, report_id \(bigint) NOT NULL, PRIMARY KEY (metadata_id, report_id))",
            "CREATE TABLE build_images (image TEXT NOT NULL, metadata_id TEXT NOT NULL, PRIMARY KEY (image, metadata_id))",
            """
            CREATE TABLE rejects (id \(serial) PRIMARY KEY, received \(bigint) NOT NULL, idx INTEGER NOT NULL,
              error TEXT NOT NULL, item TEXT NOT NULL)
            """,
            """
            CREATE TABLE tokens (id \(serial) PRIMARY KEY, hash TEXT NOT NULL UNIQUE, scope TEXT NOT NULL,
              name TEXT, created \(bigint) NOT NULL)
            """,
            "CREATE TABLE schema_version (version INTEGER NOT NULL)",
            "INSERT INTO schema_version (version) VALUES (1)",
            """
            INSERT INTO reports (identity, operation, received, body) VALUES ('old-identity', 'insert',
              1764489600000000, '{"_CHALKS":[{"CHALK_ID":"COLD","METADATA_ID":"MOLD"}],"_OPERATION":"insert"}')
            """,
            """
            INSERT INTO builds (metadata_id, chalk_id, first_seen, last_seen, mark, chalk, chalk_received)
              VALUES ('MOLD', 'COLD', 1764489600000000, 1764489600000000,
                      '{"CHALK_ID":"COLD","METADATA_ID":"MOLD","stored":"mark"}',
                      '{"CHALK_ID":"COLD","METADATA_ID":"MOLD","_OPERATION":"insert","stored":"record"}', 1764489600000000)
            """,
            "INSERT INTO report_builds (metadata_id, report_id) SELECT 'MOLD', id FROM reports WHERE identity = 'old-identity'",
        ]
    }

    @Test("a version-1 database opens, keeps its stored texts and takes new reports", arguments: Backend.available)
    func version1Opens(_ backend: Backend) throws {
        let scratch = try TestSupportDir.make("migrate")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let database: String
        var postgres: PostgresFixture?
        switch backend {
        case .sqlite:
            let path = scratch.appendingPathComponent("v1.sqlite").path
            let script = Self.version1SQL(bigint: "INTEGER", serial: "INTEGER").joined(separator: ";\n") + ";"
            let r = try TestSupport.run("/usr/bin/env", [
                "python3", "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()",
                path, script,
            ], timeout: 60)
            try #require(r.status == 0, "python3 sqlite3: \(r.stderr)")
            database = "sqlite://" + path
        case .postgres:
            guard let pg = try PostgresFixture.start() else { return }
            postgres = pg
            for statement in Self.version1SQL(bigint: "BIGINT", serial: "BIGSERIAL") { _ = try pg.psql(statement) }
            database = pg.url
        }
        defer { postgres?.stop() }

        var server = try ServerFixture(database: database, scratch: scratch)
        defer { server.terminate() }
        let write = try ServerFixture.createToken(database: database, scope: "write", home: scratch)
        let read = try ServerFixture.createToken(database: database, scope: "read", home: scratch)
        func json(_ path: String) throws -> Any {
            let r = try server.client.get(path, token: read)
            try #require(r.status == 200, "GET \(path): \(r.status) \(r.text)")
            return try r.json()
        }

        // The old build answers with the texts version 1 stored.
        let oldRecord = try json("/chalks/MOLD") as? [String: Any] ?? [:]
        #expect(oldRecord["stored"] as? String == "record")
        let oldDetail = try json("/v1/builds/MOLD") as? [String: Any] ?? [:]
        #expect((oldDetail["mark"] as? [String: Any])?["stored"] as? String == "mark")

        // New reports: an exec of the old build, and a new build with its insert.
        let body = ReportFixtures.body([
            ReportFixtures.exec(metadataID: "MOLD", host: "web-1"),
            ReportFixtures.insert(metadataID: "MNEW", chalkID: "CNEW"),
        ])
        let posted = try server.client.postReports(body, token: write)
        #expect(posted.status == 200 && posted.text.contains(#""accepted":2"#), "\(posted.text)")

        for _ in 0..<2 {
            let chalks = try json("/chalks") as? [[String: Any]] ?? []
            #expect(chalks.compactMap { $0["METADATA_ID"] as? String } == ["MOLD", "MNEW"])
            #expect(chalks.first?["stored"] as? String == "record")
            #expect(chalks.last?["_OPERATION"] as? String == "insert" && chalks.last?["CHALK_ID"] as? String == "CNEW")
            let old = try json("/v1/builds/MOLD") as? [String: Any] ?? [:]
            #expect((old["mark"] as? [String: Any])?["stored"] as? String == "mark")
            #expect((old["runtime"] as? [[String: Any]])?.first?["host"] as? String == "web-1")
            let new = try json("/v1/builds/MNEW") as? [String: Any] ?? [:]
            #expect((new["mark"] as? [String: Any])?["CHALK_ID"] as? String == "CNEW")
            #expect((new["mark"] as? [String: Any])?["_OPERATION"] == nil)  // the item alone
            // A second start finds the schema current and changes nothing.
            #expect(server.terminate() == 0)
            server = try ServerFixture(database: database, scratch: scratch)
        }
    }
}
