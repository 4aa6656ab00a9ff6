/// A build's mark (its `_CHALKS` item) and reference-style `/chalks` record, as the read queries
/// return them. Builds made before schema version 2 carry both as text; newer builds only name
/// the report they come from (`source_report`), and both are cut from that report's stored
/// canonical text here, exactly as ingest used to cut them (`PreparedReport(withTexts:)`), so
/// each report is written to the database once.
enum BuildTexts {
    /// The mark of build `metadataID`: the stored text when there is one, else the item in the
    /// source report (`{}` if that report is missing, which only a hand-edited database has).
    static func mark(stored: String?, sourceBody: String?, metadataID: String) -> String {
        if let stored, !stored.isEmpty { return stored }
        return derive(sourceBody, metadataID)?.mark ?? "{}"
    }

    /// The `/chalks` record of build `metadataID`: the stored text when there is one, else the
    /// item merged with its source report's other keys.
    static func record(stored: String?, sourceBody: String?, metadataID: String) -> String? {
        if let stored { return stored }
        return derive(sourceBody, metadataID)?.chalkRecord
    }

    private static func derive(_ body: String?, _ metadataID: String) -> BuildLink? {
        guard let body, let tape = try? JSONParser.tape(Array(body.utf8)),
              let report = try? PreparedReport(tape: tape, at: JSONTape.root, withTexts: true)
        else { return nil }
        return report.builds.first { $0.metadataID == metadataID }
    }
}
