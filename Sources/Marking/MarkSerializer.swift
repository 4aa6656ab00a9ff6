/// Serializes chalk marks (and report objects) exactly as Chalk writes them
/// (spec/mark-format.md §1.3, §1.4): `{ "K" : V, "K2" : V2 }` on one line, Nim `escapeJson`
/// escapes, arrays as `[a, b]`, nested objects in insertion order.
public enum MarkSerializer {
    /// The sort position of a key; supply `ChalkConfig.order(of:)` or use `defaultOrder`.
    public typealias KeyOrder = (String) -> Int64

    /// Chalk's built-in `normalized_order` values for mark keys (§1.3); everything else 2^62.
    public static func defaultOrder(_ key: String) -> Int64 {
        switch key {
        case "MAGIC": 0
        case "CHALK_ID": 1
        case "CHALK_VERSION": 2
        case "TIMESTAMP_WHEN_CHALKED": 3
        case "DATE_CHALKED": 4
        case "TIME_CHALKED": 5
        case "TZ_OFFSET_WHEN_CHALKED": 6
        case "DATETIME_WHEN_CHALKED": 7
        case "ERR_INFO", "_ERR_INFO": Int64.max - 500
        case "SIGNING": Int64.max - 400
        case "METADATA_HASH": Int64.max - 300
        case "METADATA_ID": Int64.max - 200
        case "_OP_CHALK_COUNT": Int64.max - 100
        case "_OP_UNMARKED_COUNT": Int64.max - 90
        case "SIGNATURE": Int64.max
        default: 1 << 62
        }
    }

    /// The top-level keys of `object` in Chalk's `orderKeys` order:
    /// (order, key without a leading `@`, full key), byte-wise.
    public static func orderedKeys(_ object: ChalkObject, order: KeyOrder = defaultOrder) -> [String] {
        let decorated = object.keys.map { key -> (Int64, [UInt8], [UInt8], String) in
            let full = Array(key.utf8)
            let name = full.first == UInt8(ascii: "@") ? Array(full.dropFirst()) : full
            return (order(key), name, full, key)
        }
        return decorated.sorted { a, b in
            if a.0 != b.0 { return a.0 < b.0 }
            if a.1 != b.1 { return a.1.lexicographicallyPrecedes(b.1) }
            return a.2.lexicographicallyPrecedes(b.2)
        }.map(\.3)
    }

    /// The mark bytes of `object`, top-level keys sorted by `order`.
    public static func serialize(_ object: ChalkObject, order: KeyOrder = defaultOrder) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        appendObject(object, keys: orderedKeys(object, order: order), to: &out)
        return out
    }

    /// `serialize` as a String.
    public static func serializeString(_ object: ChalkObject, order: KeyOrder = defaultOrder) -> String {
        String(decoding: serialize(object, order: order), as: UTF8.self)
    }

    /// Appends one value (nested objects keep insertion order).
    public static func appendValue(_ value: ChalkValue, to out: inout [UInt8]) {
        switch value {
        case .string(let s): appendString(s, to: &out)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .float(let d): out.append(contentsOf: formatFloat(d).utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .null: out.append(contentsOf: "null".utf8)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(contentsOf: ", ".utf8) }
                appendValue(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o): appendObject(o, keys: o.keys, to: &out)
        }
    }

    static func appendObject(_ o: ChalkObject, keys: [String], to out: inout [UInt8]) {
        out.append(contentsOf: "{ ".utf8)
        for (i, k) in keys.enumerated() {
            if i > 0 { out.append(contentsOf: ", ".utf8) }
            appendString(k, to: &out)
            out.append(contentsOf: " : ".utf8)
            appendValue(o[k] ?? .null, to: &out)
        }
        out.append(contentsOf: " }".utf8)
    }

    private static let upperHex = Array("0123456789ABCDEF".utf8)

    /// Appends `s` as a JSON string with Nim's `escapeJson` rules (§1.4): only `"`, `\` and
    /// control bytes are escaped; `/`, DEL and UTF-8 go out raw; `\u00XX` uses uppercase hex.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            // Nim writes VT with a lowercase hex digit, the other control bytes uppercase (§1.4).
            case 0x0B: out.append(contentsOf: "\\u000b".utf8)
            case 0x00...0x1F:
                out.append(contentsOf: "\\u00".utf8)
                out.append(upperHex[Int(b >> 4)]); out.append(upperHex[Int(b & 0xF)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Floats as Nim's `$` writes them for ordinary values (`1.5`, `2.0`, `1e+20`); rare in marks.
    static func formatFloat(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        return d.description
    }
}
