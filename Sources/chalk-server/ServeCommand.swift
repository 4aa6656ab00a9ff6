import ArgumentParser
import Ingest

/// `chalk-server serve`: runs the server until SIGTERM/SIGINT, then exits 0.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the ingest server.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8585
    @Option(help: "sqlite:///ABSOLUTE/PATH or postgres://USER@HOST:PORT/DB (default: a file under ~/.local/share/chalk-server/).")
    var database: String?
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain; serves HTTPS with --tls-key.") var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key for --tls-cert.") var tlsKey: String?
    @Option(name: .customLong("max-body"), help: "Largest POST /report body: bytes, or with a KiB/MiB suffix.")
    var maxBody = "10MiB"
    @Flag(help: "Log at debug level.") var verbose = false

    func run() async throws {
        let logger = makeLogger(verbose: verbose)
        do {
            guard let limit = ServerOptions.parseSize(maxBody) else {
                throw ServerError.usage("--max-body \(maxBody): expected bytes or a size such as 10MiB")
            }
            guard (0...65535).contains(port) else { throw ServerError.usage("--port \(port): expected 0 to 65535") }
            let url = try database.map { try DatabaseURL(parsing: $0) } ?? DatabaseURL.defaultSQLite()
            try await IngestServer.run(ServerOptions(
                host: host, port: port, database: url, tlsCertificate: tlsCert, tlsKey: tlsKey, maxBody: limit),
                logger: logger)
        } catch {
            throw fail(error)
        }
    }
}
