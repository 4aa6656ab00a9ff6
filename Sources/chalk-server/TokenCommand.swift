import ArgumentParser
import Ingest

/// `chalk-server token ...`: API token management.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage API tokens.", subcommands: [TokenCreateCommand.self])
}

/// `chalk-server token create`: prints only the new token, on one line.
struct TokenCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a token; it works at once, also on servers already running.")

    @Option(help: "The server's database URL.") var database: String?
    @Option(help: "write (may only post reports) or read (may read the API and sign in to the page).")
    var scope: String
    @Option(help: "A name to remember the token by.") var name: String?

    func run() async throws {
        let logger = makeLogger(verbose: false)
        do {
            guard let tokenScope = TokenScope(rawValue: scope) else {
                throw ServerError.usage("--scope \(scope): expected write or read")
            }
            let url = try database.map { try DatabaseURL(parsing: $0) } ?? DatabaseURL.defaultSQLite()
            let token = try await IngestServer.createToken(database: url, scope: tokenScope, name: name, logger: logger)
            print(token)
        } catch {
            throw fail(error)
        }
    }
}
