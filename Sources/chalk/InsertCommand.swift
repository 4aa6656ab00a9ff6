import ArgumentParser

struct InsertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "insert", abstract: "(not implemented yet)")

    func run() throws {
        throw ValidationError("chalk insert is not implemented yet")
    }
}
