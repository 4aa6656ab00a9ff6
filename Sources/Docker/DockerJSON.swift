import Marking

// Docker's own output (`docker inspect` prints arrays; MarkParser reads marks, which are
// objects) is read, and the JSON exec forms chalk writes into its Dockerfile step are written,
// through Marking's shared JSON parser and writer.

/// Strict standard JSON into ChalkValue (objects keep their order, ints stay Int64).
enum DockerJSONParser {
    /// Nesting limit for docker's output.
    static let options = JSONParseOptions.standard.maxDepth(200)

    /// Parses one JSON document; nil when it isn't valid JSON.
    static func parse(_ text: String) -> ChalkValue? { try? JSONValueParser.parseDocument(text, options: options) }

    static func parse(_ bytes: [UInt8]) -> ChalkValue? { try? JSONValueParser.parseDocument(bytes, options: options) }
}

/// JSON in Chalk's layout (`{ "K" : v }`, `[a, b]`) with Chalk's string escapes.
enum DockerJSONWriter {
    static func write(_ v: ChalkValue) -> String { JSONValueWriter.string(v, style: .chalk) }

    static func quote(_ s: String) -> String { JSONValueWriter.quote(s) }
}

/// Random bytes (temporary tag names, CHALK_RAND).
func randomBytes(_ n: Int) -> [UInt8] {
    var g = SystemRandomNumberGenerator()
    return (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
}
