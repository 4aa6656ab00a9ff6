import Marking

/// The chalk version the config's `version()` builtin reports. Keep in step with
/// `ChalkVersion.string` in the executable (the Config module cannot import it).
public enum ConfigVersion {
    public static let chalkVersion = "0.1.0"
}

/// JSON text for the config builtins (`to_json`, `parse_json`) and the config summary, through
/// Marking's shared writer and parser.
enum JSONText {
    /// Nesting limit for `parse_json`.
    static let parseOptions = JSONParseOptions.standard.maxDepth(200)

    /// `to_json`: Chalk's escapes in the `tight` layout, `{"K" : v}`.
    static func encode(_ v: ChalkValue) -> String { JSONValueWriter.string(v, style: .tight) }

    /// `parse_json`: one standard JSON value filling `text`, or nil.
    static func decode(_ text: String) -> ChalkValue? { try? JSONValueParser.parseDocument(text, options: parseOptions) }
}
