import ArgumentParser
import ChalkLog
import Config

/// `chalk config`: prints the effective configuration (base + embedded + external).
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show the effective configuration (built-in, embedded and external configs).")

    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        do {
            let loaded = try ConfigLoader.loadSession(configOptions.request(command: "config"))
            writeStdout(loaded.summary)
        } catch {
            Log.error("\(error)")
            Log.error("Could not load configuration files. exiting.")
            throw ExitCode(1)
        }
    }
}
