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
    /// The binary operator's precedence level (`Parser.ladder`), -1 when the token is not a
    /// binary operator: found once here rather than at each of the parser's 13 levels.
    let operatorLevel: Int8

    /// A token whose operator level the lexer already knows.
    init(kind: TokenKind, pos: SourcePos, operatorLevel: Int8) {
        self.kind = kind
        self.pos = pos
        self.operatorLevel = operatorLevel
    }

    init(kind: TokenKind, pos: SourcePos) {
        self.kind = kind
        self.pos = pos
        switch kind {
        case .symbol(let s): operatorLevel = Token.symbolLevel(s)
        case .identifier("or"): operatorLevel = 0
        case .identifier("and"): operatorLevel = 1
        case .identifier("is"): operatorLevel = 3
        default: operatorLevel = -1
        }
    }

    static func symbolLevel(_ s: String) -> Int8 {
        switch s {
        case "||": 0
        case "&&": 1
        case "!=": 2
        case "==": 3
        case ">=": 4
        case "<=": 5
        case ">": 6
        case "<": 7
        case "+": 8
        case "-": 9
        case "%": 10
        case "*": 11
        case "/": 12
        default: -1
        }
    }

    /// Nothing can continue an expression after this token (no operator, `.`, `[` or `(`).
    var endsExpression: Bool {
        switch kind {
        case .newline, .eof: true
        case .symbol(let s): s == ";" || s == "}" || s == "," || s == "]" || s == ")"
        default: false
        }
    }

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
