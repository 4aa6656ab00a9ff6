/// A position in a config source (1-based line and column, columns count Unicode scalars).
struct SourcePos: Sendable, Equatable {
    // 32 bits each: every token and syntax node carries a position.
    private var line32: Int32
    private var column32: Int32
    var line: Int {
        get { Int(line32) }
        set { line32 = Int32(clamping: newValue) }
    }
    var column: Int {
        get { Int(column32) }
        set { column32 = Int32(clamping: newValue) }
    }

    init(line: Int, column: Int) {
        line32 = Int32(clamping: line)
        column32 = Int32(clamping: column)
    }
}

/// A lexical token of the con4m subset (spec/config.md §1.1).
enum TokenKind: Equatable {
    case identifier(String)
    case string(String)
    case int(Int64)
    case float(Double)
    case char(Unicode.Scalar)
    /// The text of a `<< … >>` literal (or of a quirky bare literal such as `10.0.0.1`).
    case other(String)
    /// Punctuation and operators: `~ \` + - * / % -> < <= > >= == != ! && || ; : := = , . { } [ ] ( )`.
    case symbol(String)
    case newline
    case eof
}

struct Token: Equatable {
    var kind: TokenKind
    var pos: SourcePos

    var identifier: String? { if case .identifier(let s) = kind { s } else { nil } }
    func isSymbol(_ s: String) -> Bool { kind == .symbol(s) }
    func isWord(_ w: String) -> Bool { kind == .identifier(w) }

    /// How the token is named in error messages.
    var display: String {
        switch kind {
        case .identifier(let s): "'\(s)'"
        case .string(let s): "string \"\(s)\""
        case .int(let i): "integer \(i)"
        case .float(let f): "float \(f)"
        case .char: "character literal"
        case .other(let s): "<<\(s)>>"
        case .symbol(let s): "'\(s)'"
        case .newline: "end of line"
        case .eof: "end of file"
        }
    }
}
