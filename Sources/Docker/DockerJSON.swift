import Marking

// A general JSON reader for docker's own output (`docker inspect` prints arrays; the Marking
// module's MarkParser reads marks, which are objects) and a writer for the JSON exec forms
// chalk writes into its Dockerfile step.

/// A small strict JSON parser into ChalkValue (objects keep their order, ints stay Int64).
struct DockerJSONParser {
    private let b: [UInt8]
    private var i = 0

    /// Parses one JSON document; nil when it isn't valid JSON.
    static func parse(_ text: String) -> ChalkValue? { parse(Array(text.utf8)) }

    static func parse(_ bytes: [UInt8]) -> ChalkValue? {
        var p = DockerJSONParser(b: bytes)
        guard let v = p.value(depth: 0) else { return nil }
        p.ws()
        return p.i == p.b.count ? v : nil
    }

    private init(b: [UInt8]) { self.b = b }

    private mutating func ws() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0a || b[i] == 0x0d || b[i] == 0x09 { i += 1 }
    }

    private mutating func lit(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard i + u.count <= b.count, Array(b[i..<i + u.count]) == u else { return false }
        i += u.count
        return true
    }

    private mutating func value(depth: Int) -> ChalkValue? {
        guard depth < 200 else { return nil }
        ws()
        guard i < b.count else { return nil }
        switch b[i] {
        case UInt8(ascii: "{"):
            i += 1
            var o = ChalkObject()
            ws()
            if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
            while true {
                ws()
                guard let k = string() else { return nil }
                ws()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
                i += 1
                guard let v = value(depth: depth + 1) else { return nil }
                o[k] = v
                ws()
                guard i < b.count else { return nil }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
                return nil
            }
        case UInt8(ascii: "["):
            i += 1
            var a: [ChalkValue] = []
            ws()
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
            while true {
                guard let v = value(depth: depth + 1) else { return nil }
                a.append(v)
                ws()
                guard i < b.count else { return nil }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                return nil
            }
        case UInt8(ascii: "\""):
            return string().map { .string($0) }
        case UInt8(ascii: "t"): return lit("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return lit("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return lit("null") ? .null : nil
        default: return number()
        }
    }

    private mutating func number() -> ChalkValue? {
        let start = i
        var isFloat = false
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        while i < b.count {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 { i += 1 } else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                || c == UInt8(ascii: "+") || (c == UInt8(ascii: "-") && i > start) { isFloat = true; i += 1 } else { break }
        }
        let s = String(decoding: b[start..<i], as: UTF8.self)
        guard !s.isEmpty, s != "-" else { return nil }
        if !isFloat, let n = Int64(s) { return .int(n) }
        return Double(s).map { .float($0) }
    }

    private mutating func hex4() -> UInt32? {
        guard i + 4 <= b.count, let v = UInt32(String(decoding: b[i..<i + 4], as: UTF8.self), radix: 16) else { return nil }
        i += 4
        return v
    }

    private mutating func string() -> String? {
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
        i += 1
        var out: [UInt8] = []
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
            if c == UInt8(ascii: "\\") {
                i += 1
                guard i < b.count else { return nil }
                let e = b[i]; i += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "u"):
                    guard var u = hex4() else { return nil }
                    if u >= 0xD800 && u < 0xDC00, i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") {
                        i += 2
                        guard let lo = hex4() else { return nil }
                        u = 0x10000 + ((u - 0xD800) << 10) + (lo &- 0xDC00)
                    }
                    out += Array(String(Unicode.Scalar(u).map(Character.init) ?? "\u{FFFD}").utf8)
                default: out.append(e)
                }
                continue
            }
            out.append(c); i += 1
        }
        return nil
    }
}

/// A JSON writer in Chalk's layout (`{ "K" : v }`, `[a, b]`); strings escaped as JSON requires.
enum DockerJSONWriter {
    static func write(_ v: ChalkValue) -> String {
        switch v {
        case .string(let s): return quote(s)
        case .int(let n): return String(n)
        case .float(let d): return String(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let a): return "[" + a.map(write).joined(separator: ", ") + "]"
        case .object(let o): return "{ " + o.entries.map { quote($0.key) + " : " + write($0.value) }.joined(separator: ", ") + " }"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u.value {
            case 0x22: out += "\\\""
            case 0x5c: out += "\\\\"
            case 0x0a: out += "\\n"
            case 0x0d: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0c: out += "\\f"
            case 0..<0x20:
                let h = String(u.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

/// Random bytes (temporary tag names, CHALK_RAND).
func randomBytes(_ n: Int) -> [UInt8] {
    var g = SystemRandomNumberGenerator()
    return (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
}
