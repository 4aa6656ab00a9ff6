import Foundation
import Logging

/// The `--database` argument: `sqlite:///ABSOLUTE/PATH` or `postgres://USER[:PASS]@HOST[:PORT]/DB`.
public enum DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(Postgres)

    /// Connection settings for PostgreSQL.
    public struct Postgres: Sendable, Equatable {
        public var user: String
        public var password: String?
        public var host: String
        public var port: Int
        public var database: String
        /// `?sslmode=require` (or verify-*) asks for TLS; otherwise plain TCP (meant for loopback or
        /// a private network).
        public var requireTLS: Bool
    }

    /// The default database: a file under `~/.local/share/chalk-server/`.
    public static func defaultSQLite() -> DatabaseURL {
        let home = ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        return .sqlite(path: home + "/.local/share/chalk-server/chalk-server.sqlite")
    }

    /// Parses a `--database` value; the error says what is wrong with it.
    public init(parsing text: String) throws(ServerError) {
        if text.hasPrefix("sqlite://") {
            var path = String(text.dropFirst("sqlite://".count))
            // Extra leading slashes are ignored: sqlite:////var/x == sqlite:///var/x.
            while path.hasPrefix("//") { path.removeFirst() }
            guard path.hasPrefix("/"), path.count > 1 else {
                throw ServerError.usage("--database \(text): a sqlite URL needs an absolute path, as in sqlite:///var/lib/chalk/db.sqlite")
            }
            self = .sqlite(path: path)
            return
        }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
                throw ServerError.usage("--database \(text): expected postgres://USER@HOST:PORT/DB")
            }
            guard let user = components.user, !user.isEmpty else {
                throw ServerError.usage("--database \(text): the postgres URL names no user (postgres://USER@HOST:PORT/DB)")
            }
            let database = String(components.path.drop { $0 == "/" })
            guard !database.isEmpty else {
                throw ServerError.usage("--database \(text): the postgres URL names no database (postgres://USER@HOST:PORT/DB)")
            }
            let sslmode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
            self = .postgres(Postgres(
                user: user, password: components.password, host: host, port: components.port ?? 5432,
                database: database, requireTLS: sslmode == "require" || sslmode.hasPrefix("verify")))
            return
        }
        throw ServerError.usage("--database \(text): expected sqlite:///ABSOLUTE/PATH or postgres://USER@HOST:PORT/DB")
    }

    public var description: String {
        switch self {
        case let .sqlite(path): return "sqlite://\(path)"
        case let .postgres(p): return "postgres://\(p.user)@\(p.host):\(p.port)/\(p.database)"
        }
    }

    /// Opens the store this URL names (a PostgreSQL store still needs its `run()` to be running).
    public func openStore(logger: Logger) throws -> any ReportStore {
        switch self {
        case let .sqlite(path):
            do {
                return try SQLiteStore(path: path)
            } catch {
                throw ServerError.database("cannot open SQLite database \(path): \(error)")
            }
        case let .postgres(settings):
            return PostgresStore(settings, logger: logger)
        }
    }
}

/// Errors of the server and its commands, with a message a user can act on.
public enum ServerError: Error, CustomStringConvertible, Sendable {
    /// A bad command-line value (exit status 2).
    case usage(String)
    /// The database could not be opened, migrated or written.
    case database(String)
    /// Anything else that stops the server (bind failure, TLS files).
    case startup(String)

    public var description: String {
        switch self {
        case let .usage(m), let .database(m), let .startup(m): return m
        }
    }
}
