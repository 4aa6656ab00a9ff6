/// Turns con4m source text into tokens (spec/config.md §1.1).
///
/// Newline handling: a newline token ends a statement, except inside `(…)`/`[…]` and right after
/// an operator, `,`, `.`, `:`, `=`, `:=`, `{`, `(` or `[`, where one newline is swallowed so
/// expressions can continue on the next line.
///
/// The lexer walks the source's UTF-8 bytes (the base config, ~190 KB, is lexed on every run):
/// names and string bodies are sliced out of the bytes, not built a character at a time.
/// Columns still count Unicode scalars (a UTF-8 continuation byte does not move the column).
/// Tokens are made on demand (`next()`), so the parser never holds a whole file's tokens.
struct Lexer {
    let file: String
    private let s: [UInt8]
    private var i = 0
    private var line = 1
    private var col = 1
    /// Tokens made but not yet returned by `next()` (at most a newline and the eof), from
    /// `pendingHead` on.
    private var pending: [Token] = []
    private var pendingHead = 0
    private var depth = 0  // open ( and [
    /// Whether a token was made yet, and whether the last one was a newline.
    private var anyToken = false
    private var lastWasNewline = false
    /// The last token swallows one following newline (an operator, `,`, `{`, `and`, …).
    private var lastContinues = false
    private var finished = false

    /// Long names made so far (shared by every source of one load).
    private let names: NameTable

    init(file: String, source: String, names: NameTable = NameTable()) {
        self.file = file
        self.s = Array(source.utf8)
        self.names = names
    }

    /// All tokens of `source`, ending with `.eof`.
    static func tokenize(file: String, source: String) throws(ConfigError) -> [Token] {
        var lx = Lexer(file: file, source: source)
        var out: [Token] = []
        while true {
            let t = try lx.next()
            out.append(t)
            if t.kind == .eof { return out }
        }
    }

    /// The next token; `.eof` once the source is used up (and again on every later call).
    mutating func next() throws(ConfigError) -> Token {
        if pendingHead == pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingHead = 0
            while pending.isEmpty {
                if finished { return Token(kind: .eof, pos: SourcePos(line: line, column: col)) }
                try step()
            }
        }
        pendingHead += 1
        return pending[pendingHead - 1]
    }

    private func peek(_ k: Int = 0) -> UInt8? { i + k < s.count ? s[i + k] : nil }

    private mutating func advance() {
        let b = s[i]
        if b == 0x0A { line += 1; col = 1 } else if b & 0xC0 != 0x80 { col += 1 }
        i += 1
    }

    /// Advances over the run `[i, end)`, which holds no newline.
    private mutating func advanceRun(to end: Int) {
        while i < end {
            if s[i] & 0xC0 != 0x80 { col += 1 }
            i += 1
        }
    }

    /// The scalar starting at byte `at` and its length in bytes (the source is valid UTF-8).
    private func scalar(at: Int) -> (Unicode.Scalar, Int) {
        let b0 = UInt32(s[at])
        if b0 < 0x80 { return (Unicode.Scalar(UInt8(b0)), 1) }
        let n = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : 2
        var v = b0 & (0x7F >> UInt32(n))
        for k in 1..<n where at + k < s.count { v = v << 6 | (UInt32(s[at + k]) & 0x3F) }
        return (Unicode.Scalar(v) ?? "\u{FFFD}", n)
    }

    private func text(_ range: Range<Int>) -> String {
        s.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }

    private func error(_ msg: String, _ pos: SourcePos? = nil) -> ConfigError {
        let p = pos ?? SourcePos(line: line, column: col)
        return ConfigError(file: file, line: p.line, column: p.column, message: msg)
    }

    private mutating func emit(_ kind: TokenKind, _ pos: SourcePos, continues: Bool = false, level: Int8 = -1) {
        pending.append(Token(kind: kind, pos: pos, operatorLevel: level))
        anyToken = true
        lastWasNewline = false
        lastContinues = continues
    }

    private mutating func emitNewline(_ pos: SourcePos) {
        if depth > 0 { return }
        guard anyToken, !lastWasNewline, !lastContinues else { return }
        pending.append(Token(kind: .newline, pos: pos))
        lastWasNewline = true
    }

    /// Lexes from the current position until at least one token is pending, or to the end.
    private mutating func step() throws(ConfigError) {
        while pending.isEmpty, let c = peek() {
            let pos = SourcePos(line: line, column: col)
            switch c {
            case 0x20, 0x09:  // space, tab
                advance()
            case 0x0D:  // \r
                guard peek(1) == 0x0A else { throw error("a carriage return must be followed by a line feed") }
                advance()
            case 0x0A:
                advance()
                emitNewline(pos)
            case UInt8(ascii: "#"):
                skipToEndOfLine()
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "/"):
                skipToEndOfLine()
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "*"):
                advance(); advance()
                while true {
                    guard let d = peek() else { throw error("unterminated /* comment: expected */", pos) }
                    if d == UInt8(ascii: "*") && peek(1) == UInt8(ascii: "/") { advance(); advance(); break }
                    advance()
                }
            case UInt8(ascii: "\""):
                if peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"") {
                    emit(.string(try lexTripleString(pos)), pos)
                } else {
                    emit(.string(try lexString(pos)), pos)
                }
            case UInt8(ascii: "'"):
                emit(.char(try lexChar(pos)), pos)
            case UInt8(ascii: "<") where peek(1) == UInt8(ascii: "<"):
                advance(); advance()
                let start = i
                while true {
                    guard let d = peek() else { throw error("unterminated << literal: expected >>", pos) }
                    if d == UInt8(ascii: ">") && peek(1) == UInt8(ascii: ">") { break }
                    advance()
                }
                let body = text(start..<i)
                advance(); advance()
                emit(.other(trim(body)), pos)
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                emit(try lexNumber(pos), pos)
            default:
                if c == UInt8(ascii: "$") || Lexer.isASCIIIdentifierStart(c)
                    || (c >= 0x80 && scalar(at: i).0.properties.isXIDStart) {
                    let start = i
                    while i < s.count {
                        let d = s[i]
                        if d == UInt8(ascii: "$") || Lexer.isASCIIIdentifierContinue(d) {
                            i += 1; col += 1
                        } else if d >= 0x80, case let (sc, n) = scalar(at: i), sc.properties.isXIDContinue {
                            i += n; col += 1
                        } else {
                            break
                        }
                    }
                    // Names up to 15 bytes are inline strings; longer ones are shared.
                    let word = i - start <= 15 ? text(start..<i)
                        : s.withUnsafeBufferPointer { names.name(UnsafeBufferPointer(rebasing: $0[start..<i])) }
                    // `and`, `or`, `not` and `is` continue an expression; three are binary operators.
                    var level: Int8 = -1
                    var continues = false
                    if i - start <= 3 {
                        switch word {
                        case "or": level = 0; continues = true
                        case "and": level = 1; continues = true
                        case "is": level = 3; continues = true
                        case "not": continues = true
                        default: break
                        }
                    }
                    emit(.identifier(word), pos, continues: continues, level: level)
                } else {
                    try lexSymbol(pos)
                }
            }
        }
        guard pending.isEmpty, i >= s.count else { return }
        emitNewline(SourcePos(line: line, column: col))
        pending.append(Token(kind: .eof, pos: SourcePos(line: line, column: col)))
        finished = true
    }

    private mutating func skipToEndOfLine() {
        let start = i
        var end = i
        while end < s.count, s[end] != 0x0A { end += 1 }
        i = start
        advanceRun(to: end)
    }

    static func isASCIIIdentifierStart(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || c == UInt8(ascii: "_")
    }

    static func isASCIIIdentifierContinue(_ c: UInt8) -> Bool {
        isASCIIIdentifierStart(c) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }

    /// The two-character operators, by their bytes, with their operator level
    /// (`Token.operatorLevel`).
    private static func twoCharSymbol(_ a: UInt8, _ b: UInt8) -> (String, Int8)? {
        switch (a, b) {
        case (UInt8(ascii: "-"), UInt8(ascii: ">")): ("->", -1)
        case (UInt8(ascii: "<"), UInt8(ascii: "=")): ("<=", 5)
        case (UInt8(ascii: ">"), UInt8(ascii: "=")): (">=", 4)
        case (UInt8(ascii: "="), UInt8(ascii: "=")): ("==", 3)
        case (UInt8(ascii: "!"), UInt8(ascii: "=")): ("!=", 2)
        case (UInt8(ascii: "&"), UInt8(ascii: "&")): ("&&", 1)
        case (UInt8(ascii: "|"), UInt8(ascii: "|")): ("||", 0)
        case (UInt8(ascii: ":"), UInt8(ascii: "=")): (":=", -1)
        default: nil
        }
    }

    /// The operator level of a one-character symbol (`Token.operatorLevel`).
    private static func oneCharLevel(_ c: UInt8) -> Int8 {
        switch c {
        case UInt8(ascii: ">"): 6
        case UInt8(ascii: "<"): 7
        case UInt8(ascii: "+"): 8
        case UInt8(ascii: "-"): 9
        case UInt8(ascii: "%"): 10
        case UInt8(ascii: "*"): 11
        case UInt8(ascii: "/"): 12
        default: -1
        }
    }

    /// The one-character symbols (as static strings: no allocation per token).
    private static func oneCharSymbol(_ c: UInt8) -> String? {
        switch c {
        case UInt8(ascii: "("): "("
        case UInt8(ascii: "["): "["
        case UInt8(ascii: ")"): ")"
        case UInt8(ascii: "]"): "]"
        case UInt8(ascii: "~"): "~"
        case UInt8(ascii: "`"): "`"
        case UInt8(ascii: "+"): "+"
        case UInt8(ascii: "-"): "-"
        case UInt8(ascii: "*"): "*"
        case UInt8(ascii: "/"): "/"
        case UInt8(ascii: "%"): "%"
        case UInt8(ascii: "<"): "<"
        case UInt8(ascii: ">"): ">"
        case UInt8(ascii: "!"): "!"
        case UInt8(ascii: ";"): ";"
        case UInt8(ascii: ":"): ":"
        case UInt8(ascii: "="): "="
        case UInt8(ascii: ","): ","
        case UInt8(ascii: "."): "."
        case UInt8(ascii: "{"): "{"
        case UInt8(ascii: "}"): "}"
        default: nil
        }
    }

    private mutating func lexSymbol(_ pos: SourcePos) throws(ConfigError) {
        let c = s[i]
        if let n = peek(1), let (two, level) = Lexer.twoCharSymbol(c, n) {
            advance(); advance()
            // Every two-character operator continues an expression.
            emit(.symbol(two), pos, continues: true, level: level)
            return
        }
        if c == UInt8(ascii: "&") || c == UInt8(ascii: "|") {
            let one = c == UInt8(ascii: "&") ? "&" : "|"
            throw error("a lone '\(one)' is not an operator: expected '\(one)\(one)'", pos)
        }
        guard let one = Lexer.oneCharSymbol(c) else {
            throw error("unexpected character '\(String(scalar(at: i).0))'", pos)
        }
        switch c {
        case UInt8(ascii: "("), UInt8(ascii: "["): depth += 1
        case UInt8(ascii: ")"), UInt8(ascii: "]"): depth = max(0, depth - 1)
        default: break
        }
        advance()
        // `)`, `]`, `}`, `;` and the type-variable backtick end an expression; the rest continue it.
        let ends = c == UInt8(ascii: ")") || c == UInt8(ascii: "]") || c == UInt8(ascii: "}")
            || c == UInt8(ascii: ";") || c == UInt8(ascii: "`")
        emit(.symbol(one), pos, continues: !ends, level: Lexer.oneCharLevel(c))
    }

    private func trim(_ t: String) -> String {
        var u = Substring(t)
        while let f = u.first, f == " " || f == "\t" || f == "\n" || f == "\r" { u.removeFirst() }
        while let l = u.last, l == " " || l == "\t" || l == "\n" || l == "\r" { u.removeLast() }
        return String(u)
    }

    private static func isBareLiteralEnd(_ b: UInt8) -> Bool {
        switch b {
        case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","), UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"),
             UInt8(ascii: ";"): true
        default: false
        }
    }

    private static func isDigit(_ b: UInt8?) -> Bool {
        guard let b else { return false }
        return b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
    }

    private mutating func lexNumber(_ pos: SourcePos) throws(ConfigError) -> TokenKind {
        // Quirky bare literals: a run with two dots (10.0.0.1) or two colons (12:30:00).
        var j = i
        var dots = 0, colons = 0
        while j < s.count, !Lexer.isBareLiteralEnd(s[j]) {
            if s[j] == UInt8(ascii: ".") { dots += 1 }
            if s[j] == UInt8(ascii: ":") { colons += 1 }
            j += 1
        }
        if dots >= 2 || colons >= 2 {
            let start = i
            advanceRun(to: j)
            return .other(text(start..<j))
        }
        let start = i
        while Lexer.isDigit(peek()) { advance() }
        var isFloat = false
        if peek() == UInt8(ascii: "."), Lexer.isDigit(peek(1)) {
            isFloat = true
            advance()
            while Lexer.isDigit(peek()) { advance() }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            var k = 1
            if let sign = peek(1), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { k = 2 }
            if Lexer.isDigit(peek(k)) {
                isFloat = true
                for _ in 0..<k { advance() }
                while Lexer.isDigit(peek()) { advance() }
            }
        }
        let digits = text(start..<i)
        if isFloat {
            guard let f = Double(digits) else { throw error("invalid float literal \(digits)", pos) }
            return .float(f)
        }
        guard let v = Int64(digits) else { throw error("integer literal \(digits) is too large", pos) }
        return .int(v)
    }

    private static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// Reads one escape after a backslash.
    private mutating func lexEscape(_ pos: SourcePos) throws(ConfigError) -> Unicode.Scalar {
        guard i < s.count else { throw error("unterminated escape sequence", pos) }
        let (e, n) = scalar(at: i)
        advance()
        i += n - 1  // continuation bytes do not move the column
        switch e {
        case "n": return "\n"
        case "r": return "\r"
        case "a": return "\u{07}"
        case "b": return "\u{08}"
        case "f": return "\u{0C}"
        case "t": return "\t"
        case "x", "u", "U":
            let count = e == "x" ? 2 : e == "u" ? 4 : 8
            var v: UInt32 = 0
            for _ in 0..<count {
                guard let h = peek(), let d = Lexer.hexValue(h) else {
                    throw error("invalid \\\(e) escape: expected \(count) hex digits", pos)
                }
                v = v * 16 + d
                advance()
            }
            guard let sc = Unicode.Scalar(v) else { throw error("invalid code point in \\\(e) escape", pos) }
            return sc
        default: return e
        }
    }

    private static func appendUTF8(_ sc: Unicode.Scalar, to out: inout [UInt8]) {
        for b in UTF8.encode(sc)! { out.append(b) }
    }

    private mutating func lexString(_ pos: SourcePos) throws(ConfigError) -> String {
        advance()
        var out: [UInt8] = []
        var runStart = i
        while true {
            guard let c = peek(), c != 0x0A else {
                throw error("unterminated string: expected a closing \" on the same line", pos)
            }
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") {
                let run = runStart..<i
                advance()
                if c == UInt8(ascii: "\"") {
                    // The common case, no escapes: one slice of the source.
                    if out.isEmpty { return text(run) }
                    out.append(contentsOf: s[run])
                    return String(decoding: out, as: UTF8.self)
                }
                out.append(contentsOf: s[run])
                Lexer.appendUTF8(try lexEscape(pos), to: &out)
                runStart = i
            } else {
                advance()
            }
        }
    }

    private mutating func lexTripleString(_ pos: SourcePos) throws(ConfigError) -> String {
        advance(); advance(); advance()
        var out: [UInt8] = []
        var runStart = i
        while true {
            guard let c = peek() else { throw error("unterminated \"\"\" string: expected a closing \"\"\"", pos) }
            if c == UInt8(ascii: "\"") && peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"") {
                out.append(contentsOf: s[runStart..<i])
                advance(); advance(); advance()
                return String(decoding: out, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") {
                out.append(contentsOf: s[runStart..<i])
                advance()
                Lexer.appendUTF8(try lexEscape(pos), to: &out)
                runStart = i
            } else {
                advance()
            }
        }
    }

    private mutating func lexChar(_ pos: SourcePos) throws(ConfigError) -> Unicode.Scalar {
        advance()
        guard let c = peek(), c != 0x0A else { throw error("unterminated character literal", pos) }
        let v: Unicode.Scalar
        if c == UInt8(ascii: "\\") {
            advance()
            v = try lexEscape(pos)
        } else {
            let (sc, n) = scalar(at: i)
            advance()
            i += n - 1
            v = sc
        }
        guard peek() == UInt8(ascii: "'") else { throw error("character literal must hold one character: expected '", pos) }
        advance()
        return v
    }
}
