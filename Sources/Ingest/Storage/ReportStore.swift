/// What one `POST /report` asks the storage to keep: its reports and its quarantined items,
/// stamped with the time the server received them.
public struct IngestBatch: Sendable {
    /// Microseconds since the Unix epoch.
    public var received: Int64
    public var reports: [PreparedReport]
    public var rejects: [RejectedItem]

    public init(received: Int64, reports: [PreparedReport], rejects: [RejectedItem]) {
        self.received = received
        self.reports = reports
        self.rejects = rejects
    }
}

/// The scope of an API token.
public enum TokenScope: String, Sendable, CaseIterable {
    /// May only post reports.
    case write
    /// May read everything, and sign in to the page.
    case read
}

/// Paging and time window of a list query. `after` is the last row id of the previous page.
public struct PageQuery: Sendable, Equatable {
    public var limit: Int?
    public var after: Int64?
    /// Received-time bounds in microseconds, inclusive.
    public var since: Int64?
    public var until: Int64?

    public init(limit: Int? = nil, after: Int64? = nil, since: Int64? = nil, until: Int64? = nil) {
        self.limit = limit
        self.after = after
        self.since = since
        self.until = until
    }
}

/// A page of stored JSON documents, each with the row id that pages continue after.
public struct JSONPage: Sendable {
    public var rows: [(id: Int64, json: String)]
    /// True when rows follow the last one returned (only with a limit).
    public var hasMore: Bool
}

/// Exact-match filters of `GET /v1/builds`.
public struct BuildFilter: Sendable, Equatable {
    public var repo: String?
    public var commit: String?
    public var branch: String?
    public var image: String?
    /// Case-insensitive substring over ids, repo, commit, branch and artifact type (the page's search).
    public var text: String?

    public init(repo: String? = nil, commit: String? = nil, branch: String? = nil, image: String? = nil,
                text: String? = nil) {
        self.repo = repo
        self.commit = commit
        self.branch = branch
        self.image = image
        self.text = text
    }
}

/// A build: one METADATA_ID, with when the server first and last got a report about it.
public struct BuildSummary: Sendable, Equatable {
    public var id: Int64
    public var metadataID: String
    public var chalkID: String?
    public var artifactType: String?
    public var repo: String?
    public var commit: String?
    public var branch: String?
    public var firstSeen: Int64
    public var lastSeen: Int64
    /// The `_CHALKS` item, canonical JSON.
    public var mark: String
}

/// A stored report as the build queries need it.
public struct StoredReport: Sendable {
    public var id: Int64
    public var operation: String
    public var received: Int64
    public var execID: String?
    public var place: RuntimePlace
    public var probability: Double?
    public var json: String
}

/// A later report of a process (heartbeat, postexec) that shares an exec report's `_EXEC_ID`.
public struct ExecFollower: Sendable {
    public var id: Int64
    public var execID: String
    public var operation: String
    public var received: Int64
}

/// A quarantined array item.
public struct StoredReject: Sendable {
    public var id: Int64
    public var received: Int64
    public var index: Int
    public var error: String
    public var item: String
}

/// The storage behind the API: SQLite for one instance, PostgreSQL for several.
/// Every method is safe to call concurrently; `commit` is called by one group committer at a time
/// per instance but may race other instances on a shared database.
public protocol ReportStore: Sendable {
    /// Creates or upgrades the schema; safe when several instances start at once.
    func migrate() async throws
    /// Stores every batch in one transaction. Reports already stored (same identity) are skipped.
    /// Returns only once the transaction is durable.
    func commit(_ batches: [IngestBatch]) async throws
    /// Adds a token by the SHA-256 (hex) of its secret.
    func addToken(hash: String, scope: TokenScope, name: String?, created: Int64) async throws
    /// The scope of the token with this hash, or nil.
    func tokenScope(hash: String) async throws -> TokenScope?

    /// Reference-shape chalk records (from insert and build reports), in arrival order.
    func chalks(_ page: PageQuery) async throws -> JSONPage
    func chalk(metadataID: String) async throws -> String?
    /// Reports in arrival order, optionally of one (lower-cased) operation.
    func reports(operation: String?, _ page: PageQuery) async throws -> JSONPage
    func rejects(_ page: PageQuery) async throws -> (rows: [StoredReject], hasMore: Bool)

    func builds(_ filter: BuildFilter, _ page: PageQuery) async throws -> (rows: [BuildSummary], hasMore: Bool)
    func build(metadataID: String) async throws -> BuildSummary?
    /// Every report linked to the build, in arrival order.
    func reports(linkedTo metadataID: String) async throws -> [StoredReport]
    /// Non-exec reports that carry one of these `_EXEC_ID`s.
    func followers(execIDs: [String]) async throws -> [ExecFollower]
    /// Row counts, for the health answer and tests.
    func counts() async throws -> (reports: Int, builds: Int)

    func close() async throws
}
