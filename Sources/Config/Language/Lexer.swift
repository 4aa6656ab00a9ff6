/// Turns con4m source text into tokens (spec/config.md §1.1).
///
/// Newline handling: a newline token ends a statement, except inside `(…)`/`[…]` and right after
/// an operator, `,`, `.`, `:`, `=`, `:=`, `{`, `(` or `[`, where one newline is swallowed so
/// expressions can continue on the next line.
struct Lexer {
    let file: String
    private let s: [Unicode.Scalar]
    private var i = 0
    private var line = 1
    private var col = 1
    private var tokens: [Token] = []
    private var depth = 0  // open ( and [

    init(file: String, source: String) {
        self.file = file
        self.s = Array(source.unicodeScalars)
    }

    static func tokenize(file: String, source: String) throws(ConfigError) -> [Token] {
        var lx = Lexer(file: file, source: source)
        try lx.run()
        return lx.tokens
    }

    private func peek(_ k: Int = 0) -> Unicode.Scalar? { i + k < s.count ? s[i + k] : nil }

    private mutating func advance() {
        if s[i] == "\n" { line += 1; col = 1 } else { col += 1 }
        i += 1
    }

    private func error(_ msg: String, _ pos: SourcePos? = nil) -> ConfigError {
        let p = pos ?? SourcePos(line: line, column: col)
        return ConfigError(file: file, line: p.line, column: p.column, message: msg)
    }

    /// Tokens after which a single newline is swallowed.
    private static let continuing: Set<String> = [
        "+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=", "!", "&&", "||", ",", ".", ":", "=", ":=",
        "{", "(", "[", "->", "~",
    ]

    private mutating func emitNewline(_ pos: SourcePos) {
        if depth > 0 { return }
        guard let last = tokens.last else { return }
        switch last.kind {
        case .newline: return
        case .symbol(let sym) where Lexer.continuing.contains(sym): return
        case .identifier(let w) where w == "and" || w == "or" || w == "not" || w == "is": return
        default: tokens.append(Token(kind: .newline, pos: pos))
        }
    }

    private mutating func run() throws(ConfigError) {
        while let c = peek() {
            let pos = SourcePos(line: line, column: col)
            switch c {
            case " ", "\t":
                advance()
            case "\r":
                guard peek(1) == "\n" else { throw error("a carriage return must be followed by a line feed") }
                advance()
            case "\n":
                advance()
                emitNewline(pos)
            case "#":
                while let d = peek(), d != "\n" { advance() }
            case "/" where peek(1) == "/":
                while let d = peek(), d != "\n" { advance() }
            case "/" where peek(1) == "*":
                advance(); advance()
                while true {
                    guard let d = peek() else { throw error("unterminated /* comment: expected */", pos) }
                    if d == "*" && peek(1) == "/" { advance(); advance(); break }
                    advance()
                }
            case "\"":
                if peek(1) == "\"" && peek(2) == "\"" {
                    tokens.append(Token(kind: .string(try lexTripleString(pos)), pos: pos))
                } else {
                    tokens.append(Token(kind: .string(try lexString(pos)), pos: pos))
                }
            case "'":
                tokens.append(Token(kind: .char(try lexChar(pos)), pos: pos))
            case "<" where peek(1) == "<":
                advance(); advance()
                var text = ""
                while true {
                    guard let d = peek() else { throw error("unterminated << literal: expected >>", pos) }
                    if d == ">" && peek(1) == ">" { advance(); advance(); break }
                    text.unicodeScalars.append(d)
                    advance()
                }
                tokens.append(Token(kind: .other(trim(text)), pos: pos))
            case "0"..."9":
                tokens.append(Token(kind: try lexNumber(pos), pos: pos))
            default:
                if c == "$" || c == "_" || Lexer.isIdentifierStart(c) {
                    var word = ""
                    while let d = peek(), d == "$" || Lexer.isIdentifierContinue(d) {
                        word.unicodeScalars.append(d)
                        advance()
                    }
                    tokens.append(Token(kind: .identifier(word), pos: pos))
                } else {
                    try lexSymbol(pos)
                }
            }
        }
        emitNewline(SourcePos(line: line, column: col))
        tokens.append(Token(kind: .eof, pos: SourcePos(line: line, column: col)))
    }

    /// ASCII fast paths before the Unicode tables (configs are mostly ASCII).
    static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" }
        return c.properties.isXIDStart
    }

    static func isIdentifierContinue(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_" }
        return c.properties.isXIDContinue
    }

    private mutating func lexSymbol(_ pos: SourcePos) throws(ConfigError) {
        let c = peek()!
        let two = peek(1).map { String(c) + String($0) }
        if let two, ["->", "<=", ">=", "==", "!=", "&&", "||", ":="].contains(two) {
            advance(); advance()
            tokens.append(Token(kind: .symbol(two), pos: pos))
            return
        }
        let one = String(c)
        switch one {
        case "&", "|":
            throw error("a lone '\(one)' is not an operator: expected '\(one)\(one)'", pos)
        case "(", "[":
            depth += 1
        case ")", "]":
            depth = max(0, depth - 1)
        case "~", "`", "+", "-", "*", "/", "%", "<", ">", "!", ";", ":", "=", ",", ".", "{", "}":
            break
        default:
            throw error("unexpected character '\(one)'", pos)
        }
        advance()
        tokens.append(Token(kind: .symbol(one), pos: pos))
    }

    private func trim(_ t: String) -> String {
        var u = Substring(t)
        while let f = u.first, f == " " || f == "\t" || f == "\n" || f == "\r" { u.removeFirst() }
        while let l = u.last, l == " " || l == "\t" || l == "\n" || l == "\r" { u.removeLast() }
        return String(u)
    }

    private mutating func lexNumber(_ pos: SourcePos) throws(ConfigError) -> TokenKind {
        // Quirky bare literals: a run with two dots (10.0.0.1) or two colons (12:30:00).
        var j = i
        var dots = 0, colons = 0
        while j < s.count, !(s[j] == " " || s[j] == "\t" || s[j] == "\n" || s[j] == "\r"
            || s[j] == "," || s[j] == ")" || s[j] == "]" || s[j] == "}" || s[j] == ";") {
            if s[j] == "." { dots += 1 }
            if s[j] == ":" { colons += 1 }
            j += 1
        }
        if dots >= 2 || colons >= 2 {
            var text = ""
            while i < j { text.unicodeScalars.append(s[i]); advance() }
            return .other(text)
        }
        var digits = ""
        while let d = peek(), ("0"..."9").contains(d) { digits.unicodeScalars.append(d); advance() }
        var isFloat = false
        if peek() == ".", let n = peek(1), ("0"..."9").contains(n) {
            isFloat = true
            digits += "."; advance()
            while let d = peek(), ("0"..."9").contains(d) { digits.unicodeScalars.append(d); advance() }
        }
        if let e = peek(), e == "e" || e == "E" {
            var k = 1
            if let sign = peek(1), sign == "+" || sign == "-" { k = 2 }
            if let d = peek(k), ("0"..."9").contains(d) {
                isFloat = true
                for _ in 0..<k { digits.unicodeScalars.append(peek()!); advance() }
                while let d = peek(), ("0"..."9").contains(d) { digits.unicodeScalars.append(d); advance() }
            }
        }
        if isFloat {
            guard let f = Double(digits) else { throw error("invalid float literal \(digits)", pos) }
            return .float(f)
        }
        guard let v = Int64(digits) else { throw error("integer literal \(digits) is too large", pos) }
        return .int(v)
    }

    /// Reads one escape after a backslash.
    private mutating func lexEscape(_ pos: SourcePos) throws(ConfigError) -> Unicode.Scalar {
        guard let e = peek() else { throw error("unterminated escape sequence", pos) }
        advance()
        switch e {
        case "n": return "\n"
        case "r": return "\r"
        case "a": return "\u{07}"
        case "b": return "\u{08}"
        case "f": return "\u{0C}"
        case "t": return "\t"
        case "x", "u", "U":
            let n = e == "x" ? 2 : e == "u" ? 4 : 8
            var v: UInt32 = 0
            for _ in 0..<n {
                guard let h = peek(), h.isASCII, let d = UInt32(String(h), radix: 16) else {
                    throw error("invalid \\\(e) escape: expected \(n) hex digits", pos)
                }
                v = v * 16 + d
                advance()
            }
            guard let sc = Unicode.Scalar(v) else { throw error("invalid code point in \\\(e) escape", pos) }
            return sc
        default: return e
        }
    }

    private mutating func lexString(_ pos: SourcePos) throws(ConfigError) -> String {
        advance()
        var out = ""
        while true {
            guard let c = peek(), c != "\n" else {
                throw error("unterminated string: expected a closing \" on the same line", pos)
            }
            advance()
            if c == "\"" { return out }
            if c == "\\" { out.unicodeScalars.append(try lexEscape(pos)) } else { out.unicodeScalars.append(c) }
        }
    }

    private mutating func lexTripleString(_ pos: SourcePos) throws(ConfigError) -> String {
        advance(); advance(); advance()
        var out = ""
        while true {
            guard let c = peek() else { throw error("unterminated \"\"\" string: expected a closing \"\"\"", pos) }
            if c == "\"" && peek(1) == "\"" && peek(2) == "\"" { advance(); advance(); advance(); return out }
            advance()
            if c == "\\" { out.unicodeScalars.append(try lexEscape(pos)) } else { out.unicodeScalars.append(c) }
        }
    }

    private mutating func lexChar(_ pos: SourcePos) throws(ConfigError) -> Unicode.Scalar {
        advance()
        guard let c = peek(), c != "\n" else { throw error("unterminated character literal", pos) }
        advance()
        let v = c == "\\" ? try lexEscape(pos) : c
        guard peek() == "'" else { throw error("character literal must hold one character: expected '", pos) }
        advance()
        return v
    }
}
