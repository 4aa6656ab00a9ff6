import ArgumentParser

struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "extract", abstract: "(not implemented yet)")

    func run() throws {
        throw ValidationError("chalk extract is not implemented yet")
    }
}
