import ArgumentParser

/// `chalk extract [PATH...]`: find marks and validate them.
struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract", abstract: "Find chalk marks in artifacts and validate them.",
        discussion: """
            Searches PATHs (default: the current directory) for marked artifacts and reports each mark \
            with _VALIDATED_METADATA: true when its CHALK_ID matches the artifact's content and its \
            METADATA_ID matches the mark (current or pre-0.4 legacy normalization, named in \
            _VALIDATED_NORMALIZATION). Unmarked artifacts are listed in _UNMARKED.

            Exit status: 0 when every mark found is valid, 1 otherwise, 2 for usage errors.
            """)

    @OptionGroup var globals: GlobalOptions

    @Option(help: "Report template to use for this operation's report.")
    var reportTemplate: String?

    @Argument(help: "Files or directories to search (default: the current directory).")
    var paths: [String] = []

    func run() throws {
        try MarkCommandRunner.run(.extract, name: "extract", paths: paths, globals: globals, reportTemplate: reportTemplate)
    }
}
