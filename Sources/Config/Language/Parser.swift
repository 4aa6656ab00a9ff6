/// Recursive-descent parser for the con4m subset (spec/config.md §1.7).
struct Parser {
    let file: String
    private var lexer: Lexer
    /// The tokens lexed and not yet dropped: `toks[i]` is the current one. Consumed tokens are
    /// dropped now and then, so a large file never has all its tokens in memory.
    private var toks: [Token] = []
    private var i = 0
    /// The first lexing error; from then on the lexer gives only `.eof`.
    private var lexError: ConfigError?
    /// The eof token is in `toks`.
    private var lexedEOF = false
    /// Nesting of blocks and expressions, bounded so hostile input can't exhaust the stack.
    private var depth = 0
    static let maxDepth = 150

    static let typeNames: Set<String> = [
        "bool", "int", "float", "string", "char", "void", "list", "dict", "tuple", "typespec", "Duration",
        "IPAddr", "CIDR", "Size", "Date", "Time", "DateTime",
    ]
    static let reserved: Set<String> = [
        "var", "true", "True", "false", "False", "is", "and", "or", "not", "if", "elif", "else", "for", "from",
        "to", "break", "continue", "return", "enum", "func", "export",
    ]

    init(file: String, source: String, names: NameTable) {
        self.file = file
        self.lexer = Lexer(file: file, source: source, names: names)
        fill(0)
    }

    /// Parses a whole config file. A lexing error anywhere in the file is reported before any
    /// parse error, as when the whole file was lexed before parsing.
    static func parse(file: String, source: String, names: NameTable = NameTable()) throws(ConfigError) -> [Stmt] {
        var p = Parser(file: file, source: source, names: names)
        let body: [Stmt]
        do {
            body = try p.statements(inBlock: false)
        } catch {
            if let lexing = p.lexRest() { throw lexing }
            throw error
        }
        if let lexing = p.lexError { throw lexing }
        return body
    }

    /// Lexes the rest of the file after a parse error; returns the first lexing error, if any.
    private mutating func lexRest() -> ConfigError? {
        while lexError == nil, !lexedEOF { fill(toks.count - i) }
        return lexError
    }

    // MARK: tokens

    /// Lexes until `toks[i + k]` exists or the eof token has been lexed.
    private mutating func fill(_ k: Int) {
        while toks.count <= i + k, !lexedEOF {
            do {
                let t = try lexer.next()
                if case .eof = t.kind { lexedEOF = true }
                toks.append(t)
            } catch {
                lexError = error
                lexedEOF = true
                // The parse stops at this point; `parse` then reports the lexing error.
                toks.append(Token(kind: .eof, pos: toks.last?.pos ?? SourcePos(line: 1, column: 1)))
            }
        }
    }

    var cur: Token { toks[i] }
    private mutating func ahead(_ k: Int) -> Token {
        fill(k)
        return toks[min(i + k, toks.count - 1)]
    }
    mutating func next() -> Token {
        let t = toks[i]
        if t.kind != .eof {
            i += 1
            if i >= 256 { toks.removeFirst(i); i = 0 }
            fill(0)
        }
        return t
    }

    func err(_ msg: String, _ at: Token? = nil) -> ConfigError {
        let t = at ?? cur
        return ConfigError(file: file, line: t.pos.line, column: t.pos.column, message: msg)
    }

    mutating func expectSymbol(_ s: String, _ what: String) throws(ConfigError) {
        guard cur.isSymbol(s) else { throw err("expected '\(s)' \(what), found \(cur.display)") }
        _ = next()
    }

    mutating func expectIdentifier(_ what: String) throws(ConfigError) -> String {
        guard let id = cur.identifier else { throw err("expected \(what), found \(cur.display)") }
        _ = next()
        return id
    }

    private mutating func skipNewlines() { while cur.kind == .newline { _ = next() } }

    // MARK: statements

    private mutating func statements(inBlock: Bool) throws(ConfigError) -> [Stmt] {
        var out: [Stmt] = []
        while true {
            while cur.kind == .newline || cur.isSymbol(";") { _ = next() }
            if cur.kind == .eof {
                if inBlock { throw err("unexpected end of file: expected '}' to close the block") }
                return out
            }
            if cur.isSymbol("}") {
                if inBlock { return out }
                throw err("unexpected '}': there is no open block to close")
            }
            out.append(try statement())
            // A statement ends at a newline, ';', a closing '}' or the end of the file.
            switch cur.kind {
            case .newline, .eof: continue
            case .symbol(";"), .symbol("}"): continue
            default: throw err("expected end of statement here (a newline or ';'), found \(cur.display)")
            }
        }
    }

    private mutating func enter() throws(ConfigError) {
        depth += 1
        if depth > Parser.maxDepth { throw err("the config nests too deeply here (more than \(Parser.maxDepth) levels)") }
    }

    private mutating func block() throws(ConfigError) -> [Stmt] {
        try enter()
        defer { depth -= 1 }
        try expectSymbol("{", "to open a block")
        let body = try statements(inBlock: true)
        try expectSymbol("}", "to close the block")
        return body
    }

    private mutating func statement() throws(ConfigError) -> Stmt {
        let start = cur
        if cur.isSymbol("~") {
            _ = next()
            let path = try dottedPath()
            guard cur.isSymbol(":") || cur.isSymbol("=") else {
                throw err("expected ':' or '=' after the locked attribute '\(path.joined(separator: "."))', found \(cur.display)")
            }
            _ = next()
            return .assign(path: path, locked: true, value: try expression(), pos: start.pos)
        }
        guard let word = cur.identifier else {
            return .expression(try expression(), start.pos)
        }
        switch word {
        case "if": return try ifStatement()
        case "for": return try forStatement()
        case "func" where ahead(1).identifier != nil && ahead(2).isSymbol("("): return try funcDefinition()
        case "enum":
            _ = next()
            return .enumDecl(names: try identifierList("an enum constant name"), pos: start.pos)
        case "export":
            _ = next()
            _ = try identifierList("a variable name to export")
            return .declaration(pos: start.pos)
        case "var":
            _ = next()
            _ = try identifierList("a variable name")
            try expectSymbol(":", "before the variable's type")
            _ = try typeSpec()
            return .declaration(pos: start.pos)
        case "break": _ = next(); return .breakStmt(start.pos)
        case "continue": _ = next(); return .continueStmt(start.pos)
        case "return":
            _ = next()
            if cur.kind == .newline || cur.kind == .eof || cur.isSymbol(";") || cur.isSymbol("}") {
                return .returnStmt(nil, start.pos)
            }
            return .returnStmt(try expression(), start.pos)
        case "use" where ahead(1).identifier != nil:
            _ = next()
            let name = try expectIdentifier("a component name after 'use'")
            var from: String?
            if cur.isWord("from") {
                _ = next()
                guard case .string(let s) = cur.kind else { throw err("expected a string location after 'from', found \(cur.display)") }
                _ = next()
                from = s
            }
            return .use(name: name, from: from, pos: start.pos)
        case "parameter":
            return .parameter(pos: start.pos)
        default: break
        }
        if Parser.reserved.contains(word) { return .expression(try expression(), start.pos) }

        // Unpacking: a, b := expr
        if ahead(1).isSymbol(",") {
            var k = 0
            var names: [String] = []
            while let id = ahead(k).identifier { names.append(id); if ahead(k + 1).isSymbol(",") { k += 2 } else { k += 1; break } }
            if ahead(k).isSymbol(":=") {
                for _ in 0..<k { _ = next() }
                _ = next()
                return .varAssign(names: names, value: try expression(), pos: start.pos)
            }
        }
        if ahead(1).isSymbol(":=") {
            _ = next(); _ = next()
            return .varAssign(names: [word], value: try expression(), pos: start.pos)
        }
        // Attribute assignment: a.b.c (:|=) expr
        var k = 1
        while ahead(k).isSymbol("."), ahead(k + 1).identifier != nil { k += 2 }
        if ahead(k).isSymbol(":") || ahead(k).isSymbol("=") {
            let path = try dottedPath()
            _ = next()
            return .assign(path: path, locked: false, value: try expression(), pos: start.pos)
        }
        // Sections: kind { … }, kind tag { … }, or kind tag <end of statement>.
        if ahead(1).isSymbol("{") {
            _ = next()
            return .section(kind: word, tag: nil, body: try block(), pos: start.pos)
        }
        let tagTok = ahead(1)
        if tagTok.kind == .newline || tagTok.kind == .eof || tagTok.isSymbol(";") || tagTok.isSymbol("}") {
            _ = next()
            return .section(kind: word, tag: nil, body: [], pos: start.pos)
        }
        var tag: String?
        if let id = tagTok.identifier, !Parser.reserved.contains(id) { tag = id }
        if case .string(let s) = tagTok.kind { tag = s }
        if let tag {
            let after = ahead(2)
            if after.isSymbol("{") {
                _ = next(); _ = next()
                return .section(kind: word, tag: tag, body: try block(), pos: start.pos)
            }
            if after.kind == .newline || after.kind == .eof || after.isSymbol(";") || after.isSymbol("}") {
                _ = next(); _ = next()
                return .section(kind: word, tag: tag, body: [], pos: start.pos)
            }
        }
        return .expression(try expression(), start.pos)
    }

    private mutating func identifierList(_ what: String) throws(ConfigError) -> [String] {
        var names = [try expectIdentifier(what)]
        while cur.isSymbol(",") { _ = next(); names.append(try expectIdentifier(what)) }
        return names
    }

    private mutating func dottedPath() throws(ConfigError) -> [String] {
        var path = [try expectIdentifier("an attribute name")]
        while cur.isSymbol(".") {
            _ = next()
            path.append(try expectIdentifier("an attribute name after '.'"))
        }
        return path
    }

    private mutating func ifStatement() throws(ConfigError) -> Stmt {
        let pos = next().pos
        var branches = [(try expression(), try block())]
        var otherwise: [Stmt]?
        while true {
            // elif/else may start on the line after '}'.
            var k = 0
            while ahead(k).kind == .newline { k += 1 }
            if ahead(k).isWord("elif") {
                for _ in 0...k { _ = next() }
                branches.append((try expression(), try block()))
            } else if ahead(k).isWord("else") {
                for _ in 0...k { _ = next() }
                otherwise = try block()
                break
            } else {
                break
            }
        }
        return .ifChain(branches: branches, otherwise: otherwise, pos: pos)
    }

    private mutating func forStatement() throws(ConfigError) -> Stmt {
        let pos = next().pos
        let v = try expectIdentifier("a loop variable after 'for'")
        guard cur.isWord("from") else { throw err("expected 'from' in 'for \(v) from A to B', found \(cur.display)") }
        _ = next()
        let a = try expression()
        guard cur.isWord("to") else { throw err("expected 'to' in 'for \(v) from A to B', found \(cur.display)") }
        _ = next()
        let b = try expression()
        return .forLoop(variable: v, from: a, to: b, body: try block(), pos: pos)
    }

    private mutating func funcDefinition() throws(ConfigError) -> Stmt {
        let pos = next().pos
        let name = try expectIdentifier("a function name")
        try expectSymbol("(", "after the function name")
        var params: [String] = []
        while !cur.isSymbol(")") {
            params.append(try expectIdentifier("a parameter name"))
            if cur.isSymbol(":") { _ = next(); _ = try typeSpec() }
            if cur.isSymbol(",") { _ = next() } else { break }
        }
        try expectSymbol(")", "to close the parameter list")
        if cur.isSymbol("->") { _ = next(); _ = try typeSpec() }
        return .funcDef(name: name, params: params, body: try block(), pos: pos)
    }

    // MARK: expressions

    // Token.operatorLevel gives each operator its index here.
    private static let ladder: [[String]] = [
        ["or", "||"], ["and", "&&"], ["!="], ["==", "is"], [">="], ["<="], [">"], ["<"], ["+"], ["-"], ["%"], ["*"], ["/"],
    ]

    mutating func expression() throws(ConfigError) -> Expr {
        try enter()
        defer { depth -= 1 }
        if cur.isWord("not") || cur.isSymbol("!") {
            let pos = next().pos
            return .not(try expression(), pos)  // 'not' takes the whole rest of the expression
        }
        // A lone operand (most of the base config's values): the 13 operator levels would each
        // find no operator after it, so parse it directly.
        if isSingleTokenOperand(cur), ahead(1).endsExpression { return try primary() }
        return try binary(0)
    }

    /// Whether `primary()` reads exactly `t` and nothing after it.
    private func isSingleTokenOperand(_ t: Token) -> Bool {
        switch t.kind {
        case .int, .float, .string, .char, .other: return true
        case .identifier(let w): return w != "func" && w != "not" && !Parser.typeNames.contains(w)
        default: return false
        }
    }

    private func opAt(_ level: Int) -> String? {
        guard toks[i].operatorLevel == level else { return nil }
        let ops = Parser.ladder[level]
        switch cur.kind {
        case .symbol(let s) where ops.contains(s): return s
        case .identifier(let w) where ops.contains(w): return w == "is" ? "==" : w
        default: return nil
        }
    }

    private mutating func binary(_ level: Int) throws(ConfigError) -> Expr {
        if level == Parser.ladder.count { return try unary() }
        let lhs = try binary(level + 1)
        guard let op = opAt(level) else { return lhs }
        let pos = next().pos
        let normalized = op == "||" ? "or" : op == "&&" ? "and" : op
        return .binary(normalized, lhs, try binary(level), pos)  // same operator chains to the right
    }

    private mutating func unary() throws(ConfigError) -> Expr {
        if cur.isSymbol("-") || cur.isSymbol("+") {
            let t = next()
            if case .symbol(let s) = t.kind { return .unary(s, try postfix(), t.pos) }
        }
        if cur.isWord("not") || cur.isSymbol("!") {
            let pos = next().pos
            return .not(try expression(), pos)
        }
        return try postfix()
    }

    private mutating func postfix() throws(ConfigError) -> Expr {
        var e = try primary()
        while true {
            if cur.isSymbol(".") {
                let dot = next()
                let name = try expectIdentifier("a name after '.'")
                if cur.isSymbol("(") {
                    e = .call(name, [e] + (try callArguments()), dot.pos)
                } else {
                    e = .member(e, name, dot.pos)
                }
            } else if cur.isSymbol("[") {
                let pos = next().pos
                let idx = try expression()
                try expectSymbol("]", "to close the index")
                e = .index(e, idx, pos)
            } else {
                return e
            }
        }
    }

    private mutating func callArguments() throws(ConfigError) -> [Expr] {
        try expectSymbol("(", "to start the arguments")
        var args: [Expr] = []
        while !cur.isSymbol(")") {
            args.append(try expression())
            if cur.isSymbol(",") { _ = next() } else { break }
        }
        try expectSymbol(")", "to close the argument list")
        return args
    }

    private mutating func primary() throws(ConfigError) -> Expr {
        let t = cur
        switch t.kind {
        case .int(let v): _ = next(); return .literal(.int(v), t.pos)
        case .float(let v): _ = next(); return .literal(.float(v), t.pos)
        case .string(let v): _ = next(); return .literal(.string(v), t.pos)
        case .char(let v): _ = next(); return .literal(.char(v), t.pos)
        case .other(let text):
            _ = next()
            guard let v = OtherLiterals.classify(text) else {
                throw err("invalid literal <<\(text)>>: expected a size such as <<10mb>> or a duration such as <<30 sec>>", t)
            }
            return .literal(v, t.pos)
        case .symbol("["):
            _ = next()
            var items: [Expr] = []
            skipNewlines()
            while !cur.isSymbol("]") {
                items.append(try expression())
                skipNewlines()
                if cur.isSymbol(",") { _ = next(); skipNewlines() } else { break }
            }
            try expectSymbol("]", "to close the list")
            return .list(items, t.pos)
        case .symbol("{"):
            _ = next()
            var pairs: [(Expr, Expr)] = []
            skipNewlines()
            while !cur.isSymbol("}") {
                let k = try expression()
                try expectSymbol(":", "between a dict key and its value")
                skipNewlines()
                pairs.append((k, try expression()))
                skipNewlines()
                if cur.isSymbol(",") { _ = next(); skipNewlines() } else { break }
            }
            try expectSymbol("}", "to close the dict")
            return .dict(pairs, t.pos)
        case .symbol("("):
            _ = next()
            var items = [try expression()]
            while cur.isSymbol(",") { _ = next(); items.append(try expression()) }
            try expectSymbol(")", "to close the parenthesis")
            return items.count == 1 ? items[0] : .tuple(items, t.pos)
        case .symbol("`"):
            return .literal(.typespec(try typeSpec()), t.pos)
        case .identifier(let w):
            switch w {
            case "true", "True": _ = next(); return .literal(.bool(true), t.pos)
            case "false", "False": _ = next(); return .literal(.bool(false), t.pos)
            case "func":
                _ = next()
                let name = try expectIdentifier("a function name after 'func'")
                _ = try funcSignature()
                return .literal(.callback(name), t.pos)
            default: break
            }
            if Parser.typeNames.contains(w), !ahead(1).isSymbol("(") {
                return .literal(.typespec(try typeSpec()), t.pos)
            }
            _ = next()
            if cur.isSymbol("(") { return .call(w, try callArguments(), t.pos) }
            return .identifier(w, t.pos)
        default:
            throw err("expected a value, found \(t.display)")
        }
    }
}
