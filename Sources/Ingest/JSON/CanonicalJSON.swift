import CCrypto

/// The canonical JSON text of a value: object keys sorted by Unicode code point (UTF-8 byte
/// order), no whitespace, strings with only the escapes JSON requires, numbers as written.
/// A report's identity is the SHA-256 of this text, so the same report sent again (by a retry or
/// from chalk's report cache, with any key order or spacing) maps to the same identity.
public enum CanonicalJSON {
    /// The canonical UTF-8 bytes of `value`.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter()
        writer.append(value)
        return writer.bytes
    }

    /// The canonical text of `value`.
    public static func text(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    /// Lower-case hex SHA-256 of the canonical text.
    public static func identity(_ value: JSONValue) -> String {
        sha256Hex(bytes(value))
    }
}

/// Lower-case hex SHA-256 of some bytes (libcrypto through the project's CCrypto shim).
public func sha256Hex<Bytes: Collection>(_ data: Bytes) -> String where Bytes.Element == UInt8 {
    var digest = [UInt8](repeating: 0, count: 32)
    let array = Array(data)
    array.withUnsafeBytes { raw in
        digest.withUnsafeMutableBufferPointer { out in
            _ = chalk_sha256(raw.baseAddress, raw.count, out.baseAddress!)
        }
    }
    return hexString(digest)
}

/// Lower-case hex of some bytes.
public func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// Appends JSON text to a byte buffer: canonical values, and the pieces of hand-built responses.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    /// Appends `value` in canonical form.
    public mutating func append(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case let .bool(b): raw(b ? "true" : "false")
        case let .number(n): raw(n)
        case let .string(s): string(s)
        case let .array(items):
            bytes.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                append(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case let .object(members):
            bytes.append(UInt8(ascii: "{"))
            // Byte-wise comparison of UTF-8 equals code point order.
            let sorted = members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (i, member) in sorted.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                string(member.key)
                bytes.append(UInt8(ascii: ":"))
                append(member.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Appends text that is already JSON.
    public mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// Appends bytes that are already JSON.
    public mutating func raw(bytes more: [UInt8]) { bytes.append(contentsOf: more) }

    /// Appends a JSON string literal with the minimal escapes.
    public mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        // Fast path (most strings): nothing to escape, so copy the UTF-8 in one go.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            bytes.append(contentsOf: s.utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for b in s.utf8 {
            switch b {
            case 0x22: bytes.append(0x5C); bytes.append(0x22)
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0x00..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                raw("\\u00")
                bytes.append(digits[Int(b >> 4)])
                bytes.append(digits[Int(b & 0x0F)])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends a string, or `null` when nil.
    public mutating func optionalString(_ s: String?) {
        if let s { string(s) } else { raw("null") }
    }

    /// Appends `"key":` (after a comma unless `first`).
    public mutating func key(_ name: String, first: Bool = false) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }
}
