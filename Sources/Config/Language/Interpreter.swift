import ChalkLog

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What the running config may ask about the chalk process (builtins such as `command_name()`).
struct RunContext {
    var command: String
    var commandArgv: [String] = []
    var startDirectory: String
    /// True while `chalk load` validates a candidate: no subscriptions or logs leak out.
    var trial = false
    /// What `in_container()` answers instead of looking (BaseSnapshot computes both variants).
    var inContainer: Bool? = nil
}

/// A user function defined with `func`.
struct UserFunction {
    var params: [String]
    var body: [Stmt]
    var file: String
}

/// Non-local control flow out of a block.
enum Flow {
    case normal, breakLoop, continueLoop
    case returned(CValue)
}

/// Executes con4m statements into one shared attribute tree (spec/config.md §1.5): all configs of
/// a run (base, embedded, external) go through the same interpreter, so the last write wins.
final class Interpreter {
    let root: SectionNode
    var globals: [String: CValue] = [:]
    var functions: [String: UserFunction] = [:]
    var frames: [[String: CValue]] = []
    var sectionPath: [String] = []
    /// The section `sectionPath` names (`root.lookup(sectionPath)`, kept so that statements in
    /// a section don't walk the tree from the root; sections are never removed while a config runs).
    var sectionNode: SectionNode
    var file = "<builtin>"
    var context: RunContext
    /// topic -> sink_config names, in subscription order.
    var subscriptions: [String: [String]] = [:]
    var topicOrder: [String] = []
    /// Nesting of `use` statements, to refuse cycles.
    var useDepth = 0
    /// Position of the builtin call being evaluated (for errors raised inside builtins).
    var callPos = SourcePos(line: 0, column: 0)
    /// Long names lexed so far, shared by every config this interpreter runs.
    let names = NameTable()
    /// In a trial load (`chalk load`), subscriptions that would fail at run time.
    var subscriptionProblems: [ConfigError] = []
    /// When set, the builtins called so far (BaseSnapshot checks the static base config calls
    /// none that depend on the run).
    var calledBuiltins: Set<String>?

    /// Bounds that keep a config from hanging chalk.
    static let maxLoopIterations: UInt64 = 1_000_000
    static let maxCallDepth = 64

    init(context: RunContext) {
        self.context = context
        self.root = SectionNode(name: "", origin: .builtin)
        self.sectionNode = root
    }

    /// `in_container()` (also asked by BaseSnapshot, for the base config's templates).
    static func inContainer(_ context: RunContext) -> Bool {
        if let forced = context.inContainer { return forced }
        let info = FileIO.readText("/proc/self/mountinfo") ?? ""
        return info.contains("/docker/containers/")
    }

    func error(_ pos: SourcePos, _ msg: String, suggestion: String? = nil) -> ConfigError {
        ConfigError(file: file, line: pos.line, column: pos.column, message: msg, suggestion: suggestion)
    }

    /// Parses and runs one config source.
    func run(source: String, file: String) throws(ConfigError) {
        let stmts = try Parser.parse(file: file, source: source, names: names)
        let saved = (self.file, sectionPath, sectionNode)
        self.file = file
        sectionPath = []
        sectionNode = root
        defer { (self.file, sectionPath, sectionNode) = saved }
        switch try execute(stmts) {
        case .normal, .returned: break
        case .breakLoop, .continueLoop: break
        }
    }

    // MARK: statements

    func execute(_ stmts: [Stmt]) throws(ConfigError) -> Flow {
        for s in stmts {
            let f = try execute(s)
            if case .normal = f { continue }
            return f
        }
        return .normal
    }

    private func execute(_ s: Stmt) throws(ConfigError) -> Flow {
        switch s {
        case .assign(let path, let locked, let valueExpr, let pos):
            let v = try evaluate(valueExpr)
            try assignInSection(path, v, locked: locked, pos: pos)
        case .varAssign(let names, let valueExpr, let pos):
            let v = try evaluate(valueExpr)
            if names.count == 1 {
                setVariable(names[0], v)
            } else {
                guard let items = v.asList, items.count == names.count else {
                    throw error(pos, "cannot unpack \(v.typeName) into \(names.count) variables: expected a tuple of \(names.count) values")
                }
                for (n, x) in zip(names, items) { setVariable(n, x) }
            }
        case .section(let kind, let tag, let body, let pos):
            let origin = Origin(file: file, pos: pos)
            var node = sectionNode
            if node.field(kind) != nil {
                throw error(pos, "'\(kind)' is an attribute here, not a section")
            }
            node = node.ensureChild(kind, origin: origin)
            var newPath = sectionPath + [kind]
            if let tag {
                node = node.ensureChild(tag, origin: origin)
                newPath.append(tag)
            }
            let saved = (sectionPath, sectionNode)
            sectionPath = newPath
            sectionNode = node
            defer { (sectionPath, sectionNode) = saved }
            return try execute(body)
        case .ifChain(let branches, let otherwise, _):
            for (cond, body) in branches where try condition(cond) {
                return try execute(body)
            }
            if let otherwise { return try execute(otherwise) }
        case .forLoop(let variable, let fromExpr, let toExpr, let body, let pos):
            guard let a = try evaluate(fromExpr).intLike, let b = try evaluate(toExpr).intLike else {
                throw error(pos, "'for' bounds must be ints")
            }
            guard a.magnitude < 1 << 40, b.magnitude < 1 << 40, (a - b).magnitude <= Interpreter.maxLoopIterations else {
                throw error(pos, "'for \(variable) from \(a) to \(b)' would run more than \(Interpreter.maxLoopIterations) times")
            }
            let seq: StrideTo<Int64> = a <= b ? stride(from: a, to: b, by: 1) : stride(from: a - 1, to: b - 1, by: -1)
            for n in seq {
                setVariable(variable, .int(n))
                switch try execute(body) {
                case .breakLoop: return .normal
                case .returned(let v): return .returned(v)
                case .normal, .continueLoop: continue
                }
            }
        case .funcDef(let name, let params, let body, let pos):
            guard frames.isEmpty, sectionPath.isEmpty else {
                throw error(pos, "functions can only be defined at the top level of a config")
            }
            functions[name] = UserFunction(params: params, body: body, file: file)
        case .enumDecl(let names, _):
            for (k, n) in names.enumerated() { globals[n] = .int(Int64(k)) }
        case .declaration:
            break
        case .breakStmt: return .breakLoop
        case .continueStmt: return .continueLoop
        case .returnStmt(let e, _):
            return .returned(try e.map { (x) throws(ConfigError) in try evaluate(x) } ?? .void)
        case .use(let name, let from, let pos):
            try runComponent(name: name, from: from, pos: pos)
        case .parameter(let pos):
            throw error(pos, "'parameter' blocks (component parameters) are not supported yet")
        case .expression(let e, _):
            _ = try evaluate(e)
        }
        return .normal
    }

    private func condition(_ e: Expr) throws(ConfigError) -> Bool {
        let v = try evaluate(e)
        guard case .bool(let b) = v else {
            throw error(e.pos, "a condition must be a bool, found \(v.typeName): use bool(x) or a comparison")
        }
        return b
    }

    func setVariable(_ name: String, _ v: CValue) {
        if frames.isEmpty { globals[name] = v } else { frames[frames.count - 1][name] = v }
    }

    /// Sets the attribute at an absolute path, honouring locks (`~`).
    func assign(_ path: [String], _ v: CValue, locked: Bool, pos: SourcePos) throws(ConfigError) {
        try assign(path, from: root, v, locked: locked, pos: pos)
    }

    /// Sets the attribute at `path` relative to the current section. The same as
    /// `assign(sectionPath + path, …)`: the walk from the root to the current section can only
    /// fail on a name that is both a field and a section, and while the tree has none the walk
    /// starts at the current section.
    func assignInSection(_ path: [String], _ v: CValue, locked: Bool, pos: SourcePos) throws(ConfigError) {
        if sectionPath.isEmpty || root.tree.conflicts == 0 {
            try assign(path, from: sectionNode, v, locked: locked, pos: pos, prefix: sectionPath)
        } else {
            try assign(sectionPath + path, from: root, v, locked: locked, pos: pos)
        }
    }

    /// Walks `path` from `start` (whose path from the root is `prefix`) and sets its last name.
    /// Error messages name the whole path from the root.
    private func assign(_ path: [String], from start: SectionNode, _ v: CValue, locked: Bool,
                        pos: SourcePos, prefix: [String] = []) throws(ConfigError) {
        var node = start
        let origin = Origin(file: file, pos: pos)
        for k in 0..<(path.count - 1) {
            guard let next = node.subsection(path[k], origin: origin) else {
                let full = prefix + path, at = prefix.count + k
                throw error(pos, "'\(full[0...at].joined(separator: "."))' is an attribute, so it cannot hold '\(full[(at + 1)...].joined(separator: "."))'")
            }
            node = next
        }
        try node.setField(path.last!, Attribute(value: v, locked: locked, origin: origin)) { (e) throws(ConfigError) -> Bool in
            if e.child != nil {
                let dotted = (prefix + path).joined(separator: ".")
                throw error(pos, "'\(dotted)' is a section, not an attribute: expected '\(dotted) { … }' or '\(dotted).FIELD = value'")
            }
            if let old = e.field, old.locked {
                if old.value == v { return false }
                let dotted = (prefix + path).joined(separator: ".")
                throw error(pos, "attribute '\(dotted)' is locked and can't be set (locked at \(old.origin.text))")
            }
            return true
        }
    }

    /// `use NAME from "DIR"`: runs DIR/NAME.c4m here (local directories only).
    private func runComponent(name: String, from: String?, pos: SourcePos) throws(ConfigError) {
        guard let from else {
            throw error(pos, "'use \(name)' without 'from' needs a component store, which is not supported yet: expected 'use \(name) from \"DIRECTORY\"'")
        }
        if from.hasPrefix("https://") {
            throw error(pos, "fetching components from https URLs is not supported yet: use a local directory")
        }
        guard useDepth < 16 else { throw error(pos, "components nest too deeply (a 'use' cycle?)") }
        let dir = PathUtil.resolve(from, relativeTo: PathUtil.directory(of: file, fallback: context.startDirectory))
        let path = PathUtil.join(dir, name.hasSuffix(".c4m") ? name : name + ".c4m")
        guard let text = FileIO.readText(path) else {
            throw error(pos, "cannot read component '\(name)' at \(path)")
        }
        useDepth += 1
        defer { useDepth -= 1 }
        try run(source: text, file: path)
    }

    // MARK: subscriptions

    /// `subscribe(topic, sink_config)`.
    func subscribe(_ topic: String, _ sink: String) -> Bool {
        guard let conf = root.lookup(["sink_config", sink]) else {
            if context.trial {
                subscriptionProblems.append(error(callPos, "subscribe(\"\(topic)\", \"\(sink)\"): no sink_config named '\(sink)'",
                                                  suggestion: Suggest.closest(to: sink, in: root.lookup(["sink_config"])?.childOrder ?? [])))
            } else {
                Log.error("subscribe: no sink_config named '\(sink)' (topic '\(topic)')")
            }
            return false
        }
        if case .bool(false)? = conf.field("enabled")?.value {
            if !context.trial { Log.warn("subscribe: sink_config '\(sink)' is disabled; not subscribed to '\(topic)'") }
            return false
        }
        if subscriptions[topic] == nil { topicOrder.append(topic); subscriptions[topic] = [] }
        if !subscriptions[topic]!.contains(sink) { subscriptions[topic]!.append(sink) }
        return true
    }

    /// `unsubscribe(topic, sink_config)`.
    func unsubscribe(_ topic: String, _ sink: String) -> Bool {
        guard root.lookup(["sink_config", sink]) != nil else {
            if context.trial {
                subscriptionProblems.append(error(callPos, "unsubscribe(\"\(topic)\", \"\(sink)\"): no sink_config named '\(sink)'",
                                                  suggestion: Suggest.closest(to: sink, in: root.lookup(["sink_config"])?.childOrder ?? [])))
            } else {
                Log.error("unsubscribe: no sink_config named '\(sink)'")
            }
            return false
        }
        guard let subs = subscriptions[topic], subs.contains(sink) else { return false }
        subscriptions[topic] = subs.filter { $0 != sink }
        return true
    }
}
