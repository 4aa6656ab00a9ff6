import Marking

/// Reads metadata-service responses (IMDS documents, ECS task metadata, Kubernetes manifests):
/// strict standard JSON through Marking's `JSONValueParser`. Objects keep their key order;
/// integers that fit stay ints, larger ones become floats.
enum JSONReader {
    struct ParseError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Nesting limit for service responses (they are shallow; hostile ones are refused early).
    static let options = JSONParseOptions.standard.maxDepth(200)

    static func parse(_ text: String) throws(ParseError) -> ChalkValue {
        do { return try JSONValueParser.parseDocument(text, options: options) } catch {
            throw ParseError(message: "\(error.message) at offset \(error.offset)")
        }
    }

    /// Parses or returns nil.
    static func tryParse(_ text: String) -> ChalkValue? { try? parse(text) }
}

extension ChalkValue {
    /// The member `key` of an object value (nil for other values).
    func member(_ key: String) -> ChalkValue? { objectValue?[key] }
}
