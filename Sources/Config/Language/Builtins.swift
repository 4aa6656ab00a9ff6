import ChalkLog
import Marking

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A builtin's failure; the caller adds the position.
struct BuiltinError: Error {
    var message: String
}

/// The builtins of spec/config.md §1.4 that Chalk configs call. Each takes evaluated arguments.
extension Interpreter {
    func call(_ name: String, _ args: [CValue], _ pos: SourcePos) throws(ConfigError) -> CValue {
        if let f = functions[name] { return try callUser(name, f, args, pos) }
        callPos = pos
        calledBuiltins?.insert(name)
        do {
            if let v = try coreBuiltin(name, args) { return v }
            if let v = try moreBuiltins(name, args) { return v }
        } catch let e as BuiltinError {
            throw error(pos, "\(name)(): \(e.message)")
        } catch let e as ConfigError {
            throw e
        } catch {
            throw self.error(pos, "\(name)(): \(error)")
        }
        throw error(pos, "unknown function '\(name)'",
                    suggestion: Suggest.closest(to: name, in: Interpreter.builtinNames + Array(functions.keys)))
    }

    func callUser(_ name: String, _ f: UserFunction, _ args: [CValue], _ pos: SourcePos) throws(ConfigError) -> CValue {
        guard args.count == f.params.count else {
            throw error(pos, "function '\(name)' takes \(f.params.count) argument(s), but \(args.count) were given")
        }
        guard frames.count < Interpreter.maxCallDepth else { throw error(pos, "function calls nest too deeply (recursion in '\(name)'?)") }
        var frame: [String: CValue] = [:]
        for (p, a) in zip(f.params, args) { frame[p] = a }
        frames.append(frame)
        let saved = (file, sectionPath, sectionNode)
        file = f.file
        sectionPath = []
        sectionNode = root
        defer { frames.removeLast(); (file, sectionPath, sectionNode) = saved }
        if case .returned(let v) = try execute(f.body) { return v }
        return frames.last?["result"] ?? .void
    }

    static let builtinNames: [String] = [
        "env", "env_exists", "set_env", "bool", "int", "float", "char", "$", "to_string", "contains", "starts_with",
        "ends_with", "find", "len", "slice", "split", "strip", "pad", "upper", "lower", "join", "replace", "keys",
        "values", "items", "get", "set", "delete", "remove", "array_add", "format", "sha256", "hex", "echo", "abort",
        "getpid", "osname", "arch", "now", "rand", "in_container", "using_tty", "run", "system", "getuid",
        "geteuid", "uname", "read_file", "write_file", "is_file", "is_dir", "is_link", "cwd", "resolve_path",
        "join_path", "path_split", "find_exe", "to_usec", "to_msec", "to_sec", "Size", "Duration", "high", "low",
        "subscribe", "unsubscribe", "error", "warn", "info", "trace", "command_name", "command_argv", "version",
        "sections", "fields", "attr_exists", "typeof", "to_json", "parse_json", "program_name", "program_path",
        "program_args", "bitor", "bitand", "xor", "shl", "shr", "bitnot", "tmp_dir", "list_dir", "file_len",
        "copy_report_template_keys", "quote", "base64", "base64_web", "debase64", "dehex", "attr_get", "function_exists",
    ]

    private func str(_ v: CValue, _ what: String = "argument") throws -> String {
        guard case .string(let s) = v else { throw BuiltinError(message: "expected a string \(what), found \(v.typeName)") }
        return s
    }

    private func int(_ v: CValue) throws -> Int64 {
        guard let i = v.intLike else { throw BuiltinError(message: "expected an int, found \(v.typeName)") }
        return i
    }

    private func arity(_ args: [CValue], _ n: ClosedRange<Int>) throws {
        guard n.contains(args.count) else {
            throw BuiltinError(message: "takes \(n.lowerBound == n.upperBound ? "\(n.lowerBound)" : "\(n.lowerBound)-\(n.upperBound)") argument(s), \(args.count) given")
        }
    }

    private func coreBuiltin(_ name: String, _ a: [CValue]) throws -> CValue? {
        switch name {
        case "env":
            try arity(a, 0...1)
            if a.isEmpty {
                let e = FileIO.environment()
                return .dict(keys: e.map { .string($0.0) }, values: e.map { .string($0.1) })
            }
            return .string(FileIO.env(try str(a[0])) ?? "")
        case "env_exists":
            try arity(a, 1...1)
            return .bool(FileIO.env(try str(a[0])) != nil)
        case "set_env":
            try arity(a, 2...2)
            return .bool(setenv(try str(a[0]), try str(a[1]), 1) == 0)
        case "bool":
            try arity(a, 1...1)
            switch a[0] {
            case .bool(let b): return .bool(b)
            case .int(let i), .size(let i), .duration(let i): return .bool(i != 0)
            case .float(let f): return .bool(f != 0)
            case .string(let s): return .bool(!s.isEmpty)
            case .list(let l), .tuple(let l): return .bool(!l.isEmpty)
            case .dict(let k, _): return .bool(!k.isEmpty)
            default: throw BuiltinError(message: "cannot convert \(a[0].typeName) to bool")
            }
        case "int":
            try arity(a, 1...1)
            switch a[0] {
            case .float(let f):
                guard f.isFinite, abs(f) < 9.2e18 else { throw BuiltinError(message: "\(f) does not fit an int") }
                return .int(Int64(f))
            case .char(let c): return .int(Int64(c.value))
            case .int(let i), .size(let i), .duration(let i): return .int(i)
            case .string(let s):
                guard let i = Int64(s) else { throw BuiltinError(message: "\"\(s)\" is not an integer") }
                return .int(i)
            default: throw BuiltinError(message: "cannot convert \(a[0].typeName) to int")
            }
        case "float":
            try arity(a, 1...1)
            if let i = a[0].intLike { return .float(Double(i)) }
            if case .float = a[0] { return a[0] }
            throw BuiltinError(message: "cannot convert \(a[0].typeName) to float")
        case "char":
            try arity(a, 1...1)
            guard let sc = Unicode.Scalar(UInt32(truncatingIfNeeded: try int(a[0]))) else { throw BuiltinError(message: "not a code point") }
            return .char(sc)
        case "$", "to_string":
            try arity(a, 1...1)
            return .string(a[0].display)
        case "contains":
            try arity(a, 2...2)
            switch a[0] {
            case .string(let s): return .bool(s.contains(try str(a[1], "to look for")))
            case .list(let l): return .bool(l.contains { equal($0, a[1]) })
            case .dict(let k, _): return .bool(k.contains { equal($0, a[1]) })
            default: throw BuiltinError(message: "expected a string, list or dict, found \(a[0].typeName)")
            }
        case "starts_with":
            try arity(a, 2...2)
            return .bool(try str(a[0]).hasPrefix(try str(a[1])))
        case "ends_with":
            try arity(a, 2...2)
            return .bool(try str(a[0]).hasSuffix(try str(a[1])))
        case "find":
            try arity(a, 2...2)
            let s = Array(try str(a[0]).unicodeScalars), sub = Array(try str(a[1]).unicodeScalars)
            if sub.isEmpty { return .int(0) }
            if sub.count <= s.count {
                for i in 0...(s.count - sub.count) where Array(s[i..<(i + sub.count)]) == sub { return .int(Int64(i)) }
            }
            return .int(-1)
        case "len":
            try arity(a, 1...1)
            switch a[0] {
            case .string(let s): return .int(Int64(s.utf8.count))
            case .list(let l), .tuple(let l): return .int(Int64(l.count))
            case .dict(let k, _): return .int(Int64(k.count))
            default: throw BuiltinError(message: "expected a string, list or dict, found \(a[0].typeName)")
            }
        case "slice":
            try arity(a, 2...3)
            func bounds(_ n: Int) throws -> Range<Int> {
                func fix(_ v: Int64) -> Int { let k = v < 0 ? Int(v) + n : Int(v); return min(max(k, 0), n) }
                let lo = fix(try int(a[1]))
                let hi = a.count == 3 ? fix(try int(a[2])) : n
                return lo..<max(lo, hi)
            }
            switch a[0] {
            case .string(let s):
                let u = Array(s.unicodeScalars)
                var out = ""
                out.unicodeScalars.append(contentsOf: u[try bounds(u.count)])
                return .string(out)
            case .list(let l): return .list(Array(l[try bounds(l.count)]))
            default: throw BuiltinError(message: "expected a string or list, found \(a[0].typeName)")
            }
        case "split":
            try arity(a, 2...2)
            let s = try str(a[0]), sep = try str(a[1])
            guard !sep.isEmpty else { throw BuiltinError(message: "the separator is empty") }
            return .list(splitString(s, sep).map { .string($0) })
        case "strip":
            try arity(a, 1...1)
            return .string(stripWhitespace(try str(a[0])))
        case "pad":
            try arity(a, 2...2)
            let s = try str(a[0]), n = Int(try int(a[1]))
            return .string(s.count >= n ? s : s + String(repeating: " ", count: n - s.count))
        case "upper":
            try arity(a, 1...1)
            return .string(try str(a[0]).uppercased())
        case "lower":
            try arity(a, 1...1)
            return .string(try str(a[0]).lowercased())
        case "join":
            try arity(a, 2...2)
            guard let l = a[0].stringList else { throw BuiltinError(message: "expected a list[string], found \(a[0].typeName)") }
            return .string(l.joined(separator: try str(a[1])))
        case "replace":
            try arity(a, 3...3)
            let s = try str(a[0]), old = try str(a[1]), new = try str(a[2])
            guard !old.isEmpty else { return .string(s) }
            return .string(splitString(s, old).joined(separator: new))
        case "keys", "values", "items":
            try arity(a, 1...1)
            guard case .dict(let k, let v) = a[0] else { throw BuiltinError(message: "expected a dict, found \(a[0].typeName)") }
            if name == "keys" { return .list(k) }
            if name == "values" { return .list(v) }
            return .list(zip(k, v).map { .tuple([$0, $1]) })
        case "get":
            try arity(a, 2...2)
            guard case .dict(let k, let v) = a[0] else { throw BuiltinError(message: "expected a dict, found \(a[0].typeName)") }
            guard let i = k.firstIndex(where: { equal($0, a[1]) }) else { throw BuiltinError(message: "key \(a[1].quoted) is not in the dict") }
            return v[i]
        case "set":
            try arity(a, 3...3)
            switch a[0] {
            case .dict(var k, var v):
                if let i = k.firstIndex(where: { equal($0, a[1]) }) { v[i] = a[2] } else { k.append(a[1]); v.append(a[2]) }
                return .dict(keys: k, values: v)
            case .list(var l):
                let i = Int(try int(a[1]))
                guard i >= 0, i < l.count else { throw BuiltinError(message: "index \(i) is out of range") }
                l[i] = a[2]
                return .list(l)
            default: throw BuiltinError(message: "expected a dict or list, found \(a[0].typeName)")
            }
        case "delete":
            try arity(a, 2...2)
            switch a[0] {
            case .dict(let k, let v):
                let keep = k.indices.filter { !equal(k[$0], a[1]) }
                return .dict(keys: keep.map { k[$0] }, values: keep.map { v[$0] })
            case .list(let l): return .list(l.filter { !equal($0, a[1]) })
            default: throw BuiltinError(message: "expected a dict or list, found \(a[0].typeName)")
            }
        case "remove":
            try arity(a, 2...2)
            guard case .list(var l) = a[0] else { throw BuiltinError(message: "expected a list, found \(a[0].typeName)") }
            let i = Int(try int(a[1]))
            guard i >= 0, i < l.count else { throw BuiltinError(message: "index \(i) is out of range") }
            l.remove(at: i)
            return .list(l)
        case "array_add":
            try arity(a, 2...2)
            guard case .list(let x) = a[0], case .list(let y) = a[1] else { throw BuiltinError(message: "expected two lists") }
            return .list(x + y)
        default:
            return nil
        }
    }
}

func splitString(_ s: String, _ sep: String) -> [String] {
    var out: [String] = []
    var rest = Substring(s)
    while let r = rest.firstRange(of: sep) {
        out.append(String(rest[..<r.lowerBound]))
        rest = rest[r.upperBound...]
    }
    out.append(String(rest))
    return out
}

func stripWhitespace(_ s: String) -> String {
    var u = Substring(s)
    while let f = u.first, f.isWhitespace { u.removeFirst() }
    while let l = u.last, l.isWhitespace { u.removeLast() }
    return String(u)
}
