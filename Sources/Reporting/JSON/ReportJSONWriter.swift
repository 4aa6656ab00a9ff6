import Marking

/// Serializes report values the way Chalk writes reports (spec/config.md §7.1, the escapes of
/// spec/mark-format.md §1.4): objects as `{ "K" : v, "K2" : v2 }`, lists as `[a, b]`, one line,
/// UTF-8 passed through unescaped. `pretty` gives the 2-space indented form the terminal
/// summary uses.
public enum ReportJSON {
    /// One report envelope: `[ {…}, {…} ]` plus a newline, as file sinks store it (one per line).
    public static func envelope(_ reports: [ChalkObject]) -> String {
        envelope(objectTexts: reports.map { compact(.object($0)) })
    }

    /// An envelope around already serialized report objects.
    public static func envelope(objectTexts: [String]) -> String {
        objectTexts.isEmpty ? "[]\n" : "[ " + objectTexts.joined(separator: ", ") + " ]\n"
    }

    /// The single-line form of a value.
    public static func compact(_ value: ChalkValue) -> String {
        var out = ""
        writeCompact(value, into: &out)
        return out
    }

    /// The indented (2 spaces) form of a value, no trailing newline.
    public static func pretty(_ value: ChalkValue) -> String {
        var out = ""
        writePretty(value, indent: 0, into: &out)
        return out
    }

    static func writeCompact(_ value: ChalkValue, into out: inout String) {
        switch value {
        case .object(let o):
            if o.isEmpty { out += "{  }"; return }
            out += "{ "
            var first = true
            for (k, v) in o.entries {
                if !first { out += ", " }
                first = false
                writeString(k, into: &out)
                out += " : "
                writeCompact(v, into: &out)
            }
            out += " }"
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += ", " }
                writeCompact(v, into: &out)
            }
            out += "]"
        default:
            writeScalar(value, into: &out)
        }
    }

    static func writePretty(_ value: ChalkValue, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent + 2)
        switch value {
        case .object(let o):
            if o.isEmpty { out += "{}"; return }
            out += "{\n"
            for (i, (k, v)) in o.entries.enumerated() {
                out += pad
                writeString(k, into: &out)
                out += ": "
                writePretty(v, indent: indent + 2, into: &out)
                out += i + 1 < o.count ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: indent) + "}"
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            out += "[\n"
            for (i, v) in a.enumerated() {
                out += pad
                writePretty(v, indent: indent + 2, into: &out)
                out += i + 1 < a.count ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: indent) + "]"
        default:
            writeScalar(value, into: &out)
        }
    }

    static func writeScalar(_ value: ChalkValue, into out: inout String) {
        switch value {
        case .string(let s): writeString(s, into: &out)
        case .int(let i): out += String(i)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .float(let d): out += d.isFinite ? String(d) : "null"
        case .object, .array: writeCompact(value, into: &out)
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF")

    /// A JSON string literal with Nim's `escapeJson` rules: the short escapes for `"` `\` LF CR
    /// TAB BS FF, `\u00XX` (uppercase hex) for the other control characters, everything else raw.
    public static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 {
                    out += "\\u00"
                    out.append(hexDigits[Int(u.value >> 4)])
                    out.append(hexDigits[Int(u.value & 0xF)])
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    /// `writeString` as a value.
    public static func quote(_ s: String) -> String {
        var out = ""
        writeString(s, into: &out)
        return out
    }
}
