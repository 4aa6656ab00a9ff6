import ArgumentParser
import ChalkLog
import Config

/// `chalk dump [FILE]`: prints the config embedded in this binary (or the default one).
struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump", abstract: "Print the config embedded in this chalk binary (to stdout, or to FILE).")

    @Argument(help: "Write the config to this file instead of stdout.")
    var file: String?

    func run() throws {
        let source = SelfConfig.embeddedSource(in: SelfMark.read()) ?? ConfigLoader.defaultEmbeddedConfig
        guard let file else {
            writeStdout(source)
            return
        }
        if let problem = writeTextFile(file, source) {
            Log.error(problem)
            throw ExitCode(1)
        }
        Log.info("Embedded configuration written to \(file)")
    }
}
