import Logging
import PostgresNIO

/// The shared store for several instances: PostgreSQL through postgres-nio's pooled client.
/// `run()` must be running (it is a service of the server's service group) while it is used.
public final class PostgresStore: ReportStore {
    /// Arbitrary constant naming this schema's advisory lock.
    static let migrationLockKey: Int64 = 0x6368_616C_6B73_7276  // "chalksrv"

    let client: PostgresClient
    private let logger: Logger

    public init(_ url: DatabaseURL.Postgres, logger: Logger) {
        var config = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password,
            database: url.database, tls: url.requireTLS ? .require(.makeClientConfiguration()) : .disable)
        config.options.maximumConnections = 16
        client = PostgresClient(configuration: config, backgroundLogger: logger)
        self.logger = logger
    }

    /// Runs the connection pool until the surrounding task is cancelled.
    public func run() async {
        await client.run()
    }

    public func migrate() async throws {
        try await client.withConnection { conn in
            // Instances starting at once serialize on a session-level advisory lock, so no two run
            // CREATE TABLE on the same table concurrently (which can fail even with IF NOT EXISTS).
            try await conn.query("SELECT pg_advisory_lock(\(Self.migrationLockKey))", logger: logger)
            do {
                for statement in Schema.postgres {
                    try await conn.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                let rows = try await conn.query("SELECT MAX(version) FROM schema_version", logger: logger)
                var current = 0
                for try await (v) in rows.decode(Int?.self) { current = v ?? 0 }
                if current < Schema.version {
                    try await conn.query("INSERT INTO schema_version (version) VALUES (\(Schema.version))", logger: logger)
                }
            } catch {
                _ = try? await conn.query("SELECT pg_advisory_unlock(\(Self.migrationLockKey))", logger: logger)
                throw error
            }
            try await conn.query("SELECT pg_advisory_unlock(\(Self.migrationLockKey))", logger: logger)
        }
    }

    public func commit(_ batches: [IngestBatch]) async throws {
        let plan = PostgresIngestPlan(batches)
        let logger = self.logger
        try await client.withConnection { conn in
            try await conn.withTransaction(logger: logger) { tx in
                try await plan.execute(on: tx, logger: logger)
            }
        }
    }

    public func addToken(hash: String, scope: TokenScope, name: String?, created: Int64) async throws {
        try await client.query(
            "INSERT INTO tokens (hash, scope, name, created) VALUES (\(hash), \(scope.rawValue), \(name), \(created))",
            logger: logger)
    }

    public func tokenScope(hash: String) async throws -> TokenScope? {
        let rows = try await client.query("SELECT scope FROM tokens WHERE hash = \(hash)", logger: logger)
        for try await scope in rows.decode(String.self) { return TokenScope(rawValue: scope) }
        return nil
    }

    public func chalks(_ page: PageQuery) async throws -> JSONPage {
        let rows = try await run(ReadQueries.chalks(.postgres, page))
        var out: [(id: Int64, json: String)] = []
        for try await (id, metadataID, stored, body) in rows.decode((Int64, String, String?, String?).self) {
            if let record = BuildTexts.record(stored: stored, sourceBody: body, metadataID: metadataID) {
                out.append((id, record))
            }
        }
        let trimmed = SQLiteStore.trim(out, page.limit)
        return JSONPage(rows: trimmed.rows, hasMore: trimmed.hasMore)
    }

    public func chalk(metadataID: String) async throws -> String? {
        let rows = try await run(ReadQueries.chalk(.postgres, metadataID))
        for try await (stored, body) in rows.decode((String?, String?).self) {
            return BuildTexts.record(stored: stored, sourceBody: body, metadataID: metadataID)
        }
        return nil
    }

    public func reports(operation: String?, _ page: PageQuery) async throws -> JSONPage {
        try await jsonPage(ReadQueries.reports(.postgres, operation: operation, page), limit: page.limit)
    }

    public func rejects(_ page: PageQuery) async throws -> (rows: [StoredReject], hasMore: Bool) {
        let rows = try await run(ReadQueries.rejects(.postgres, page))
        var out: [StoredReject] = []
        for try await (id, received, idx, error, item) in rows.decode((Int64, Int64, Int32, String, String).self) {
            out.append(StoredReject(id: id, received: received, index: Int(idx), error: error, item: item))
        }
        return SQLiteStore.trim(out, page.limit)
    }

    public func builds(_ filter: BuildFilter, _ page: PageQuery) async throws -> (rows: [BuildSummary], hasMore: Bool) {
        let rows = try await run(ReadQueries.builds(.postgres, filter, page))
        var out: [BuildSummary] = []
        for try await row in rows { out.append(try Self.buildSummary(row)) }
        return SQLiteStore.trim(out, page.limit)
    }

    public func build(metadataID: String) async throws -> BuildSummary? {
        let rows = try await run(ReadQueries.build(.postgres, metadataID))
        for try await row in rows { return try Self.buildSummary(row) }
        return nil
    }

    public func reports(linkedTo metadataID: String) async throws -> [StoredReport] {
        let rows = try await run(ReadQueries.linkedReports(.postgres, metadataID))
        var out: [StoredReport] = []
        for try await row in rows {
            let (id, op, received, execID, host, container, pod, function, probability, body) = try row.decode(
                (Int64, String, Int64, String?, String?, String?, String?, String?, Double?, String).self)
            out.append(StoredReport(
                id: id, operation: op, received: received, execID: execID,
                place: RuntimePlace(host: host, container: container, pod: pod, function: function),
                probability: probability, json: body))
        }
        return out
    }

    public func followers(execIDs: [String]) async throws -> [ExecFollower] {
        guard !execIDs.isEmpty else { return [] }
        let rows = try await run(ReadQueries.followers(.postgres, execIDs))
        var out: [ExecFollower] = []
        for try await (id, execID, op, received) in rows.decode((Int64, String, String, Int64).self) {
            out.append(ExecFollower(id: id, execID: execID, operation: op, received: received))
        }
        return out
    }

    public func counts() async throws -> (reports: Int, builds: Int) {
        let rows = try await client.query(
            "SELECT (SELECT COUNT(*) FROM reports), (SELECT COUNT(*) FROM builds)", logger: logger)
        for try await (r, b) in rows.decode((Int64, Int64).self) { return (Int(r), Int(b)) }
        return (0, 0)
    }

    public func close() async throws {}

    // MARK: - helpers

    private func run(_ query: (String, [SQLArgument])) async throws -> PostgresRowSequence {
        var binds = PostgresBindings(capacity: query.1.count)
        for arg in query.1 {
            switch arg {
            case let .text(s): binds.append(s)
            case let .integer(i): binds.append(i)
            }
        }
        return try await client.query(PostgresQuery(unsafeSQL: query.0, binds: binds), logger: logger)
    }

    private func jsonPage(_ query: (String, [SQLArgument]), limit: Int?) async throws -> JSONPage {
        let rows = try await run(query)
        var out: [(id: Int64, json: String)] = []
        for try await (id, json) in rows.decode((Int64, String).self) { out.append((id, json)) }
        let trimmed = SQLiteStore.trim(out, limit)
        return JSONPage(rows: trimmed.rows, hasMore: trimmed.hasMore)
    }

    private static func buildSummary(_ row: PostgresRow) throws -> BuildSummary {
        let (id, metadataID, chalkID, artifactType, repo, commit, branch, firstSeen, lastSeen, mark, body) = try row.decode(
            (Int64, String, String?, String?, String?, String?, String?, Int64, Int64, String, String?).self)
        return BuildSummary(id: id, metadataID: metadataID, chalkID: chalkID, artifactType: artifactType, repo: repo,
                            commit: commit, branch: branch, firstSeen: firstSeen, lastSeen: lastSeen,
                            mark: BuildTexts.mark(stored: mark, sourceBody: body, metadataID: metadataID))
    }
}
