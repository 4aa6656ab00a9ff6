import ArgumentParser

/// `chalk insert [PATH...]`: mark every artifact found.
struct InsertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "insert", abstract: "Add chalk marks to artifacts.",
        discussion: """
            Searches PATHs (default: the current directory, recursively) for ELF binaries, shebang \
            scripts, ZIP/JAR/WAR/EAR archives and Python bytecode, and writes a chalk mark into each \
            (replacing an existing one). Every write is atomic and keeps the file's mode. The report is \
            appended to ~/.local/chalk/chalk.log; a summary is shown on a terminal.

            Exit status: 0 when all artifacts were marked, 1 when any failed, 2 for usage errors.
            """,
        aliases: ["inject"])

    @OptionGroup var globals: GlobalOptions

    @Option(help: "Mark template to use instead of the configured one (default mark_default).")
    var markTemplate: String?

    @Option(help: "Report template to use for this operation's report.")
    var reportTemplate: String?

    @Argument(help: "Files or directories to mark (default: the current directory).")
    var paths: [String] = []

    func run() throws {
        try MarkCommandRunner.run(.insert, name: "insert", paths: paths, globals: globals,
                                  markTemplate: markTemplate, reportTemplate: reportTemplate)
    }
}
