/// A JSON value as chalk marks and reports hold it. Objects keep insertion order (nested objects
/// in a mark are serialized in insertion order, §1.4 of spec/mark-format.md), and ints stay
/// ints (Int64) so that normalization and IDs are exact.
public enum ChalkValue: Sendable, Equatable, Hashable {
    case string(String)
    case int(Int64)
    case float(Double)
    case bool(Bool)
    case null
    case array([ChalkValue])
    case object(ChalkObject)

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var intValue: Int64? { if case .int(let i) = self { i } else { nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var arrayValue: [ChalkValue]? { if case .array(let a) = self { a } else { nil } }
    public var objectValue: ChalkObject? { if case .object(let o) = self { o } else { nil } }

    /// True for the values Chalk treats as "empty" and leaves out of marks and reports:
    /// empty strings, lists and dicts, and null (`setIfNeeded` in Chalk).
    public var isEmptyForMark: Bool {
        switch self {
        case .string(let s): s.isEmpty
        case .array(let a): a.isEmpty
        case .object(let o): o.isEmpty
        case .null: true
        default: false
        }
    }
}

extension ChalkValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByFloatLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: ChalkValue...) { self = .array(elements) }
    public init(floatLiteral value: Double) { self = .float(value) }
}

/// An insertion-ordered JSON object. Setting an existing key replaces its value in place
/// (the position of the first insertion is kept), as Nim's OrderedTable does.
///
/// Stored as one array of pairs: marks and report items hold a dozen or two keys, where a
/// linear scan beats hashing (and one allocation beats two). Objects past `indexThreshold`
/// keys also get a key → position index, so large objects stay O(1) per lookup.
public struct ChalkObject: Sendable, Equatable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    private var pairs: [(key: String, value: ChalkValue)] = []
    /// Position of each key in `pairs`; nil while the object is small.
    private var index: [String: Int]?

    /// Objects with more keys than this keep an index.
    static let indexThreshold = 24

    public init() {}

    public init(dictionaryLiteral elements: (String, ChalkValue)...) {
        for (k, v) in elements { self[k] = v }
    }

    public init<S: Sequence>(_ pairs: S) where S.Element == (String, ChalkValue) {
        for (k, v) in pairs { self[k] = v }
    }

    /// Keys in insertion order.
    public var keys: [String] { pairs.map(\.key) }

    public var count: Int { pairs.count }
    public var isEmpty: Bool { pairs.isEmpty }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        // Comparing lengths first skips most mismatches without a full string comparison.
        let n = key.utf8.count
        return pairs.firstIndex { $0.key.utf8.count == n && $0.key == key }
    }

    public subscript(key: String) -> ChalkValue? {
        get { position(of: key).map { pairs[$0].value } }
        set {
            if let v = newValue {
                if let i = position(of: key) {
                    pairs[i].value = v
                } else {
                    pairs.append((key, v))
                    if index != nil {
                        index![key] = pairs.count - 1
                    } else if pairs.count > Self.indexThreshold {
                        var ix = [String: Int](minimumCapacity: pairs.count * 2)
                        for (i, p) in pairs.enumerated() { ix[p.key] = i }
                        index = ix
                    }
                }
            } else if let i = position(of: key) {
                pairs.remove(at: i)
                if index != nil {
                    var ix = [String: Int](minimumCapacity: pairs.count * 2)
                    for (i, p) in pairs.enumerated() { ix[p.key] = i }
                    index = ix
                }
            }
        }
    }

    public func contains(_ key: String) -> Bool { position(of: key) != nil }

    /// Pairs in insertion order.
    public var entries: [(key: String, value: ChalkValue)] { pairs }

    public func makeIterator() -> IndexingIterator<[(key: String, value: ChalkValue)]> {
        pairs.makeIterator()
    }

    /// Sets `key` only when `value` is not empty (Chalk's `setIfNeeded`).
    public mutating func setIfNotEmpty(_ key: String, _ value: ChalkValue?) {
        guard let value, !value.isEmptyForMark else { return }
        self[key] = value
    }

    /// Adds every pair of `other`, overwriting existing keys.
    public mutating func merge(_ other: ChalkObject) {
        if isEmpty { self = other; return }
        for (k, v) in other.pairs { self[k] = v }
    }

    /// Same keys in the same order with equal values.
    public static func == (a: ChalkObject, b: ChalkObject) -> Bool {
        guard a.pairs.count == b.pairs.count else { return false }
        for i in a.pairs.indices where a.pairs[i].key != b.pairs[i].key || a.pairs[i].value != b.pairs[i].value {
            return false
        }
        return true
    }

    public func hash(into h: inout Hasher) {
        h.combine(pairs.count)
        for p in pairs { h.combine(p.key) }
        for p in pairs { h.combine(p.value) }
    }
}
