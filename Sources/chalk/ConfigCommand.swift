import ArgumentParser

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "config", abstract: "(not implemented yet)")

    func run() throws {
        throw ValidationError("chalk config is not implemented yet")
    }
}
