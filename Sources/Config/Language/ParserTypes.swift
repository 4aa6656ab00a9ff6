/// Type annotations of the con4m subset (`string`, `list[int]`, `(string, int)`, `` `x ``,
/// `func(int) -> string`): parsed and kept as text; the interpreter does not check them.
extension Parser {
    mutating func typeSpec() throws(ConfigError) -> String {
        if cur.isSymbol("`") {
            _ = next()
            return "`" + (try expectIdentifier("a type variable name after '`'"))
        }
        if cur.isWord("func") {
            _ = next()
            return "func" + (try funcSignature())
        }
        if cur.isSymbol("(") {  // tuple type: (string, string)
            _ = next()
            var parts = [try typeSpec()]
            while cur.isSymbol(",") { _ = next(); parts.append(try typeSpec()) }
            try expectSymbol(")", "to close the tuple type")
            return "(" + parts.joined(separator: ", ") + ")"
        }
        let name = try expectIdentifier("a type")
        guard Parser.typeNames.contains(name) else { throw err("unknown type '\(name)'") }
        if ["list", "dict", "tuple"].contains(name), cur.isSymbol("[") {
            _ = next()
            var parts = [try typeSpec()]
            while cur.isSymbol(",") { _ = next(); parts.append(try typeSpec()) }
            try expectSymbol("]", "to close the type")
            return "\(name)[\(parts.joined(separator: ", "))]"
        }
        return name
    }

    mutating func funcSignature() throws(ConfigError) -> String {
        var sig = ""
        if cur.isSymbol("(") {
            _ = next()
            var parts: [String] = []
            while !cur.isSymbol(")") {
                parts.append(try typeSpec())
                if cur.isSymbol(",") { _ = next() } else { break }
            }
            try expectSymbol(")", "to close the function type")
            sig = "(" + parts.joined(separator: ", ") + ")"
        }
        if cur.isSymbol("->") { _ = next(); sig += " -> " + (try typeSpec()) }
        return sig
    }
}
