/// Chalk's tolerant streaming mark parser (spec/mark-format.md §1.5). It parses one JSON value
/// starting at an offset and stops right after it, so a mark can be read out of a larger byte
/// stream whose length says nothing about the mark's.
public struct MarkParser {
    /// Why a parse failed, with the byte offset where it did.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public var description: String { "invalid mark JSON at byte \(offset): \(message)" }
    }

    /// Nesting deeper than this is refused, so hostile input can't exhaust the stack.
    public static let maxDepth = 256

    private let bytes: UnsafeRawBufferPointer
    private var pos: Int

    private init(_ bytes: UnsafeRawBufferPointer, at offset: Int) { self.bytes = bytes; self.pos = offset }

    /// Parses the object starting at `offset` (after optional whitespace). Returns it and the
    /// offset right after its closing `}`.
    public static func parseObject(_ bytes: UnsafeRawBufferPointer, at offset: Int = 0)
        throws(Failure) -> (object: ChalkObject, end: Int) {
        var p = MarkParser(bytes, at: offset)
        p.skipWhitespace()
        guard p.peek() == UInt8(ascii: "{") else { throw p.fail("expected '{'") }
        let v = try p.parseValue(depth: 0)
        guard case .object(let o) = v else { throw p.fail("expected an object") }
        return (o, p.pos)
    }

    /// `parseObject` over an array.
    public static func parseObject(_ bytes: [UInt8], at offset: Int = 0) throws(Failure) -> (object: ChalkObject, end: Int) {
        let r = bytes.withUnsafeBytes { buf in Result { () throws(Failure) in try parseObject(buf, at: offset) } }
        return try r.get()
    }

    /// `parseObject` returning the byte range from the object's `{` to right after its `}`
    /// (what codecs that splice marks need), or nil when there is no valid object there.
    public static func parseObjectRange(_ bytes: [UInt8], at offset: Int = 0) -> (object: ChalkObject, range: Range<Int>)? {
        var open = max(0, offset)
        while open < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[open]) { open += 1 }
        guard let (o, end) = try? parseObject(bytes, at: open) else { return nil }
        return (o, open..<end)
    }

    /// Parses a whole string holding exactly one object (trailing whitespace allowed).
    public static func parseWholeObject(_ bytes: [UInt8]) throws(Failure) -> ChalkObject {
        let (o, end) = try parseObject(bytes)
        var i = end
        while i < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 }
        guard i == bytes.count else { throw Failure(offset: i, message: "trailing data after the object") }
        return o
    }

    private func fail(_ m: String) -> Failure { Failure(offset: pos, message: m) }

    private func peek() -> UInt8? { pos < bytes.count ? bytes[pos] : nil }

    private mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x0A, 0x0D, 0x09: pos += 1
            default: return
            }
        }
    }

    private mutating func expectLiteral(_ lit: StaticString) throws(Failure) {
        let n = lit.utf8CodeUnitCount
        let p = lit.utf8Start
        guard pos + n <= bytes.count else { throw fail("unexpected end of input") }
        for i in 0..<n where bytes[pos + i] != p[i] { throw fail("invalid literal") }
        pos += n
    }

    private mutating func parseValue(depth: Int) throws(Failure) -> ChalkValue {
        guard depth < MarkParser.maxDepth else { throw fail("nesting too deep") }
        skipWhitespace()
        guard let c = peek(), c != 0 else { throw fail("unexpected end of input") }
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

    private mutating func parseObjectBody(depth: Int) throws(Failure) -> ChalkObject {
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

    private mutating func parseArray(depth: Int) throws(Failure) -> [ChalkValue] {
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

    private mutating func parseString() throws(Failure) -> String {
        let start = pos
        pos += 1  // opening quote
        var out: [UInt8] = []
        while true {
            guard pos < bytes.count else { throw Failure(offset: start, message: "unterminated string") }
            let c = bytes[pos]
            if c == 0 { throw fail("NUL byte inside a string") }
            if c == UInt8(ascii: "\"") { pos += 1; break }
            if c != UInt8(ascii: "\\") { out.append(c); pos += 1; continue }
            pos += 1
            guard pos < bytes.count else { throw Failure(offset: start, message: "unterminated string") }
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
                guard pos + 4 <= bytes.count else { throw fail("truncated \\u escape") }
                var cp: UInt32 = 0
                for i in 0..<4 {
                    guard let h = MarkParser.hexValue(bytes[pos + i]) else { throw fail("bad \\u escape") }
                    cp = cp << 4 | h
                }
                pos += 4
                // A high surrogate followed by `\uDC00-DFFF` is combined into one code point.
                // (Chalk encodes each half on its own, CESU-8 style, which a Swift String
                // cannot hold; a lone surrogate becomes U+FFFD. See the report's decisions.)
                if (0xD800...0xDBFF).contains(cp), pos + 6 <= bytes.count, bytes[pos] == 0x5C,
                   bytes[pos + 1] == UInt8(ascii: "u") {
                    var lo: UInt32 = 0
                    var ok = true
                    for i in 0..<4 {
                        guard let h = MarkParser.hexValue(bytes[pos + 2 + i]) else { ok = false; break }
                        lo = lo << 4 | h
                    }
                    if ok, (0xDC00...0xDFFF).contains(lo) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                        pos += 6
                    }
                }
                let scalar = Unicode.Scalar(cp) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw Failure(offset: pos - 2, message: "invalid escape")
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else {
            throw Failure(offset: start, message: "string is not valid UTF-8")
        }
        return s
    }

    private mutating func parseNumber() throws(Failure) -> ChalkValue {
        let start = pos
        var isFloat = false
        if peek() == UInt8(ascii: "-") { pos += 1 }
        guard let d = peek(), (48...57).contains(d) else { throw fail("expected a digit") }
        if d == 48 { pos += 1 } else { while let c = peek(), (48...57).contains(c) { pos += 1 } }
        if peek() == UInt8(ascii: ".") {
            // Chalk accepts a bare '.' with no digits after it.
            isFloat = true; pos += 1
            while let c = peek(), (48...57).contains(c) { pos += 1 }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            isFloat = true; pos += 1
            if let s = peek(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { pos += 1 }
            guard let c = peek(), (48...57).contains(c) else { throw fail("expected exponent digits") }
            while let c = peek(), (48...57).contains(c) { pos += 1 }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
        if isFloat {
            let t = text.hasSuffix(".") ? text + "0" : text.replacingDotE()
            guard let v = Double(t), v.isFinite else { throw Failure(offset: start, message: "number out of range") }
            return .float(v)
        }
        guard let v = Int64(text) else { throw Failure(offset: start, message: "integer out of range") }
        return .int(v)
    }
}

extension String {
    /// `1.e5` (accepted by Chalk) is not something Double(_:) reads: make it `1.0e5`.
    fileprivate func replacingDotE() -> String {
        var out = ""
        var prev: Character = " "
        for ch in self {
            if (ch == "e" || ch == "E") && prev == "." { out.append("0") }
            out.append(ch); prev = ch
        }
        return out
    }
}
