/// The one JSON value parser of the code base. Marks (spec/mark-format.md §1.5), report-cache
/// rows, report envelopes, config `parse_json`, cloud metadata and docker output all go
/// through it; what differs between them is a `JSONParseOptions` value, not a separate parser.
///
/// Shared rules, whatever the options: JSON whitespace is SP LF CR TAB; object keys keep their
/// order and a duplicate key overwrites the earlier value in place (last value wins, as in
/// Chalk's ordered tables and Nim's `parseJson`); the escapes are `\" \\ \/ \b \f \n \r \t
/// \uXXXX` and any other escape is an error; a `\uD8xx\uDCxx` surrogate pair becomes one
/// scalar and a lone surrogate U+FFFD; decoded strings must be valid UTF-8; a number without
/// fraction or exponent is an `.int`, otherwise a `.float`, and a float that overflows to
/// infinity is refused.
public enum JSONValueParser {
    /// Why a parse failed, with the byte offset where it did.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public init(offset: Int, message: String) { self.offset = offset; self.message = message }
        public var description: String { "invalid JSON at byte \(offset): \(message)" }
    }

    /// Parses one value starting at `offset` (after optional whitespace) and stops right after
    /// it: whitespace after the value is not consumed. Returns the value and that end offset.
    public static func parseValue(_ bytes: UnsafeRawBufferPointer, at offset: Int = 0,
                                  options: JSONParseOptions) throws(Failure) -> (value: ChalkValue, end: Int) {
        var s = JSONScanner(bytes, at: offset, options: options)
        let v = try s.parseValue(depth: 0)
        return (v, s.pos)
    }

    /// Parses input that holds exactly one value, with optional whitespace around it.
    public static func parseDocument(_ bytes: UnsafeRawBufferPointer, options: JSONParseOptions) throws(Failure) -> ChalkValue {
        var s = JSONScanner(bytes, at: 0, options: options)
        let v = try s.parseValue(depth: 0)
        s.skipWhitespace()
        guard s.pos == bytes.count else { throw s.fail("trailing data after the value") }
        return v
    }

    /// `parseDocument` over an array of bytes.
    public static func parseDocument(_ bytes: [UInt8], options: JSONParseOptions) throws(Failure) -> ChalkValue {
        let r = bytes.withUnsafeBytes { buf in Result { () throws(Failure) in try parseDocument(buf, options: options) } }
        return try r.get()
    }

    /// `parseDocument` over the UTF-8 of `text`.
    public static func parseDocument(_ text: String, options: JSONParseOptions) throws(Failure) -> ChalkValue {
        var text = text
        let r = text.withUTF8 { u in
            Result { () throws(Failure) in try parseDocument(UnsafeRawBufferPointer(u), options: options) }
        }
        return try r.get()
    }

    /// True for the JSON whitespace bytes SP, LF, CR, TAB.
    @inline(__always)
    public static func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }
}

/// The deliberate differences between Chalk's tolerant mark parser and strict JSON readers.
public struct JSONParseOptions: Sendable, Equatable {
    /// Accept a `.` with no digit after it (`1.`, `1.e5`), as Chalk's mark parser does (§1.5).
    /// Standard JSON needs at least one digit after the point.
    public var allowsBareDecimalPoint: Bool
    /// Integers beyond Int64: an error for marks (Chalk's int64 parse fails); standard readers
    /// read them as floats (docker and cloud services print 64-bit unsigned sizes and IDs).
    public var oversizedIntegersAsFloats: Bool
    /// A raw NUL byte inside a string is an error (Chalk's parser sees it as end of input).
    /// Other raw control bytes are accepted by every dialect.
    public var rejectsNULInStrings: Bool
    /// Nesting deeper than this is refused, so hostile input can't exhaust the stack.
    public var maxDepth: Int

    public init(allowsBareDecimalPoint: Bool, oversizedIntegersAsFloats: Bool, rejectsNULInStrings: Bool, maxDepth: Int) {
        self.allowsBareDecimalPoint = allowsBareDecimalPoint
        self.oversizedIntegersAsFloats = oversizedIntegersAsFloats
        self.rejectsNULInStrings = rejectsNULInStrings
        self.maxDepth = maxDepth
    }

    /// Chalk's `chalkParseJson` (spec/mark-format.md §1.5).
    public static let mark = JSONParseOptions(allowsBareDecimalPoint: true, oversizedIntegersAsFloats: false,
                                              rejectsNULInStrings: true, maxDepth: 256)
    /// Standard JSON (RFC 8259 grammar) for what other programs print and for report rows.
    public static let standard = JSONParseOptions(allowsBareDecimalPoint: false, oversizedIntegersAsFloats: true,
                                                  rejectsNULInStrings: false, maxDepth: 256)

    /// These options with another depth limit.
    public func maxDepth(_ depth: Int) -> JSONParseOptions {
        var o = self
        o.maxDepth = depth
        return o
    }
}

/// The parser's cursor over the input.
struct JSONScanner {
    private let bytes: UnsafeRawBufferPointer
    private let options: JSONParseOptions
    private(set) var pos: Int

    init(_ bytes: UnsafeRawBufferPointer, at offset: Int, options: JSONParseOptions) {
        self.bytes = bytes; self.pos = offset; self.options = options
    }

    func fail(_ m: String) -> JSONValueParser.Failure { JSONValueParser.Failure(offset: pos, message: m) }

    private func peek() -> UInt8? { pos < bytes.count ? bytes[pos] : nil }

    mutating func skipWhitespace() {
        while pos < bytes.count, JSONValueParser.isWhitespace(bytes[pos]) { pos += 1 }
    }

    private mutating func expectLiteral(_ lit: StaticString) throws(JSONValueParser.Failure) {
        let n = lit.utf8CodeUnitCount
        let p = lit.utf8Start
        guard pos + n <= bytes.count else { throw fail("unexpected end of input") }
        for i in 0..<n where bytes[pos + i] != p[i] { throw fail("invalid literal") }
        pos += n
    }

    mutating func parseValue(depth: Int) throws(JSONValueParser.Failure) -> ChalkValue {
        guard depth < options.maxDepth else { throw fail("nesting too deep") }
        skipWhitespace()
        guard let c = peek(), c != 0 || !options.rejectsNULInStrings else { throw fail("unexpected end of input") }
        switch c {
        case UInt8(ascii: "{"): return .object(try parseObjectBody(depth: depth))
        case UInt8(ascii: "["): return .array(try parseArray(depth: depth))
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected character")
        }
    }

    private mutating func parseObjectBody(depth: Int) throws(JSONValueParser.Failure) -> ChalkObject {
        pos += 1  // {
        var o = ChalkObject()
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { pos += 1; return o }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw fail("expected ':'") }
            pos += 1
            let v = try parseValue(depth: depth + 1)
            o[key] = v  // a duplicate key overwrites in place (last value wins)
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "}"): pos += 1; return o
            default: throw fail("expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONValueParser.Failure) -> [ChalkValue] {
        pos += 1  // [
        var items: [ChalkValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { pos += 1; return items }
        while true {
            items.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "]"): pos += 1; return items
            default: throw fail("expected ',' or ']'")
            }
        }
    }

    private static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 48...57: UInt32(c - 48)
        case 97...102: UInt32(c - 87)
        case 65...70: UInt32(c - 55)
        default: nil
        }
    }

    /// The four hex digits at `at`, or nil.
    private func hex4(at: Int) -> UInt32? {
        guard at + 4 <= bytes.count else { return nil }
        var v: UInt32 = 0
        for i in 0..<4 {
            guard let h = JSONScanner.hexValue(bytes[at + i]) else { return nil }
            v = v << 4 | h
        }
        return v
    }

    private mutating func parseString() throws(JSONValueParser.Failure) -> String {
        let start = pos
        pos += 1  // opening quote
        // Fast path: a string without escapes (nearly every string in a mark or report) is
        // validated straight from the input, with no intermediate buffer. Anything else (an
        // escape, a NUL, the end of input) goes the byte-by-byte way below, errors included.
        var end = pos
        while end < bytes.count {
            let c = bytes[end]
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c == 0 { break }
            end += 1
        }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\""), let base = bytes.baseAddress {
            let raw = UnsafeBufferPointer(start: (base + pos).assumingMemoryBound(to: UInt8.self), count: end - pos)
            guard let s = String(validating: raw, as: UTF8.self) else {
                throw JSONValueParser.Failure(offset: start, message: "string is not valid UTF-8")
            }
            pos = end + 1
            return s
        }
        var out: [UInt8] = []
        while true {
            guard pos < bytes.count else { throw JSONValueParser.Failure(offset: start, message: "unterminated string") }
            let c = bytes[pos]
            if c == 0 && options.rejectsNULInStrings { throw fail("NUL byte inside a string") }
            if c == UInt8(ascii: "\"") { pos += 1; break }
            if c != UInt8(ascii: "\\") { out.append(c); pos += 1; continue }
            pos += 1
            guard pos < bytes.count else { throw JSONValueParser.Failure(offset: start, message: "unterminated string") }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var cp = hex4(at: pos) else {
                    throw fail(pos + 4 <= bytes.count ? "bad \\u escape" : "truncated \\u escape")
                }
                pos += 4
                // A high surrogate followed by `\uDC00-DFFF` is combined into one code point.
                // (Chalk encodes each half on its own, CESU-8 style, which a Swift String
                // cannot hold; a lone surrogate becomes U+FFFD.)
                if (0xD800...0xDBFF).contains(cp), pos + 6 <= bytes.count, bytes[pos] == 0x5C,
                   bytes[pos + 1] == UInt8(ascii: "u"), let lo = hex4(at: pos + 2), (0xDC00...0xDFFF).contains(lo) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                    pos += 6
                }
                let scalar = Unicode.Scalar(cp) ?? "\u{FFFD}"
                out.append(contentsOf: String(Character(scalar)).utf8)
            default:
                throw JSONValueParser.Failure(offset: pos - 2, message: "invalid escape")
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else {
            throw JSONValueParser.Failure(offset: start, message: "string is not valid UTF-8")
        }
        return s
    }

    private mutating func skipDigits() { while let c = peek(), (48...57).contains(c) { pos += 1 } }

    private mutating func parseNumber() throws(JSONValueParser.Failure) -> ChalkValue {
        let start = pos
        var isFloat = false
        if peek() == UInt8(ascii: "-") { pos += 1 }
        guard let d = peek(), (48...57).contains(d) else { throw fail("expected a digit") }
        if d == 48 { pos += 1 } else { skipDigits() }
        var bareDot = false
        if peek() == UInt8(ascii: ".") {
            isFloat = true; pos += 1
            if let c = peek(), (48...57).contains(c) {
                skipDigits()
            } else {
                guard options.allowsBareDecimalPoint else { throw fail("expected a digit after '.'") }
                bareDot = true
            }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            isFloat = true; pos += 1
            if let s = peek(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { pos += 1 }
            guard let c = peek(), (48...57).contains(c) else { throw fail("expected exponent digits") }
            skipDigits()
        }
        var text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
        if !isFloat {
            if let v = Int64(text) { return .int(v) }
            guard options.oversizedIntegersAsFloats else { throw JSONValueParser.Failure(offset: start, message: "integer out of range") }
        }
        // `1.` and `1.e5` (accepted in marks) are not something Double(_:) reads: make them `1.0…`.
        if bareDot { text = text.replacingOccurrencesOfBareDot() }
        guard let v = Double(text), v.isFinite else { throw JSONValueParser.Failure(offset: start, message: "number out of range") }
        return .float(v)
    }
}

extension String {
    /// `1.` → `1.0`, `1.e5` → `1.0e5`.
    fileprivate func replacingOccurrencesOfBareDot() -> String {
        var out = ""
        for ch in self {
            out.append(ch)
            if ch == "." { out.append("0") }
        }
        return out
    }
}
