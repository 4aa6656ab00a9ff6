import ArgumentParser

struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "(not implemented yet)")

    func run() throws {
        throw ValidationError("chalk delete is not implemented yet")
    }
}
