import Marking

/// Serializes report values the way Chalk writes reports (spec/config.md §7.1, the escapes of
/// spec/mark-format.md §1.4) through Marking's `JSONValueWriter`: objects as
/// `{ "K" : v, "K2" : v2 }` (insertion order, no mark key sorting), lists as `[a, b]`, one
/// line, UTF-8 passed through unescaped, non-finite floats as `null`. `pretty` gives the
/// 2-space indented form the terminal summary uses.
public enum ReportJSON {
    /// One report envelope: `[ {…}, {…} ]` plus a newline, as file sinks store it (one per line).
    public static func envelope(_ reports: [ChalkObject]) -> String {
        envelope(objectTexts: reports.map { compact(.object($0)) })
    }

    /// An envelope around already serialized report objects.
    public static func envelope(objectTexts: [String]) -> String {
        objectTexts.isEmpty ? "[]\n" : "[ " + objectTexts.joined(separator: ", ") + " ]\n"
    }

    /// The single-line form of a value.
    public static func compact(_ value: ChalkValue) -> String { JSONValueWriter.string(value, style: .chalk) }

    /// The indented (2 spaces) form of a value, no trailing newline.
    public static func pretty(_ value: ChalkValue) -> String { JSONValueWriter.string(value, style: .pretty) }

    /// Appends `s` as a JSON string literal with Nim's `escapeJson` rules.
    public static func writeString(_ s: String, into out: inout String) { out += JSONValueWriter.quote(s) }

    /// `writeString` as a value.
    public static func quote(_ s: String) -> String { JSONValueWriter.quote(s) }
}
