import ArgumentParser

struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "load", abstract: "(not implemented yet)")

    func run() throws {
        throw ValidationError("chalk load is not implemented yet")
    }
}
