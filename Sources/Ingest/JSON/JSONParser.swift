import Glibc

/// Why a body is not JSON: a message and the byte offset where parsing stopped.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

/// A strict RFC 8259 parser over UTF-8 bytes. It rejects duplicate object keys (a canonical form
/// can't represent them), lone surrogates, invalid UTF-8, control characters in strings and
/// trailing data, and bounds nesting so hostile input can't exhaust the stack.
///
/// It parses into a `JSONTape` (a flat node list over the source bytes, no per-value
/// allocation); `parse` then builds a `JSONValue` tree for callers that want one. The ingest path
/// works on the tape directly.
public enum JSONParser {
    public static let maxDepth = 512

    /// Parses one JSON document (surrounding whitespace allowed).
    public static func parse<Bytes: Collection>(_ input: Bytes) throws(JSONParseError) -> JSONValue
    where Bytes.Element == UInt8 {
        let t = try tape(Array(input))
        return t.value(0)
    }

    /// Parses a JSON document given as a string.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// Parses one JSON document into a tape; node 0 is the document's root.
    public static func tape(_ bytes: [UInt8]) throws(JSONParseError) -> JSONTape {
        let result: Result<JSONTape, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            var builder = TapeBuilder(buffer)
            do throws(JSONParseError) {
                // Strings are copied (or decoded from escapes, which are ASCII) out of the source,
                // so one check of the whole body covers every string.
                if let bad = UTF8Check.firstInvalid(buffer) {
                    throw JSONParseError(message: "invalid UTF-8 in a string", offset: bad)
                }
                builder.skipWhitespace()
                try builder.parseValue()
                builder.skipWhitespace()
                if builder.pos != buffer.count { throw builder.error("unexpected data after the JSON value") }
                return .success(JSONTape(source: bytes, nodes: builder.nodes, decoded: builder.decoded,
                                         order: builder.order))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// Builds a `JSONTape` by recursive descent.
private struct TapeBuilder {
    let bytes: UnsafeBufferPointer<UInt8>
    var pos = 0
    var depth = 0
    var nodes: [JSONTape.Node] = []
    var decoded: [UInt8] = []
    var order: [Int] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        nodes.reserveCapacity(bytes.count / 12 + 4)
    }

    func error(_ message: String) -> JSONParseError { JSONParseError(message: message, offset: pos) }

    mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    private mutating func leaf(_ kind: JSONTape.Kind, _ start: Int, _ end: Int, escaped: Bool = false) {
        nodes.append(JSONTape.Node(kind: kind, escaped: escaped, start: start, end: end,
                                   next: nodes.count + 1, count: 0, order: 0))
    }

    mutating func parseValue() throws(JSONParseError) {
        guard pos < bytes.count else { throw error("unexpected end of input") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): try parseObject()
        case UInt8(ascii: "["): try parseArray()
        case UInt8(ascii: "\""): try parseString()
        case UInt8(ascii: "t"): try expectLiteral("true"); leaf(.boolTrue, pos - 4, pos)
        case UInt8(ascii: "f"): try expectLiteral("false"); leaf(.boolFalse, pos - 5, pos)
        case UInt8(ascii: "n"): try expectLiteral("null"); leaf(.null, pos - 4, pos)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try parseNumber()
        default: throw error("unexpected character")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard pos + count <= bytes.count else { throw error("unexpected end of input") }
        let start = literal.utf8Start
        for i in 0..<count where bytes[pos + i] != start[i] { throw error("invalid literal") }
        pos += count
    }

    private mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > JSONParser.maxDepth { throw error("nesting deeper than \(JSONParser.maxDepth)") }
    }

    private mutating func parseObject() throws(JSONParseError) {
        try enter()
        let me = nodes.count
        leaf(.object, pos, pos)
        pos += 1
        var keys: [Int] = []
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") {
            pos += 1
        } else {
            while true {
                skipWhitespace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw error("expected a string key") }
                keys.append(nodes.count)
                try parseString()
                skipWhitespace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw error("expected ':'") }
                pos += 1
                skipWhitespace()
                try parseValue()
                skipWhitespace()
                guard pos < bytes.count else { throw error("unexpected end of input in an object") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "}") { pos += 1; break }
                throw error("expected ',' or '}'")
            }
        }
        // The canonical form needs the members in key order; sorting here also finds duplicates
        // (they end up side by side).
        if keys.count > 1 {
            let view = KeyView(bytes: bytes, nodes: nodes, decoded: decoded)
            keys.sort { view.compare($0, $1) < 0 }
            for i in 1..<keys.count where view.compare(keys[i - 1], keys[i]) == 0 {
                throw error("duplicate key \"\(view.string(keys[i]))\"")
            }
        }
        nodes[me].end = pos
        nodes[me].next = nodes.count
        nodes[me].count = keys.count
        nodes[me].order = order.count
        order.append(contentsOf: keys)
        depth -= 1
    }

    private mutating func parseArray() throws(JSONParseError) {
        try enter()
        let me = nodes.count
        leaf(.array, pos, pos)
        pos += 1
        var count = 0
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") {
            pos += 1
        } else {
            while true {
                skipWhitespace()
                try parseValue()
                count += 1
                skipWhitespace()
                guard pos < bytes.count else { throw error("unexpected end of input in an array") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "]") { pos += 1; break }
                throw error("expected ',' or ']'")
            }
        }
        nodes[me].end = pos
        nodes[me].next = nodes.count
        nodes[me].count = count
        depth -= 1
    }

    private mutating func parseNumber() throws(JSONParseError) {
        let start = pos
        if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < bytes.count else { throw error("truncated number") }
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
        } else if isDigit(bytes[pos]) {
            while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
        } else {
            throw error("invalid number")
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            guard pos < bytes.count, isDigit(bytes[pos]) else { throw error("invalid fraction") }
            while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            pos += 1
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < bytes.count, isDigit(bytes[pos]) else { throw error("invalid exponent") }
            while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
        }
        leaf(.number, start, pos)
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    /// A string's content stays in the source when it has no escapes (then its bytes are already
    /// canonical: no quote, backslash or control character); otherwise it is decoded into `decoded`.
    private mutating func parseString() throws(JSONParseError) {
        pos += 1  // opening quote
        let start = pos
        // Most of a report is string content: skip eight bytes at a time while none of them is a
        // quote, a backslash or a control character (the loop below looks at the rest).
        if let base = bytes.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            while pos + 8 <= bytes.count {
                let w = UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self)
                let quote = w ^ (ones &* 0x22)
                let backslash = w ^ (ones &* 0x5C)
                // Per byte: zero in `quote`/`backslash`, or below 0x20 in `w` (exact as a whole).
                let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((w &- ones &* 0x20) & ~w)
                if special & highs != 0 { break }
                pos += 8
            }
        }
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                leaf(.string, start, pos)
                pos += 1
                return
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw error("control character in a string") }
            pos += 1
        }
        let decodedStart = decoded.count
        decoded.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<pos]))
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                leaf(.string, decodedStart, decoded.count, escaped: true)
                pos += 1
                return
            }
            if b < 0x20 { throw error("control character in a string") }
            if b != UInt8(ascii: "\\") { decoded.append(b); pos += 1; continue }
            pos += 1
            guard pos < bytes.count else { break }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): decoded.append(0x22)
            case UInt8(ascii: "\\"): decoded.append(0x5C)
            case UInt8(ascii: "/"): decoded.append(0x2F)
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u")
                    else { throw error("lone high surrogate") }
                    pos += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid low surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw error("lone low surrogate")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                for unit in UTF8.encode(unicode)! { decoded.append(unit) }
            default:
                throw error("invalid escape")
            }
        }
        throw error("unterminated string")
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[pos]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            pos += 1
        }
        return value
    }
}

/// Compares string nodes by their content bytes while the tape is being built.
private struct KeyView {
    let bytes: UnsafeBufferPointer<UInt8>
    let nodes: [JSONTape.Node]
    let decoded: [UInt8]

    func compare(_ a: Int, _ b: Int) -> Int {
        let na = nodes[a], nb = nodes[b]
        if !na.escaped && !nb.escaped {
            return JSONTape.compareBytes(bytes.baseAddress! + na.start, na.end - na.start,
                                         bytes.baseAddress! + nb.start, nb.end - nb.start)
        }
        return decoded.withUnsafeBufferPointer { d in
            let pa = na.escaped ? d.baseAddress! + na.start : bytes.baseAddress! + na.start
            let pb = nb.escaped ? d.baseAddress! + nb.start : bytes.baseAddress! + nb.start
            return JSONTape.compareBytes(pa, na.end - na.start, pb, nb.end - nb.start)
        }
    }

    func string(_ i: Int) -> String {
        let n = nodes[i]
        if n.escaped { return String(decoding: decoded[n.start..<n.end], as: UTF8.self) }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[n.start..<n.end]), as: UTF8.self)
    }
}

/// Strict UTF-8 validation (RFC 3629: no overlong forms, surrogates or code points past U+10FFFF).
enum UTF8Check {
    /// The offset of the first byte that starts an invalid sequence, or nil when all is valid.
    static func firstInvalid(_ p: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        let n = p.count
        guard let base = p.baseAddress else { return nil }
        while i < n {
            // Reports are nearly all ASCII: skip eight bytes at a time while no high bit is set.
            while i + 8 <= n, UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
            }
            guard i < n else { break }
            let b = p[i]
            if b < 0x80 { i += 1; continue }
            if b < 0xC2 { return i }
            if b < 0xE0 {
                guard i + 1 < n, p[i + 1] & 0xC0 == 0x80 else { return i }
                i += 2
                continue
            }
            if b < 0xF0 {
                guard i + 2 < n, p[i + 1] & 0xC0 == 0x80, p[i + 2] & 0xC0 == 0x80 else { return i }
                if b == 0xE0 && p[i + 1] < 0xA0 { return i }  // overlong
                if b == 0xED && p[i + 1] >= 0xA0 { return i }  // UTF-16 surrogate
                i += 3
                continue
            }
            if b < 0xF5 {
                guard i + 3 < n, p[i + 1] & 0xC0 == 0x80, p[i + 2] & 0xC0 == 0x80, p[i + 3] & 0xC0 == 0x80
                else { return i }
                if b == 0xF0 && p[i + 1] < 0x90 { return i }  // overlong
                if b == 0xF4 && p[i + 1] >= 0x90 { return i }  // past U+10FFFF
                i += 4
                continue
            }
            return i
        }
        return nil
    }
}
