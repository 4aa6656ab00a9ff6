import CCrypto
import Glibc

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
            let sorted = members.sorted { Self.keyPrecedes($0.key, $1.key) }
            for (i, member) in sorted.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                string(member.key)
                bytes.append(UInt8(ascii: ":"))
                append(member.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// UTF-8 byte order (which is code point order).
    static func keyPrecedes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { pa in
            b.withUTF8 { pb in
                let common = Swift.min(pa.count, pb.count)
                if common > 0 {
                    let c = memcmp(pa.baseAddress!, pb.baseAddress!, common)
                    if c != 0 { return c < 0 }
                }
                return pa.count < pb.count
            }
        }
    }

    /// Appends text that is already JSON.
    public mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// Appends bytes that are already JSON.
    public mutating func raw(bytes more: [UInt8]) { bytes.append(contentsOf: more) }

    /// Appends a JSON string literal with the minimal escapes.
    public mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in Self.appendEscaped(utf8, to: &bytes) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends UTF-8 string content with the minimal escapes (no quotes around it).
    static func appendEscaped<Bytes: Collection>(_ content: Bytes, to out: inout [UInt8]) where Bytes.Element == UInt8 {
        // Fast path (most strings): nothing to escape, so copy the bytes in one go.
        if !content.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out.append(contentsOf: content)
            return
        }
        let digits: StaticString = "0123456789abcdef"
        for b in content {
            switch b {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            case 0x00..<0x20:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                out.append(digits.utf8Start[Int(b >> 4)])
                out.append(digits.utf8Start[Int(b & 0x0F)])
            default: out.append(b)
            }
        }
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
