import ArgumentParser
import Operations

/// `chalk version`: this build's version, implementation name and commit.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Show chalk's version, implementation and build commit.")

    func run() throws {
        print("""
            chalk version \(ChalkVersion.string)
            implementation \(ChalkVersion.implementationName)
            commit \(ChalkVersion.commit)
            platform \(BuiltinChalkTimeMetadata.platform)
            """)
    }
}
