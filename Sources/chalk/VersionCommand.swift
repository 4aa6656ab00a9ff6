import ArgumentParser

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "(not implemented yet)")

    func run() throws {
        throw ValidationError("chalk version is not implemented yet")
    }
}
