import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import HummingbirdTLS
import Logging
import Mustache
import NIOSSL
import PostgresNIO
import ServiceLifecycle

/// What `chalk-server serve` was asked to do.
public struct ServerOptions: Sendable {
    public var host: String
    public var port: Int
    public var database: DatabaseURL
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// Largest accepted `POST /report` body, in bytes.
    public var maxBody: Int

    public init(host: String = "127.0.0.1", port: Int = 8585, database: DatabaseURL = .defaultSQLite(),
                tlsCertificate: String? = nil, tlsKey: String? = nil, maxBody: Int = 10 << 20) {
        self.host = host
        self.port = port
        self.database = database
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
        self.maxBody = maxBody
    }

    /// Parses a size: bytes, or a number with a KiB/MiB/GiB suffix (K/M/G and KB/MB/GB mean the same).
    public static func parseSize(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isNumber }
        guard let value = Int(digits), value > 0 else { return nil }
        let multiplier: Int
        switch trimmed.dropFirst(digits.count).lowercased() {
        case "", "b": multiplier = 1
        case "k", "kb", "kib": multiplier = 1 << 10
        case "m", "mb", "mib": multiplier = 1 << 20
        case "g", "gb", "gib": multiplier = 1 << 30
        default: return nil
        }
        let (result, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : result
    }
}

/// The server: storage, API routes and page, run as services of one service group so SIGTERM
/// stops accepting connections, lets requests in flight finish, then closes the database.
public enum IngestServer {
    /// Runs until SIGTERM or SIGINT. Writes one line, `chalk-server: listening on URL`, to stdout
    /// once the socket is bound (tests and scripts wait for it; `--port 0` shows the real port).
    public static func run(_ options: ServerOptions, logger: Logger) async throws {
        let store = try options.database.openStore(logger: logger)
        let committer = GroupCommitter(store: store)
        let tokens = TokenAuthority(store: store)
        let access = AccessControl(tokens: tokens, logger: logger)

        let router = Router(context: BasicRequestContext.self)
        router.get("/health") { _, _ in HTTP.json(Array(#"{"status":"ok"}"#.utf8)) }
        let ingest = IngestRoute(committer: committer, access: access, maxBody: options.maxBody, logger: logger)
        router.post("/report") { request, _ in try await ingest.handle(request) }
        // The reference server takes PUT too (the presign flow ends in a PUT of the body).
        router.put("/report") { request, _ in try await ingest.handle(request) }
        ReadRoutes(store: store, access: access, logger: logger).register(on: router)
        let library: MustacheLibrary
        do {
            library = try PageTemplates.library()
        } catch {
            throw ServerError.startup("page templates do not compile: \(error)")
        }
        PageRoutes(store: store, access: access, library: library, logger: logger,
                   secureCookie: options.tlsCertificate != nil).register(on: router)

        let server: HTTPServerBuilder
        switch (options.tlsCertificate, options.tlsKey) {
        case let (cert?, key?):
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(cert).map { NIOSSLCertificateSource.certificate($0) }
                let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
                let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(privateKey))
                server = try .tls(.http1(), tlsConfiguration: tls)
            } catch {
                throw ServerError.startup("cannot load TLS certificate \(cert) and key \(key): \(error)")
            }
        case (nil, nil):
            server = .http1()
        default:
            throw ServerError.usage("--tls-cert and --tls-key go together")
        }

        let scheme = options.tlsCertificate == nil ? "http" : "https"
        let database = options.database.description
        var app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "chalk-server"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? options.port
                let line = "chalk-server: listening on \(scheme)://\(options.host):\(port) (database \(database))\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            },
            logger: logger)
        // Migrations finish before the socket opens, so no request sees a missing table.
        app.beforeServerStarts {
            do {
                try await store.migrate()
            } catch {
                throw ServerError.database("cannot prepare database \(database): \(error)")
            }
        }

        var services: [any Service] = []
        if let pg = store as? PostgresStore { services.append(pg.client) }
        services.append(app)
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
        logger.info("chalk-server stopped")
    }

    /// `chalk-server token create`: stores a new token's hash and returns the token.
    public static func createToken(database: DatabaseURL, scope: TokenScope, name: String?,
                                   logger: Logger) async throws -> String {
        let store = try database.openStore(logger: logger)
        if let pg = store as? PostgresStore {
            return try await withThrowingTaskGroup(of: String?.self) { group in
                group.addTask { await pg.run(); return nil }
                defer { group.cancelAll() }
                try await pg.migrate()
                return try await TokenAuthority(store: pg).create(scope: scope, name: name)
            }
        }
        do {
            try await store.migrate()
            let token = try await TokenAuthority(store: store).create(scope: scope, name: name)
            try await store.close()
            return token
        } catch {
            try? await store.close()
            throw error
        }
    }
}
