import ArgumentParser

struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dump", abstract: "(not implemented yet)")

    func run() throws {
        throw ValidationError("chalk dump is not implemented yet")
    }
}
