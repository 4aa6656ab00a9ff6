/// The one JSON writer of the code base: marks, reports, config `to_json`, docker exec forms.
/// Strings are always escaped with Nim's `escapeJson` rules (spec/mark-format.md §1.4), the
/// escapes Chalk writes everywhere; what differs between users is a `JSONWriteStyle`.
public enum JSONValueWriter {
    /// `value` as text in `style`.
    public static func string(_ value: ChalkValue, style: JSONWriteStyle = .chalk) -> String {
        var out: [UInt8] = []
        append(value, style: style, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `value` as bytes in `style`.
    public static func bytes(_ value: ChalkValue, style: JSONWriteStyle = .chalk) -> [UInt8] {
        var out: [UInt8] = []
        append(value, style: style, to: &out)
        return out
    }

    /// Appends `value` in `style` (nested objects in insertion order).
    public static func append(_ value: ChalkValue, style: JSONWriteStyle = .chalk, to out: inout [UInt8]) {
        append(value, style: style, indent: 0, to: &out)
    }

    /// Appends an object made of `entries`, in that order (the mark serializer passes its
    /// sorted top-level keys here).
    public static func appendObject(_ entries: [(key: String, value: ChalkValue)], style: JSONWriteStyle = .chalk,
                                    to out: inout [UInt8]) {
        appendObject(entries, style: style, indent: 0, to: &out)
    }

    private static func append(_ value: ChalkValue, style: JSONWriteStyle, indent: Int, to out: inout [UInt8]) {
        switch value {
        case .string(let s): appendString(s, to: &out)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .float(let d): out.append(contentsOf: formatFloat(d, nonFinite: style.nonFiniteFloats).utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .null: out.append(contentsOf: "null".utf8)
        case .array(let items): appendArray(items, style: style, indent: indent, to: &out)
        case .object(let o): appendObject(o.entries, style: style, indent: indent, to: &out)
        }
    }

    private static func appendArray(_ items: [ChalkValue], style: JSONWriteStyle, indent: Int, to out: inout [UInt8]) {
        if style.layout == .pretty {
            if items.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(contentsOf: "[\n".utf8)
            for (i, item) in items.enumerated() {
                appendSpaces(indent + 2, to: &out)
                append(item, style: style, indent: indent + 2, to: &out)
                out.append(contentsOf: (i + 1 < items.count ? ",\n" : "\n").utf8)
            }
            appendSpaces(indent, to: &out)
            out.append(UInt8(ascii: "]"))
            return
        }
        out.append(UInt8(ascii: "["))
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(contentsOf: ", ".utf8) }
            append(item, style: style, indent: indent, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    private static func appendObject(_ entries: [(key: String, value: ChalkValue)], style: JSONWriteStyle, indent: Int,
                                     to out: inout [UInt8]) {
        switch style.layout {
        case .chalk, .tight:
            let spaced = style.layout == .chalk
            out.append(contentsOf: (spaced ? "{ " : "{").utf8)
            for (i, e) in entries.enumerated() {
                if i > 0 { out.append(contentsOf: ", ".utf8) }
                appendString(e.key, to: &out)
                out.append(contentsOf: " : ".utf8)
                append(e.value, style: style, indent: indent, to: &out)
            }
            out.append(contentsOf: (spaced ? " }" : "}").utf8)
        case .pretty:
            if entries.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(contentsOf: "{\n".utf8)
            for (i, e) in entries.enumerated() {
                appendSpaces(indent + 2, to: &out)
                appendString(e.key, to: &out)
                out.append(contentsOf: ": ".utf8)
                append(e.value, style: style, indent: indent + 2, to: &out)
                out.append(contentsOf: (i + 1 < entries.count ? ",\n" : "\n").utf8)
            }
            appendSpaces(indent, to: &out)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func appendSpaces(_ n: Int, to out: inout [UInt8]) {
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: n))
    }

    private static let upperHex = Array("0123456789ABCDEF".utf8)

    /// Appends `s` as a JSON string with Nim's `escapeJson` rules (§1.4): only `"`, `\` and
    /// control bytes are escaped; `/`, DEL and UTF-8 go out raw; `\u00XX` uses uppercase hex
    /// except VT, which Nim writes as `\u000b`.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { u in
            // Runs of bytes that need no escape are copied in bulk.
            var run = 0
            for i in 0..<u.count {
                let b = u[i]
                if b >= 0x20 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: u[run..<i]))
                appendEscaped(b, to: &out)
                run = i + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: u[run...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `appendString` as a String.
    public static func quote(_ s: String) -> String {
        var out: [UInt8] = []
        appendString(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendEscaped(_ b: UInt8, to out: inout [UInt8]) {
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
        default:
            out.append(contentsOf: "\\u00".utf8)
            out.append(upperHex[Int(b >> 4)]); out.append(upperHex[Int(b & 0xF)])
        }
    }

    /// Floats as Nim's `$` writes them for ordinary values (`1.5`, `2.0`, `1e+20`).
    static func formatFloat(_ d: Double, nonFinite: JSONWriteStyle.NonFiniteFloats) -> String {
        if d.isFinite { return d.description }
        switch nonFinite {
        case .null: return "null"
        case .nim: return d.isNaN ? "nan" : (d < 0 ? "-inf" : "inf")
        }
    }
}

/// How `JSONValueWriter` lays values out. The string escapes are the same in every style.
public struct JSONWriteStyle: Sendable, Equatable {
    /// Where spaces and newlines go.
    public enum Layout: Sendable, Equatable {
        /// Chalk's one-line mark/report layout: `{ "K" : v, "K2" : v2 }`, `[a, b]`, `{  }`.
        case chalk
        /// Config `to_json`: like `chalk` without the spaces inside braces: `{"K" : v}`, `{}`.
        case tight
        /// Two-space indented, `"K": v`, one member per line, `{}`/`[]` when empty.
        case pretty
    }

    /// What NaN and ±infinity become.
    public enum NonFiniteFloats: Sendable, Equatable {
        /// Nim's `$`: `nan`, `inf`, `-inf` (what Chalk writes into marks).
        case nim
        /// `null`, so the output stays valid JSON.
        case null
    }

    public var layout: Layout
    public var nonFiniteFloats: NonFiniteFloats

    public init(layout: Layout, nonFiniteFloats: NonFiniteFloats) {
        self.layout = layout; self.nonFiniteFloats = nonFiniteFloats
    }

    /// Marks (spec/mark-format.md §1.3, §1.4).
    public static let mark = JSONWriteStyle(layout: .chalk, nonFiniteFloats: .nim)
    /// Chalk's one-line layout that stays valid JSON: reports, docker exec forms.
    public static let chalk = JSONWriteStyle(layout: .chalk, nonFiniteFloats: .null)
    /// Config `to_json`.
    public static let tight = JSONWriteStyle(layout: .tight, nonFiniteFloats: .null)
    /// The indented report form (`pretty_json`).
    public static let pretty = JSONWriteStyle(layout: .pretty, nonFiniteFloats: .null)
}
