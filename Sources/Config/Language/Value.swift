import Marking

/// A con4m value at evaluation time. `Size` and `Duration` are int64 underneath (bytes and
/// microseconds) but keep their type so the schema can tell them apart from plain ints.
/// Not `indirect`: no case holds a CValue directly (lists and dicts hold arrays), so a value is
/// stored inline instead of in a heap box of its own (the base config makes thousands).
enum CValue: Equatable {
    case string(String)
    case int(Int64)
    case float(Double)
    case bool(Bool)
    case char(Unicode.Scalar)
    case size(Int64)
    case duration(Int64)
    /// An IP address, CIDR block, date or time literal, kept as text.
    case otherLiteral(String)
    case list([CValue])
    /// Ordered dict: keys[i] maps to values[i].
    case dict(keys: [CValue], values: [CValue])
    case tuple([CValue])
    /// A type written in value position (`string`, `list[string]`, `` `x ``).
    case typespec(String)
    /// A callback reference (`func name`).
    case callback(String)
    /// A reference to a section of the attribute tree (`tool.syft` read as a value).
    case section([String])
    case void

    /// The con4m type name, for error messages and `typeof`.
    var typeName: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .float: "float"
        case .bool: "bool"
        case .char: "char"
        case .size: "Size"
        case .duration: "Duration"
        case .otherLiteral: "literal"
        case .list(let l): "list[\(l.first?.typeName ?? "`x")]"
        case .dict(let k, let v): "dict[\(k.first?.typeName ?? "`x"), \(v.first?.typeName ?? "`y")]"
        case .tuple(let t): "tuple[\(t.map(\.typeName).joined(separator: ", "))]"
        case .typespec: "typespec"
        case .callback: "func"
        case .section: "section"
        case .void: "void"
        }
    }

    /// Integer view of int, Size and Duration values.
    var intLike: Int64? {
        switch self {
        case .int(let i), .size(let i), .duration(let i): i
        default: nil
        }
    }

    var asString: String? { if case .string(let s) = self { s } else { nil } }
    var asBool: Bool? { if case .bool(let b) = self { b } else { nil } }
    var asList: [CValue]? {
        switch self {
        case .list(let l), .tuple(let l): l
        default: nil
        }
    }

    var stringList: [String]? {
        guard case .list(let l) = self else { return nil }
        var out: [String] = []
        for v in l {
            guard case .string(let s) = v else { return nil }
            out.append(s)
        }
        return out
    }

    /// `$(x)`: how con4m prints a value.
    var display: String {
        switch self {
        case .string(let s): s
        case .int(let i): String(i)
        case .float(let f): String(f)
        case .bool(let b): b ? "true" : "false"
        case .char(let c): String(c)
        case .size(let b): "\(b) bytes"
        case .duration(let us): "\(us) usec"
        case .otherLiteral(let t): t
        case .list(let l): "[" + l.map(\.quoted).joined(separator: ", ") + "]"
        case .dict(let k, let v): "{" + zip(k, v).map { "\($0.quoted) : \($1.quoted)" }.joined(separator: ", ") + "}"
        case .tuple(let t): "(" + t.map(\.quoted).joined(separator: ", ") + ")"
        case .typespec(let t): t
        case .callback(let f): "func \(f)"
        case .section(let p): p.joined(separator: ".")
        case .void: ""
        }
    }

    /// Like `display`, with strings quoted (inside containers, and for `chalk config`).
    var quoted: String {
        if case .string(let s) = self { return "\"" + escapeForCon4m(s) + "\"" }
        return display
    }

    /// The JSON value handed to marks, reports and sinks.
    var chalkValue: ChalkValue {
        switch self {
        case .string(let s): .string(s)
        case .int(let i), .size(let i), .duration(let i): .int(i)
        case .float(let f): .float(f)
        case .bool(let b): .bool(b)
        case .char(let c): .string(String(c))
        case .otherLiteral(let t), .typespec(let t), .callback(let t): .string(t)
        case .list(let l), .tuple(let l): .array(l.map(\.chalkValue))
        case .dict(let k, let v):
            .object(ChalkObject(zip(k, v).map { ($0.asString ?? $0.display, $1.chalkValue) }))
        case .section(let p): .string(p.joined(separator: "."))
        case .void: .null
        }
    }

    /// Converts a JSON value (from `parse_json`) back into con4m.
    init(_ v: ChalkValue) {
        switch v {
        case .string(let s): self = .string(s)
        case .int(let i): self = .int(i)
        case .float(let f): self = .float(f)
        case .bool(let b): self = .bool(b)
        case .null: self = .void
        case .array(let a): self = .list(a.map(CValue.init))
        case .object(let o): self = .dict(keys: o.keys.map { .string($0) }, values: o.entries.map { CValue($0.value) })
        }
    }
}

/// Escapes a string so it can be written back as a con4m string literal.
func escapeForCon4m(_ s: String) -> String {
    var out = ""
    for c in s.unicodeScalars {
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}
