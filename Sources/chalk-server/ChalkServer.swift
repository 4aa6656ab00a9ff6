import ArgumentParser
import Foundation
import Ingest
import Logging

/// `chalk-server`: the ingest server for chalk reports (see docs/server.md).
@main
struct ChalkServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chalk-server",
        abstract: "Ingest chalk reports into a database and show which build runs where.",
        subcommands: [ServeCommand.self, TokenCommand.self])
}

/// Sets up logging to stderr (stdout carries only the "listening" line and tokens).
func makeLogger(verbose: Bool) -> Logger {
    LoggingSystem.bootstrap(StreamLogHandler.standardError)
    var logger = Logger(label: "chalk-server")
    logger.logLevel = verbose ? .debug : .info
    return logger
}

/// Maps a server error to a message on stderr and an exit status (2 for usage errors).
func fail(_ error: any Error) -> ExitCode {
    FileHandle.standardError.write(Data("chalk-server: error: \(error)\n".utf8))
    if case ServerError.usage = error { return ExitCode(2) }
    return .failure
}
