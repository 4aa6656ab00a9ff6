import Marking

// INTERIM (docker engineer): a minimal JSON reader/writer, the mark serializer (spec/mark-format.md
// §1.3-§1.4), the binary normalization for METADATA_ID (§2.3) and base32v/idFormat (§2.1).
// LEAD: replace with the Marking module's serializer, parser and ID functions when they land;
// every caller goes through `DockerWiring` (Wiring.swift), so only that file needs rewiring.

/// A small strict JSON parser into ChalkValue (objects keep their order, ints stay Int64).
struct InterimJSONParser {
    private let b: [UInt8]
    private var i = 0

    /// Parses one JSON document; nil when it isn't valid JSON.
    static func parse(_ text: String) -> ChalkValue? { parse(Array(text.utf8)) }

    static func parse(_ bytes: [UInt8]) -> ChalkValue? {
        var p = InterimJSONParser(b: bytes)
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

/// Chalk's JSON writer (spec/mark-format.md §1.4): `{ "K" : v, ... }`, `[a, b]`, Nim escapes.
enum InterimJSONWriter {
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

/// Mark key order (§1.3) and METADATA_ID (§2.3), base32v IDs (§2.1).
enum InterimMark {
    static let topOrder: [String: Int64] = [
        "MAGIC": 0, "CHALK_ID": 1, "CHALK_VERSION": 2, "TIMESTAMP_WHEN_CHALKED": 3, "DATE_CHALKED": 4,
        "TIME_CHALKED": 5, "TZ_OFFSET_WHEN_CHALKED": 6, "DATETIME_WHEN_CHALKED": 7,
        "ERR_INFO": Int64.max - 500, "SIGNING": Int64.max - 400, "METADATA_HASH": Int64.max - 300,
        "METADATA_ID": Int64.max - 200, "SIGNATURE": Int64.max,
    ]

    static func ordered(_ o: ChalkObject) -> ChalkObject {
        let keys = o.keys.sorted { a, b in
            let oa = topOrder[a] ?? (1 << 62), ob = topOrder[b] ?? (1 << 62)
            return oa != ob ? oa < ob : Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
        }
        return ChalkObject(keys.map { ($0, o[$0]!) })
    }

    /// The mark's bytes, keys in mark order.
    static func serialize(_ mark: ChalkObject) -> String { InterimJSONWriter.write(.object(ordered(mark))) }

    static let ignoredWhenNormalizing: Set<String> = ["MAGIC", "METADATA_HASH", "METADATA_ID", "SIGNING", "SIGNATURE", "EMBEDDED_CHALK"]

    /// Current-format binary normalization of a whole mark.
    static func normalize(_ mark: ChalkObject) -> [UInt8] {
        var out: [UInt8] = []
        let kept = mark.entries.filter { !ignoredWhenNormalizing.contains($0.key) }
        encodeObject(kept, into: &out)
        return out
    }

    private static func u32(_ n: Int, _ out: inout [UInt8]) { for s in 0..<4 { out.append(UInt8((UInt32(n) >> (8 * s)) & 0xff)) } }

    private static func encodeObject(_ pairs: [(key: String, value: ChalkValue)], into out: inout [UInt8]) {
        out.append(5); u32(pairs.count, &out)
        for (k, v) in pairs.sorted(by: { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }) {
            encode(.string(k), into: &out); encode(v, into: &out)
        }
    }

    private static func encode(_ v: ChalkValue, into out: inout [UInt8]) {
        switch v {
        case .string(let s): out.append(1); u32(s.utf8.count, &out); out += Array(s.utf8)
        case .int(let n): out.append(2); let u = UInt64(bitPattern: n); for s in 0..<8 { out.append(UInt8((u >> (8 * UInt64(s))) & 0xff)) }
        case .bool(let b): out += [3, b ? 1 : 0]
        case .array(let a): out.append(4); u32(a.count, &out); for x in a { encode(x, into: &out) }
        case .object(let o): encodeObject(o.entries, into: &out)
        case .float: out.append(6)
        case .null: out.append(7)
        }
    }

    static func metadataID(_ mark: ChalkObject) -> String { idFormat(SHA256.digest(normalize(mark))) }

    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    static func base32v(_ raw: [UInt8]) -> String {
        var out: [UInt8] = []
        var acc: UInt32 = 0, bits = 0
        for byte in raw {
            acc = (acc << 8) | UInt32(byte); bits += 8
            while bits >= 5 { bits -= 5; out.append(alphabet[Int((acc >> UInt32(bits)) & 31)]) }
        }
        if bits > 0 { out.append(alphabet[Int((acc << UInt32(5 - bits)) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// `idFormat`: base32v, first 20 characters as 6-4-4-6.
    static func idFormat(_ raw: [UInt8]) -> String {
        let s = Array(base32v(raw).utf8)
        func part(_ a: Int, _ b: Int) -> String { String(decoding: s[a..<b], as: UTF8.self) }
        return part(0, 6) + "-" + part(6, 10) + "-" + part(10, 14) + "-" + part(14, 20)
    }

    static func randomBytes(_ n: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: n)
        var g = SystemRandomNumberGenerator()
        for i in 0..<n { out[i] = UInt8.random(in: 0...255, using: &g) }
        return out
    }
}
