/// Expression evaluation (spec/config.md §1.3).
extension Interpreter {
    func evaluate(_ e: Expr) throws(ConfigError) -> CValue {
        switch e {
        case .literal(let v, _):
            return v
        case .identifier(let name, let pos):
            return try lookupName(name, pos)
        case .list(let items, let pos):
            var out: [CValue] = []
            for x in items { out.append(try evaluate(x)) }
            if let first = out.first, let bad = out.first(where: { !sameKind($0, first) }) {
                throw error(pos, "list items must all have the same type: found \(first.typeName) and \(bad.typeName)")
            }
            return .list(out)
        case .dict(let pairs, _):
            var keys: [CValue] = [], values: [CValue] = []
            for (k, v) in pairs {
                let kv = try evaluate(k), vv = try evaluate(v)
                if let idx = keys.firstIndex(of: kv) { values[idx] = vv } else { keys.append(kv); values.append(vv) }
            }
            return .dict(keys: keys, values: values)
        case .tuple(let items, _):
            var out: [CValue] = []
            for x in items { out.append(try evaluate(x)) }
            return .tuple(out)
        case .not(let x, let pos):
            let v = try evaluate(x)
            guard case .bool(let b) = v else { throw error(pos, "'not' needs a bool, found \(v.typeName)") }
            return .bool(!b)
        case .unary(let op, let x, let pos):
            let v = try evaluate(x)
            switch (op, v) {
            case ("+", .int), ("+", .float), ("+", .size), ("+", .duration): return v
            case ("-", .int(let i)): return .int(-i)
            case ("-", .float(let f)): return .float(-f)
            case ("-", .duration(let d)): return .duration(-d)
            default: throw error(pos, "unary '\(op)' needs a number, found \(v.typeName)")
            }
        case .binary(let op, let l, let r, let pos):
            return try binary(op, l, r, pos)
        case .call(let name, let args, let pos):
            var vals: [CValue] = []
            for a in args { vals.append(try evaluate(a)) }
            return try call(name, vals, pos)
        case .member(let base, let name, let pos):
            let b = try evaluate(base)
            guard case .section(let path) = b, let node = root.lookup(path) else {
                throw error(pos, "cannot read '.\(name)' of a \(b.typeName)")
            }
            if let f = node.field(name) { return f.value }
            if node.child(name) != nil { return .section(path + [name]) }
            let known = Array(node.fieldsAndChildren)
            throw error(pos, "'\(path.joined(separator: "."))' has no attribute '\(name)'",
                        suggestion: Suggest.closest(to: name, in: known))
        case .index(let base, let idx, let pos):
            let b = try evaluate(base), i = try evaluate(idx)
            switch (b, i) {
            case (.list(let l), .int(let n)), (.tuple(let l), .int(let n)):
                let k = n < 0 ? Int(n) + l.count : Int(n)
                guard k >= 0, k < l.count else { throw error(pos, "index \(n) is out of range (length \(l.count))") }
                return l[k]
            case (.dict(let keys, let values), _):
                guard let k = keys.firstIndex(of: i) else { throw error(pos, "key \(i.quoted) is not in the dict") }
                return values[k]
            case (.string(let s), .int(let n)):
                let u = Array(s.unicodeScalars)
                let k = n < 0 ? Int(n) + u.count : Int(n)
                guard k >= 0, k < u.count else { throw error(pos, "index \(n) is out of range (length \(u.count))") }
                return .char(u[k])
            default:
                throw error(pos, "cannot index a \(b.typeName) with a \(i.typeName)")
            }
        }
    }

    private func sameKind(_ a: CValue, _ b: CValue) -> Bool {
        switch (a, b) {
        case (.string, .string), (.int, .int), (.float, .float), (.bool, .bool), (.char, .char), (.size, .size),
             (.duration, .duration), (.list, .list), (.dict, .dict), (.tuple, .tuple), (.typespec, .typespec),
             (.callback, .callback), (.otherLiteral, .otherLiteral): true
        default: false
        }
    }

    /// A bare name: a local or global variable, then an attribute of the current section, then a
    /// root attribute or section.
    private func lookupName(_ name: String, _ pos: SourcePos) throws(ConfigError) -> CValue {
        if let f = frames.last, let v = f[name] { return v }
        if let v = globals[name] { return v }
        if let a = sectionNode.field(name) { return a.value }
        if let a = root.field(name) { return a.value }
        if root.child(name) != nil { return .section([name]) }
        let candidates = Array(globals.keys) + (frames.last.map { Array($0.keys) } ?? []) + root.fieldsAndChildren
        throw error(pos, "unknown name '\(name)': not a variable or attribute", suggestion: Suggest.closest(to: name, in: candidates))
    }

    private func binary(_ op: String, _ l: Expr, _ r: Expr, _ pos: SourcePos) throws(ConfigError) -> CValue {
        if op == "and" || op == "or" {
            let a = try evaluate(l)
            guard case .bool(let x) = a else { throw error(pos, "'\(op)' needs bool operands, found \(a.typeName)") }
            if op == "and" && !x { return .bool(false) }
            if op == "or" && x { return .bool(true) }
            let b = try evaluate(r)
            guard case .bool(let y) = b else { throw error(pos, "'\(op)' needs bool operands, found \(b.typeName)") }
            return .bool(y)
        }
        let a = try evaluate(l), b = try evaluate(r)
        switch op {
        case "==": return .bool(equal(a, b))
        case "!=": return .bool(!equal(a, b))
        case "<", "<=", ">", ">=":
            let c: Int
            switch (a, b) {
            case (.float(let x), .float(let y)): c = x < y ? -1 : x > y ? 1 : 0
            case (.string(let x), .string(let y)): c = x < y ? -1 : x > y ? 1 : 0
            case (.char(let x), .char(let y)): c = x.value < y.value ? -1 : x.value > y.value ? 1 : 0
            default:
                guard let x = a.intLike, let y = b.intLike else {
                    throw error(pos, "cannot compare \(a.typeName) with \(b.typeName)")
                }
                c = x < y ? -1 : x > y ? 1 : 0
            }
            switch op {
            case "<": return .bool(c < 0)
            case "<=": return .bool(c <= 0)
            case ">": return .bool(c > 0)
            default: return .bool(c >= 0)
            }
        case "+":
            switch (a, b) {
            case (.string(let x), .string(let y)): return .string(x + y)
            case (.float(let x), .float(let y)): return .float(x + y)
            case (.char(let x), .char(let y)): return .string(String(x) + String(y))
            default: break
            }
            return try arith(op, a, b, pos) { $0.addingReportingOverflow($1) }
        case "-": return try arith(op, a, b, pos) { $0.subtractingReportingOverflow($1) }
        case "*": return try arith(op, a, b, pos) { $0.multipliedReportingOverflow(by: $1) }
        case "/", "%":
            if case .float(let x) = a, case .float(let y) = b { return .float(op == "/" ? x / y : x.truncatingRemainder(dividingBy: y)) }
            if b.intLike == 0 { throw error(pos, "division by zero") }
            return try arith(op, a, b, pos) {
                op == "/" ? $0.dividedReportingOverflow(by: $1) : $0.remainderReportingOverflow(dividingBy: $1)
            }
        default:
            throw error(pos, "unknown operator '\(op)'")
        }
    }

    private func arith(_ op: String, _ a: CValue, _ b: CValue, _ pos: SourcePos,
                       _ f: (Int64, Int64) -> (partialValue: Int64, overflow: Bool)) throws(ConfigError) -> CValue {
        if case .float(let x) = a, case .float(let y) = b {
            switch op {
            case "-": return .float(x - y)
            case "*": return .float(x * y)
            default: break
            }
        }
        guard let x = a.intLike, let y = b.intLike, sameKind(a, b) || b.isPlainInt || a.isPlainInt else {
            throw error(pos, "'\(op)' cannot combine \(a.typeName) and \(b.typeName) (numbers never convert implicitly: use float() or int())")
        }
        let (v, o) = f(x, y)
        if o { throw error(pos, "integer overflow in '\(op)'") }
        switch (a, b) {
        case (.duration, _), (_, .duration): return .duration(v)
        case (.size, _), (_, .size): return .size(v)
        default: return .int(v)
        }
    }

    func equal(_ a: CValue, _ b: CValue) -> Bool {
        if let x = a.intLike, let y = b.intLike { return x == y }
        return a == b
    }
}

extension CValue {
    var isPlainInt: Bool { if case .int = self { true } else { false } }
}

extension SectionNode {
    /// Names of fields and child sections, for suggestions.
    var fieldsAndChildren: [String] { fieldOrder + childOrder }
}
