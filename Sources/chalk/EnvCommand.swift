import ArgumentParser

struct EnvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "env", abstract: "(not implemented yet)")

    func run() throws {
        throw ValidationError("chalk env is not implemented yet")
    }
}
