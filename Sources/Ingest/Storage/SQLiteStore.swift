import CSQLiteWALBuffer
import Foundation
import GRDB

/// Failures to set up the database file's place.
enum SQLiteStoreError: Error, CustomStringConvertible {
    case cannotCreateDirectory(String, String)

    var description: String {
        switch self {
        case let .cannotCreateDirectory(dir, reason): return "cannot create its directory \(dir): \(reason)"
        }
    }
}

/// The embedded store: one SQLite file in WAL mode with `synchronous=NORMAL`, so a committed
/// transaction survives `kill -9` of the server (not power loss). GRDB's pool gives one writer
/// and concurrent readers; several processes (a running server and `token create`) may share the
/// file, waiting on each other's locks for up to 10 s.
///
/// The WAL's upkeep (syncing it in small steps, and checkpoints, which copy it back into the
/// database file) runs on a thread and a connection of its own (`WALMaintainer`), instead of
/// inside whichever commit crosses SQLite's auto-checkpoint threshold: that commit, and every
/// request waiting on it, used to pay for it. The writer keeps a far higher threshold as a
/// backstop.
public final class SQLiteStore: ReportStore {
    private let pool: DatabasePool
    private let checkpointer: DatabaseQueue
    private let walFile: WALFileSync
    private let maintainer: WALMaintainer

    /// Opens (creating when needed) the database at `path`, creating its directory too.
    public init(path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try Self.makeDirectories(directory) }
        // Before the first connection opens: every connection then writes its WAL appends with
        // one pwrite per commit, not two per page (CSQLiteWALBuffer). Should it fail, SQLite's
        // own VFS stays the default, which is correct, only slower.
        _ = chalk_wal_buffer_register()
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Backstop (256 MiB of 4 KiB pages). Under a steady load the WAL never restarts from
            // its beginning (a restart needs a write to begin after a checkpoint copied every
            // frame, and the background checkpoints always end with newer frames behind them),
            // so it grows until this checkpoint, run inside one commit, resets it: about every
            // 1.5 s at 15,000 reports/s, a stall of tens of ms for the requests in that commit.
            // Measured: forcing a restart from the writer after each large background checkpoint
            // cost 8-12 ms every time, more than it saved.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 65536")
            // When the WAL restarts, a file larger than this is truncated back. Above the
            // backstop's size (65,536 frames of 4,120 bytes: 270 MB), so under a steady load the
            // WAL is overwritten in place cycle after cycle. With 64 MiB, every cycle freed
            // ~200 MB of page cache in ftruncate and then allocated it again while appending:
            // removing that raised 10 reports per POST from 16-18k to 19-22k reports/s and
            // cut p99 at 32 connections from 74-79 ms to 48-51 ms. The price: a server under
            // steady load keeps a WAL file of up to 270 MB (truncated to zero when it closes).
            try db.execute(sql: "PRAGMA journal_size_limit = 335544320")
            // One group commit can dirty several MiB; the default 2 MiB cache would spill pages
            // to the WAL mid-transaction. Not more than that: SQLite walks part of the cache's
            // page table at the end of every transaction (pcache1TruncateUnsafe), which cost 5% of
            // the server's CPU with 64 MiB and 2.5% with 16 MiB (perf, 10 reports per POST).
            try db.execute(sql: "PRAGMA cache_size = -16384")
        }
        pool = try DatabasePool(path: path, configuration: config)
        var checkpointConfig = Configuration()
        checkpointConfig.busyMode = .timeout(10)
        checkpointer = try DatabaseQueue(path: path, configuration: checkpointConfig)
        let walFile = WALFileSync(databasePath: path)
        self.walFile = walFile
        let checkpointer = self.checkpointer
        maintainer = WALMaintainer(
            flush: { walFile.sync() },
            checkpoint: {
                // Errors (a busy database) only mean this round is skipped; the next one tries again.
                _ = try? checkpointer.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)")
                }
            })
    }

    /// `mkdir -p`, with an error that names the directory and the system's reason (Foundation's
    /// `createDirectory` error prints as an NSError dump).
    static func makeDirectories(_ directory: String) throws {
        var prefix = directory.hasPrefix("/") ? "" : "."
        for part in directory.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) == 0 || errno == EEXIST { continue }
            throw SQLiteStoreError.cannotCreateDirectory(prefix, String(cString: strerror(errno)))
        }
        var info = stat()
        if stat(directory, &info) != 0 || info.st_mode & S_IFMT != S_IFDIR {
            throw SQLiteStoreError.cannotCreateDirectory(directory, "not a directory")
        }
    }

    deinit {
        maintainer.stop()
        walFile.close()
    }

    /// The WAL upkeep's counters (for tests and diagnostics).
    var walCounts: (flushes: Int, failedFlushes: Int, checkpoints: Int) { maintainer.counts }

    public func migrate() async throws {
        try await pool.writeWithoutTransaction { db in
            // IMMEDIATE takes the write lock first, so instances starting at once run this in turn.
            try db.inTransaction(.immediate) {
                for statement in Schema.sqlite { try db.execute(sql: statement) }
                for added in Schema.sqliteAddedColumns
                where try !db.columns(in: added.table).contains(where: { $0.name == added.column }) {
                    try db.execute(sql: added.sql)
                }
                let current = try Int.fetchOne(db, sql: "SELECT MAX(version) FROM schema_version") ?? 0
                if current < Schema.version {
                    try db.execute(sql: "INSERT INTO schema_version (version) VALUES (?)", arguments: [Schema.version])
                }
                return .commit
            }
        }
    }

    public func commit(_ batches: [IngestBatch]) async throws {
        try await pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                try Self.store(batches, in: db)
                return .commit
            }
        }
        maintainer.noteCommit(reports: batches.reduce(0) { $0 + $1.reports.count })
    }

    private static func store(_ batches: [IngestBatch], in db: Database) throws {
        let insertReport = try db.cachedStatement(sql: """
            INSERT INTO reports (identity, operation, received, exec_id, host, container, pod, function, probability, body)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (identity) DO NOTHING
            """)
        let upsertBuild = try db.cachedStatement(sql: """
            INSERT INTO builds (metadata_id, chalk_id, artifact_type, repo, commit_id, branch,
                                first_seen, last_seen, mark, chalk_received, source_report)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)
            ON CONFLICT (metadata_id) DO UPDATE SET
              first_seen = MIN(builds.first_seen, excluded.first_seen),
              last_seen = MAX(builds.last_seen, excluded.last_seen),
              \(BuildMergeSQL.fillInColumns)
            """)
        let link = try db.cachedStatement(sql:
            "INSERT INTO report_builds (metadata_id, report_id) VALUES (?, ?) ON CONFLICT DO NOTHING")
        let image = try db.cachedStatement(sql:
            "INSERT INTO build_images (image, metadata_id) VALUES (?, ?) ON CONFLICT DO NOTHING")
        let reject = try db.cachedStatement(sql:
            "INSERT INTO rejects (received, idx, error, item) VALUES (?, ?, ?, ?)")

        for batch in batches {
            for item in batch.rejects {
                try reject.execute(arguments: [batch.received, item.index, item.error, item.item])
            }
            for report in batch.reports {
                // Plain execute, not RETURNING: no cursor per report.
                try insertReport.execute(arguments: [
                    report.identity, report.operation, batch.received, report.execID,
                    report.place.host, report.place.container, report.place.pod, report.place.function,
                    report.probability, report.canonical,
                ])
                // No change: this report is already stored (a retry or a resend from chalk's cache).
                guard db.changesCount > 0 else { continue }
                let id = db.lastInsertedRowID
                for b in report.builds {
                    try upsertBuild.execute(arguments: [
                        b.metadataID, b.chalkID, b.artifactType, b.repo, b.commit, b.branch,
                        batch.received, batch.received, b.makesChalkRecord ? batch.received : nil, id,
                    ])
                    try link.execute(arguments: [b.metadataID, id])
                    for name in b.images { try image.execute(arguments: [name, b.metadataID]) }
                }
            }
        }
    }

    public func addToken(hash: String, scope: TokenScope, name: String?, created: Int64) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO tokens (hash, scope, name, created) VALUES (?, ?, ?, ?)",
                           arguments: [hash, scope.rawValue, name, created])
        }
    }

    public func tokenScope(hash: String) async throws -> TokenScope? {
        let scope = try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT scope FROM tokens WHERE hash = ?", arguments: [hash])
        }
        return scope.flatMap(TokenScope.init(rawValue:))
    }

    public func chalks(_ page: PageQuery) async throws -> JSONPage {
        let (sql, args) = ReadQueries.chalks(.sqlite, page)
        let rows: [(id: Int64, json: String)] = try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: Self.bind(args)).compactMap { row in
                BuildTexts.record(stored: row[2], sourceBody: row[3], metadataID: row[1]).map { (id: row[0], json: $0) }
            }
        }
        let trimmed = Self.trim(rows, page.limit)
        return JSONPage(rows: trimmed.rows, hasMore: trimmed.hasMore)
    }

    public func chalk(metadataID: String) async throws -> String? {
        let (sql, args) = ReadQueries.chalk(.sqlite, metadataID)
        return try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: sql, arguments: Self.bind(args)) else { return nil }
            return BuildTexts.record(stored: row[0], sourceBody: row[1], metadataID: metadataID)
        }
    }

    public func reports(operation: String?, _ page: PageQuery) async throws -> JSONPage {
        try await jsonPage(ReadQueries.reports(.sqlite, operation: operation, page), limit: page.limit)
    }

    public func rejects(_ page: PageQuery) async throws -> (rows: [StoredReject], hasMore: Bool) {
        let (sql, args) = ReadQueries.rejects(.sqlite, page)
        let rows = try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: Self.bind(args)).map { row in
                StoredReject(id: row[0], received: row[1], index: row[2], error: row[3], item: row[4])
            }
        }
        return Self.trim(rows, page.limit)
    }

    public func builds(_ filter: BuildFilter, _ page: PageQuery) async throws -> (rows: [BuildSummary], hasMore: Bool) {
        let (sql, args) = ReadQueries.builds(.sqlite, filter, page)
        let rows = try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: Self.bind(args)).map(Self.buildSummary)
        }
        return Self.trim(rows, page.limit)
    }

    public func build(metadataID: String) async throws -> BuildSummary? {
        let (sql, args) = ReadQueries.build(.sqlite, metadataID)
        return try await pool.read { db in
            try Row.fetchOne(db, sql: sql, arguments: Self.bind(args)).map(Self.buildSummary)
        }
    }

    public func reports(linkedTo metadataID: String) async throws -> [StoredReport] {
        let (sql, args) = ReadQueries.linkedReports(.sqlite, metadataID)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: Self.bind(args)).map { row in
                StoredReport(
                    id: row[0], operation: row[1], received: row[2], execID: row[3],
                    place: RuntimePlace(host: row[4], container: row[5], pod: row[6], function: row[7]),
                    probability: row[8], json: row[9])
            }
        }
    }

    public func followers(execIDs: [String]) async throws -> [ExecFollower] {
        guard !execIDs.isEmpty else { return [] }
        var out: [ExecFollower] = []
        // SQLite caps bound parameters; ask in chunks.
        for start in stride(from: 0, to: execIDs.count, by: 500) {
            let chunk = Array(execIDs[start..<min(start + 500, execIDs.count)])
            let (sql, args) = ReadQueries.followers(.sqlite, chunk)
            out += try await pool.read { db in
                try Row.fetchAll(db, sql: sql, arguments: Self.bind(args)).map { row in
                    ExecFollower(id: row[0], execID: row[1], operation: row[2], received: row[3])
                }
            }
        }
        return out
    }

    public func counts() async throws -> (reports: Int, builds: Int) {
        try await pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM reports") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM builds") ?? 0)
        }
    }

    public func close() async throws {
        maintainer.stop()
        walFile.close()
        try? checkpointer.close()
        // Copy the whole WAL into the database and truncate it to zero bytes. Once the pool's
        // reader connections have been used, closing the pool leaves the WAL behind at its full
        // size (up to 270 MB after a steady load; `closingLeavesNoWALBehind`), and the next start
        // would read all of it to rebuild its index. Best effort: a checkpoint that cannot
        // finish (another process reading) leaves a valid WAL.
        _ = try? await pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        try pool.close()
    }

    // MARK: - helpers

    private func jsonPage(_ query: (String, [SQLArgument]), limit: Int?) async throws -> JSONPage {
        let (sql, args) = query
        let rows: [(id: Int64, json: String)] = try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: Self.bind(args)).map { row in (id: row[0], json: row[1]) }
        }
        let trimmed = Self.trim(rows, limit)
        return JSONPage(rows: trimmed.rows, hasMore: trimmed.hasMore)
    }

    static func trim<T>(_ rows: [T], _ limit: Int?) -> (rows: [T], hasMore: Bool) {
        guard let limit, rows.count > limit else { return (rows, false) }
        return (Array(rows.prefix(limit)), true)
    }

    private static func bind(_ args: [SQLArgument]) -> StatementArguments {
        StatementArguments(args.map { arg -> (any DatabaseValueConvertible)? in
            switch arg {
            case let .text(s): return s
            case let .integer(i): return i
            }
        })
    }

    private static func buildSummary(_ row: Row) -> BuildSummary {
        BuildSummary(id: row[0], metadataID: row[1], chalkID: row[2], artifactType: row[3], repo: row[4],
                     commit: row[5], branch: row[6], firstSeen: row[7], lastSeen: row[8],
                     mark: BuildTexts.mark(stored: row[9], sourceBody: row[10], metadataID: row[1]))
    }
}
