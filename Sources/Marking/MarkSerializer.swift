/// Serializes chalk marks exactly as Chalk writes them (spec/mark-format.md §1.3, §1.4):
/// top-level keys sorted by Chalk's key order, then `JSONValueWriter` in the `.mark` style
/// (`{ "K" : V, "K2" : V2 }` on one line, Nim `escapeJson` escapes, arrays as `[a, b]`,
/// nested objects in insertion order).
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
        orderedEntries(object, order: order).map(\.key)
    }

    /// The pairs of `object` in `orderedKeys` order.
    static func orderedEntries(_ object: ChalkObject, order: KeyOrder) -> [(key: String, value: ChalkValue)] {
        // Decorate once (the order closure may do dictionary look-ups), compare without
        // allocating: this runs for every mark and every report item.
        // Positions are sorted rather than the pairs themselves, so the sort moves integers
        // instead of retaining and releasing strings and values.
        let entries = object.entries
        let orders = entries.map { order($0.key) }
        var positions = Array(entries.indices)
        positions.sort { a, b in
            if orders[a] != orders[b] { return orders[a] < orders[b] }
            let ka = entries[a].key, kb = entries[b].key
            let c = compareBytes(ka, kb, dropLeadingAt: true)
            return c != 0 ? c < 0 : compareBytes(ka, kb, dropLeadingAt: false) < 0
        }
        return positions.map { entries[$0] }
    }

    /// Byte-wise three-way comparison of the UTF-8 of `a` and `b` (optionally each without
    /// one leading `@`).
    static func compareBytes(_ a: String, _ b: String, dropLeadingAt: Bool) -> Int {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                var i = dropLeadingAt && x.first == UInt8(ascii: "@") ? 1 : 0
                var j = dropLeadingAt && y.first == UInt8(ascii: "@") ? 1 : 0
                while i < x.count && j < y.count {
                    if x[i] != y[j] { return x[i] < y[j] ? -1 : 1 }
                    i += 1; j += 1
                }
                return (x.count - i) - (y.count - j)
            }
        }
    }

    /// The mark bytes of `object`, top-level keys sorted by `order`.
    public static func serialize(_ object: ChalkObject, order: KeyOrder = defaultOrder) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        appendEntries(orderedEntries(object, order: order), to: &out)
        return out
    }

    /// `serialize` as a String.
    public static func serializeString(_ object: ChalkObject, order: KeyOrder = defaultOrder) -> String {
        String(decoding: serialize(object, order: order), as: UTF8.self)
    }

    /// Appends one value (nested objects keep insertion order).
    public static func appendValue(_ value: ChalkValue, to out: inout [UInt8]) {
        JSONValueWriter.append(value, style: .mark, to: &out)
    }

    static func appendEntries(_ entries: [(key: String, value: ChalkValue)], to out: inout [UInt8]) {
        JSONValueWriter.appendObject(entries, style: .mark, to: &out)
    }

    /// Appends `s` as a JSON string with Nim's `escapeJson` rules (§1.4).
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        JSONValueWriter.appendString(s, to: &out)
    }
}
