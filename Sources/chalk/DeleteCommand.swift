import ArgumentParser

/// `chalk delete [PATH...]`: remove marks.
struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Remove chalk marks from artifacts.",
        discussion: """
            Searches PATHs (default: the current directory) and removes each mark found: scripts and \
            Python bytecode get their exact original bytes back. Writes are atomic and keep the file's \
            mode. --virtual has no effect here (as in Chalk).

            Exit status: 0 on success, 1 when any artifact failed, 2 for usage errors.
            """)

    @OptionGroup var globals: GlobalOptions

    @Option(help: "Report template to use for this operation's report.")
    var reportTemplate: String?

    @Argument(help: "Files or directories to unmark (default: the current directory).")
    var paths: [String] = []

    func run() throws {
        try MarkCommandRunner.run(.delete, name: "delete", paths: paths, globals: globals, reportTemplate: reportTemplate)
    }
}
