/// The database schema, one statement list per dialect. Times are microseconds since the epoch
/// (server receive time), which keeps time windows and ordering dialect-neutral.
///
/// - `reports`: every distinct report (by identity), with the fields queries filter on.
/// - `builds`: one row per METADATA_ID. Its mark (`_CHALKS` item) and reference-style `/chalks`
///   record are cut from the report named by `source_report` when read (`BuildTexts`), so no
///   report is stored twice. Version 1 stored both as text (`mark`, `chalk`); those rows keep them,
///   and version 2 writes `mark` as '' and `chalk` as NULL. `chalk_received` is non-NULL exactly
///   when the build has a `/chalks` record.
/// - `report_builds`: which reports name which builds (a repeated METADATA_ID adds a link).
///   On SQLite it and `build_images` are WITHOUT ROWID tables (one B-tree each instead of a
///   table plus its primary-key index: a page less to write per report). Databases made before
///   keep their rowid tables; the queries are the same for both.
/// - `build_images`: tags and digests a build answers to, for `?image=`.
/// - `reports_follower_exec_id`: a partial index, only on reports that are not exec reports
///   (the followers query asks for exactly those), so an exec report costs one index less.
/// - `rejects`: the quarantine. `tokens`: API tokens by SHA-256 of the secret.
enum Schema {
    /// Bumped when the statements below change; stored in `schema_version`.
    static let version = 2

    static let sqlite: [String] = [
        """
        CREATE TABLE IF NOT EXISTS reports (
          id INTEGER PRIMARY KEY,
          identity TEXT NOT NULL UNIQUE,
          operation TEXT NOT NULL,
          received INTEGER NOT NULL,
          exec_id TEXT,
          host TEXT, container TEXT, pod TEXT, function TEXT,
          probability REAL,
          body TEXT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS reports_operation ON reports(operation, id)",
        // Only followers (heartbeats, postexec: not exec reports) are looked up by _EXEC_ID, so
        // exec reports, the bulk of the traffic, stay out of this index. Version 1 indexed every
        // report's exec_id (`reports_exec_id`); it is replaced.
        "CREATE INDEX IF NOT EXISTS reports_follower_exec_id ON reports(exec_id) WHERE operation <> 'exec'",
        "DROP INDEX IF EXISTS reports_exec_id",
        """
        CREATE TABLE IF NOT EXISTS builds (
          id INTEGER PRIMARY KEY,
          metadata_id TEXT NOT NULL UNIQUE,
          chalk_id TEXT, artifact_type TEXT, repo TEXT, commit_id TEXT, branch TEXT,
          first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
          mark TEXT NOT NULL,
          chalk TEXT, chalk_received INTEGER,
          source_report INTEGER)
        """,
        "CREATE INDEX IF NOT EXISTS builds_repo ON builds(repo)",
        "CREATE INDEX IF NOT EXISTS builds_commit ON builds(commit_id)",
        """
        CREATE TABLE IF NOT EXISTS report_builds (
          metadata_id TEXT NOT NULL, report_id INTEGER NOT NULL,
          PRIMARY KEY (metadata_id, report_id)) WITHOUT ROWID
        """,
        """
        CREATE TABLE IF NOT EXISTS build_images (
          image TEXT NOT NULL, metadata_id TEXT NOT NULL,
          PRIMARY KEY (image, metadata_id)) WITHOUT ROWID
        """,
        """
        CREATE TABLE IF NOT EXISTS rejects (
          id INTEGER PRIMARY KEY, received INTEGER NOT NULL, idx INTEGER NOT NULL,
          error TEXT NOT NULL, item TEXT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS tokens (
          id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, scope TEXT NOT NULL,
          name TEXT, created INTEGER NOT NULL)
        """,
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
    ]

    static let postgres: [String] = [
        """
        CREATE TABLE IF NOT EXISTS reports (
          id BIGSERIAL PRIMARY KEY,
          identity TEXT NOT NULL UNIQUE,
          operation TEXT NOT NULL,
          received BIGINT NOT NULL,
          exec_id TEXT,
          host TEXT, container TEXT, pod TEXT, function TEXT,
          probability DOUBLE PRECISION,
          body TEXT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS reports_operation ON reports(operation, id)",
        // Only followers (heartbeats, postexec: not exec reports) are looked up by _EXEC_ID, so
        // exec reports, the bulk of the traffic, stay out of this index. Version 1 indexed every
        // report's exec_id (`reports_exec_id`); it is replaced.
        "CREATE INDEX IF NOT EXISTS reports_follower_exec_id ON reports(exec_id) WHERE operation <> 'exec'",
        "DROP INDEX IF EXISTS reports_exec_id",
        """
        CREATE TABLE IF NOT EXISTS builds (
          id BIGSERIAL PRIMARY KEY,
          metadata_id TEXT NOT NULL UNIQUE,
          chalk_id TEXT, artifact_type TEXT, repo TEXT, commit_id TEXT, branch TEXT,
          first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL,
          mark TEXT NOT NULL,
          chalk TEXT, chalk_received BIGINT,
          source_report BIGINT)
        """,
        "CREATE INDEX IF NOT EXISTS builds_repo ON builds(repo)",
        "CREATE INDEX IF NOT EXISTS builds_commit ON builds(commit_id)",
        """
        CREATE TABLE IF NOT EXISTS report_builds (
          metadata_id TEXT NOT NULL, report_id BIGINT NOT NULL,
          PRIMARY KEY (metadata_id, report_id))
        """,
        """
        CREATE TABLE IF NOT EXISTS build_images (
          image TEXT NOT NULL, metadata_id TEXT NOT NULL,
          PRIMARY KEY (image, metadata_id))
        """,
        """
        CREATE TABLE IF NOT EXISTS rejects (
          id BIGSERIAL PRIMARY KEY, received BIGINT NOT NULL, idx INTEGER NOT NULL,
          error TEXT NOT NULL, item TEXT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS tokens (
          id BIGSERIAL PRIMARY KEY, hash TEXT NOT NULL UNIQUE, scope TEXT NOT NULL,
          name TEXT, created BIGINT NOT NULL)
        """,
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
        // Version 2 (a version-1 database lacks it; new ones have it from CREATE TABLE).
        "ALTER TABLE builds ADD COLUMN IF NOT EXISTS source_report BIGINT",
    ]

    /// SQLite has no ADD COLUMN IF NOT EXISTS: these run when `table` lacks `column`.
    static let sqliteAddedColumns: [(table: String, column: String, sql: String)] = [
        ("builds", "source_report", "ALTER TABLE builds ADD COLUMN source_report INTEGER"),
    ]
}
