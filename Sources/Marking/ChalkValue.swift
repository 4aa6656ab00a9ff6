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
public struct ChalkObject: Sendable, Equatable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var keys: [String] = []
    private var values: [String: ChalkValue] = [:]

    public init() {}

    public init(dictionaryLiteral elements: (String, ChalkValue)...) {
        for (k, v) in elements { self[k] = v }
    }

    public init<S: Sequence>(_ pairs: S) where S.Element == (String, ChalkValue) {
        for (k, v) in pairs { self[k] = v }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public subscript(key: String) -> ChalkValue? {
        get { values[key] }
        set {
            if let v = newValue {
                if values.updateValue(v, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public func contains(_ key: String) -> Bool { values[key] != nil }

    /// Pairs in insertion order.
    public var entries: [(key: String, value: ChalkValue)] { keys.map { ($0, values[$0]!) } }

    public func makeIterator() -> IndexingIterator<[(key: String, value: ChalkValue)]> {
        entries.makeIterator()
    }

    /// Sets `key` only when `value` is not empty (Chalk's `setIfNeeded`).
    public mutating func setIfNotEmpty(_ key: String, _ value: ChalkValue?) {
        guard let value, !value.isEmptyForMark else { return }
        self[key] = value
    }

    /// Adds every pair of `other`, overwriting existing keys.
    public mutating func merge(_ other: ChalkObject) {
        for (k, v) in other.entries { self[k] = v }
    }

    public static func == (a: ChalkObject, b: ChalkObject) -> Bool {
        a.keys == b.keys && a.values == b.values
    }

    public func hash(into h: inout Hasher) {
        h.combine(keys)
        for k in keys { h.combine(values[k]) }
    }
}
