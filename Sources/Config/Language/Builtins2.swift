import ChalkLog
import Marking

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// System, chalk-specific and introspection builtins.
extension Interpreter {
    private func s(_ v: CValue) throws -> String {
        guard case .string(let x) = v else { throw BuiltinError(message: "expected a string, found \(v.typeName)") }
        return x
    }

    private func n(_ v: CValue) throws -> Int64 {
        guard let i = v.intLike else { throw BuiltinError(message: "expected an int, found \(v.typeName)") }
        return i
    }

    private func count(_ a: [CValue], _ r: ClosedRange<Int>) throws {
        guard r.contains(a.count) else { throw BuiltinError(message: "takes \(r.lowerBound)...\(r.upperBound) argument(s), \(a.count) given") }
    }

    func moreBuiltins(_ name: String, _ a: [CValue]) throws -> CValue? {
        switch name {
        case "format":
            try count(a, 1...1)
            return .string(try format(try s(a[0])))
        case "sha256":
            try count(a, 1...1)
            return .string(Hex.encode(SHA256.digest(Array(try s(a[0]).utf8))))
        case "hex":
            try count(a, 1...1)
            if let i = a[0].intLike { return .string(String(i, radix: 16)) }
            return .string(Hex.encode(Array(try s(a[0]).utf8)))
        case "echo":
            Log.writeStderr(a.map(\.display).joined(separator: " ") + "\n")
            return .void
        case "abort":
            try count(a, 1...1)
            throw BuiltinError(message: "the config aborted: \(try s(a[0]))")
        case "getpid": return .int(Int64(getpid()))
        case "getuid": return .int(Int64(getuid()))
        case "geteuid": return .int(Int64(geteuid()))
        case "osname": return .string(unameFields()[0].lowercased())
        case "arch": return .string(unameFields()[4])
        case "uname": return .list(unameFields().map { .string($0) })
        case "now":
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            return .int(Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
        case "rand":
            return .int(Int64.random(in: Int64.min...Int64.max))
        case "high": return .int(Int64.max)
        case "low": return .int(Int64.min)
        case "in_container": return .bool(Interpreter.inContainer(context))
        case "using_tty":
            return .bool(isatty(0) == 1 || isatty(1) == 1 || isatty(2) == 1)
        case "run":
            try count(a, 1...1)
            return .string(FileIO.runShell(try s(a[0])).0)
        case "system":
            try count(a, 1...1)
            let (out, code) = FileIO.runShell(try s(a[0]))
            return .tuple([.string(out), .int(Int64(code))])
        case "read_file":
            try count(a, 1...1)
            return .string(FileIO.readText(resolvePath(try s(a[0]))) ?? "")
        case "write_file":
            try count(a, 2...2)
            return .bool(FileIO.writeText(resolvePath(try s(a[0])), try s(a[1])) == nil)
        case "is_file": try count(a, 1...1); return .bool(FileIO.isFile(resolvePath(try s(a[0]))))
        case "is_dir": try count(a, 1...1); return .bool(FileIO.isDirectory(resolvePath(try s(a[0]))))
        case "is_link": try count(a, 1...1); return .bool(FileIO.isLink(resolvePath(try s(a[0]))))
        case "file_len":
            try count(a, 1...1)
            var st = stat()
            return .int(stat(resolvePath(try s(a[0])), &st) == 0 ? Int64(st.st_size) : -1)
        case "cwd": return .string(context.startDirectory)
        case "resolve_path": try count(a, 1...1); return .string(resolvePath(try s(a[0])))
        case "join_path": try count(a, 2...2); return .string(PathUtil.join(try s(a[0]), try s(a[1])))
        case "path_split":
            try count(a, 1...1)
            let p = try s(a[0])
            return .tuple([.string(p.contains("/") ? PathUtil.dirname(p) : ""), .string(PathUtil.basename(p))])
        case "tmp_dir": return .string(FileIO.env("TMPDIR") ?? "/tmp")
        case "list_dir":
            try count(a, 0...1)
            return .list(listDirectory(resolvePath(a.isEmpty ? "." : try s(a[0]))).map { .string($0) })
        case "find_exe":
            try count(a, 1...2)
            let exe = try s(a[0])
            var dirs = a.count == 2 ? (a[1].stringList ?? []) : []
            dirs += (FileIO.env("PATH") ?? "").split(separator: ":").map(String.init)
            for d in dirs {
                let p = PathUtil.join(resolvePath(d), exe)
                if FileIO.isFile(p), access(p, X_OK) == 0 { return .string(p) }
            }
            return .string("")
        case "quote":
            try count(a, 1...1)
            return .string("'" + splitString(try s(a[0]), "'").joined(separator: "'\\''") + "'")
        case "to_usec", "to_msec", "to_sec":
            try count(a, 1...1)
            let us = try n(a[0])
            return .int(name == "to_usec" ? us : name == "to_msec" ? us / 1000 : us / 1_000_000)
        case "Size", "Duration":
            try count(a, 1...1)
            let text = try s(a[0])
            if name == "Size", let v = OtherLiterals.size(text) { return .size(v) }
            if name == "Duration", let v = OtherLiterals.duration(text) { return .duration(v) }
            throw BuiltinError(message: "\"\(text)\" is not a valid \(name)")
        case "bitor", "bitand", "xor", "shl", "shr":
            try count(a, 2...2)
            let x = try n(a[0]), y = try n(a[1])
            switch name {
            case "bitor": return .int(x | y)
            case "bitand": return .int(x & y)
            case "xor": return .int(x ^ y)
            case "shl": return .int(x << y)
            default: return .int(x >> y)
            }
        case "bitnot": try count(a, 1...1); return .int(~(try n(a[0])))
        case "subscribe", "unsubscribe":
            try count(a, 2...2)
            let topic = try s(a[0]), sink = try s(a[1])
            return .bool(name == "subscribe" ? subscribe(topic, sink) : unsubscribe(topic, sink))
        case "error", "warn", "info", "trace":
            try count(a, 1...1)
            let msg = try s(a[0])
            if !context.trial {
                switch name {
                case "error": Log.error(msg)
                case "warn": Log.warn(msg)
                case "info": Log.info(msg)
                default: Log.trace(msg)
                }
            }
            return .void
        case "command_name": return .string(context.command)
        case "command_argv": return .list(context.commandArgv.map { .string($0) })
        case "program_args": return .list(CommandLine.arguments.dropFirst().map { .string($0) })
        case "program_name": return .string(PathUtil.basename(CommandLine.arguments.first ?? "chalk"))
        case "program_path": return .string(PathUtil.dirname(selfExePath()))
        case "version": return .string(ConfigVersion.chalkVersion)
        case "sections", "fields":
            try count(a, 1...1)
            let path = try s(a[0]).split(separator: ".").map(String.init)
            guard let node = root.lookup(path) else { return .list([]) }
            return .list((name == "sections" ? node.childOrder : node.fieldOrder).map { .string($0) })
        case "attr_exists":
            try count(a, 1...1)
            return .bool(root.value(at: try s(a[0]).split(separator: ".").map(String.init)) != nil)
        case "typeof":
            try count(a, 1...1)
            return .typespec(a[0].typeName)
        case "to_json":
            try count(a, 1...1)
            return .string(JSONText.encode(a[0].chalkValue))
        case "parse_json":
            try count(a, 1...1)
            guard let v = JSONText.decode(try s(a[0])) else { throw BuiltinError(message: "the text is not valid JSON") }
            return CValue(v)
        case "base64", "base64_web":
            try count(a, 1...1)
            return .string(Base64.encode(Array(try s(a[0]).utf8), web: name == "base64_web"))
        case "debase64":
            try count(a, 1...1)
            guard let bytes = Base64.decode(try s(a[0])) else { throw BuiltinError(message: "the text is not valid base64") }
            return .string(String(decoding: bytes, as: UTF8.self))
        case "dehex":
            try count(a, 1...1)
            guard let bytes = Hex.decode(try s(a[0])) else { throw BuiltinError(message: "the text is not valid hex") }
            return .string(String(decoding: bytes, as: UTF8.self))
        case "attr_get":
            try count(a, 1...2)
            let path = try s(a[0]).split(separator: ".").map(String.init)
            guard let v = root.value(at: path) else { throw BuiltinError(message: "no attribute '\(path.joined(separator: "."))'") }
            return v
        case "function_exists":
            try count(a, 1...1)
            let fname = try s(a[0])
            return .bool(functions[fname] != nil || Interpreter.builtinNames.contains(fname))
        case "copy_report_template_keys":
            try count(a, 2...2)
            try copyTemplateKeys(from: try s(a[0]), to: try s(a[1]))
            return .void
        default:
            return nil
        }
    }

    /// `copy_report_template_keys(from, to)`: copies the `key` sections of one report template
    /// into another (at once, rather than deferred as in Chalk).
    private func copyTemplateKeys(from: String, to: String) throws {
        guard let src = root.lookup(["report_template", from]) else { throw BuiltinError(message: "no report_template named '\(from)'") }
        let dst = root.ensureChild("report_template", origin: .builtin).ensureChild(to, origin: .builtin).ensureChild("key", origin: .builtin)
        guard let keys = src.child("key") else { return }
        for k in keys.childOrder {
            let node = dst.ensureChild(k, origin: keys.child(k)!.origin)
            for f in keys.child(k)!.fieldOrder where node.field(f) == nil { node.setField(f, keys.child(k)!.field(f)!) }
        }
    }

    /// `format("{name}")`: substitutes variables and attributes from scope; `{{` is a literal brace.
    private func format(_ t: String) throws -> String {
        var out = ""
        var it = Array(t.unicodeScalars)[...]
        while let c = it.first {
            it = it.dropFirst()
            if c == "{" {
                if it.first == "{" { out += "{"; it = it.dropFirst(); continue }
                var name = ""
                while let d = it.first, d != "}" { name.unicodeScalars.append(d); it = it.dropFirst() }
                guard it.first == "}" else { throw BuiltinError(message: "unterminated '{' in the format string") }
                it = it.dropFirst()
                let v: CValue
                do { v = try evaluate(.identifier(name, SourcePos(line: 0, column: 0))) } catch {
                    throw BuiltinError(message: "no variable or attribute '\(name)' for the format string")
                }
                out += v.display
            } else if c == "}" && it.first == "}" {
                out += "}"; it = it.dropFirst()
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return out
    }

    func resolvePath(_ p: String) -> String { PathUtil.resolve(p, relativeTo: context.startDirectory) }
}

func unameFields() -> [String] {
    var u = utsname()
    guard uname(&u) == 0 else { return ["", "", "", "", ""] }
    func f<T>(_ t: T) -> String {
        withUnsafeBytes(of: t) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }
    return [f(u.sysname), f(u.nodename), f(u.release), f(u.version), f(u.machine)]
}

func listDirectory(_ path: String) -> [String] {
    guard let d = opendir(path) else { return [] }
    defer { closedir(d) }
    var out: [String] = []
    while let e = readdir(d) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        if name != "." && name != ".." { out.append(name) }
    }
    return out.sorted()
}

/// This executable's path (`/proc/self/exe`).
func selfExePath() -> String {
    var buf = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buf, buf.count - 1)
    guard n > 0 else { return CommandLine.arguments.first ?? "chalk" }
    return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Standard (RFC 4648) and URL-safe base64.
enum Base64 {
    private static let std = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let web = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func encode(_ b: [UInt8], web useWeb: Bool = false) -> String {
        let table = useWeb ? web : std
        var out: [UInt8] = []
        var i = 0
        while i < b.count {
            let n = min(3, b.count - i)
            let v = (UInt32(b[i]) << 16) | (n > 1 ? UInt32(b[i + 1]) << 8 : 0) | (n > 2 ? UInt32(b[i + 2]) : 0)
            for k in 0..<4 {
                if k <= n { out.append(table[Int((v >> (18 - 6 * UInt32(k))) & 63)]) } else if !useWeb { out.append(UInt8(ascii: "=")) }
            }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ s: String) -> [UInt8]? {
        var vals: [UInt32] = []
        for c in s.utf8 {
            if c == UInt8(ascii: "=") { break }
            if let i = std.firstIndex(of: c) { vals.append(UInt32(i)) } else if let i = web.firstIndex(of: c) { vals.append(UInt32(i)) }
            else if c == 10 || c == 13 { continue } else { return nil }
        }
        if vals.count % 4 == 1 { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < vals.count {
            let chunk = vals[i..<min(i + 4, vals.count)]
            var v: UInt32 = 0
            for (k, x) in chunk.enumerated() { v |= x << (18 - 6 * UInt32(k)) }
            out.append(UInt8((v >> 16) & 255))
            if chunk.count > 2 { out.append(UInt8((v >> 8) & 255)) }
            if chunk.count > 3 { out.append(UInt8(v & 255)) }
            i += 4
        }
        return out
    }
}
