import Marking

/// Reads back what Reporting wrote: report-cache rows and report envelopes (for the
/// `pretty_json` filter). Strict standard JSON through Marking's `JSONValueParser`
/// (`.standard` options): objects keep their key order, numbers without a fraction or
/// exponent become ints.
public struct ReportJSONParser {
    /// A parse failure at a byte offset.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public var description: String { "invalid JSON at byte \(offset): \(message)" }
    }

    /// Parses one JSON value that must fill `text` (surrounding whitespace allowed).
    public static func parse(_ text: String) throws(ParseError) -> ChalkValue {
        do { return try JSONValueParser.parseDocument(text, options: .standard) } catch {
            throw ParseError(offset: error.offset, message: error.message)
        }
    }
}
