/// Makes the base config snapshot (GeneratedBaseSnapshot.swift): runs `BaseConfig.staticParts`
/// with `in_container()` answering true, then false, and encodes the tree with both variants of
/// the attributes that differ. Used by scripts/gen-base-snapshot.sh (through
/// BaseSnapshotTests) and by the test that the committed snapshot is current; chalk itself
/// only reads (`BaseSnapshot.restore`).
struct SnapshotWriter {
    /// Why the static sources can't be snapshotted (they depend on the run).
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    /// The data and fingerprint for GeneratedBaseSnapshot.swift.
    static func generate() throws -> (data: String, fingerprint: UInt64) {
        let inside = try runStatic(inContainer: true)
        let outside = try runStatic(inContainer: false)
        var w = SnapshotWriter()
        try diff(inside.root, outside.root, path: [], into: &w.outside)
        guard inside.globals == outside.globals else {
            throw Refusal(description: "the base config's globals depend on in_container()")
        }
        return (w.encode(inside), BaseSnapshot.fingerprint())
    }

    /// The static sources run into a fresh interpreter, refusing what a snapshot can't hold.
    static func runStatic(inContainer: Bool) throws -> Interpreter {
        let interp = Interpreter(context: RunContext(command: "", startDirectory: "/", inContainer: inContainer))
        interp.calledBuiltins = []
        for part in BaseConfig.staticParts {
            try interp.run(source: part.pieces.joined(separator: "\n"), file: part.file)
        }
        let unsafe = interp.calledBuiltins!.subtracting(BaseSnapshot.allowedBuiltins)
        guard unsafe.isEmpty else {
            throw Refusal(description: "the static base config calls run-dependent builtins \(unsafe.sorted()): move those statements to BaseConfig.contextSources")
        }
        guard interp.functions.isEmpty, interp.subscriptions.isEmpty else {
            throw Refusal(description: "the static base config defines functions or subscriptions, which the snapshot does not hold")
        }
        return interp
    }

    /// Collects the attributes of `b` that differ from `a` (by dotted path); the sections must
    /// be the same.
    private static func diff(_ a: SectionNode, _ b: SectionNode, path: [String], into out: inout [[String]: Attribute]) throws {
        guard a.fieldOrder == b.fieldOrder, a.childOrder == b.childOrder, a.origin == b.origin else {
            throw Refusal(description: "in_container() changes the sections of \(path.joined(separator: ".")): only attribute values may differ")
        }
        for n in b.fieldOrder where a.field(n)! != b.field(n)! {
            out[path + [n]] = b.field(n)!
        }
        for (ca, cb) in zip(a.childNodes, b.childNodes) { try diff(ca, cb, path: path + [ca.name], into: &out) }
    }

    /// The attributes (by path) whose value when `in_container()` is false differs.
    private var outside: [[String]: Attribute] = [:]
    private var path: [String] = []
    private var out: [UInt8] = Array("CS".utf8)
    private var table: [String: Int] = [:]
    private var tableOrder: [String] = []
    private var body: [UInt8] = []
    private var lineStart = 0

    private mutating func encode(_ interp: Interpreter) -> String {
        number(UInt64(interp.root.tree.conflicts))
        let globals = interp.globals.keys.sorted()
        number(UInt64(globals.count))
        for g in globals { string(g); value(interp.globals[g]!) }
        section(interp.root, isRoot: true)
        var head = SnapshotWriter()
        head.body = []
        head.number(UInt64(tableOrder.count))
        for s in tableOrder {
            head.newlineIfLong()
            head.number(UInt64(s.utf8.count))
            head.body += Array(s.utf8)
        }
        return String(decoding: out + head.body + [0x0A] + body, as: UTF8.self)
    }

    /// A section: its header, then its contents preceded by their length in bytes.
    private mutating func section(_ n: SectionNode, isRoot: Bool = false) {
        if !isRoot { path.append(n.name) }
        defer { if !isRoot { path.removeLast() } }
        string(n.name)
        origin(n.origin)
        let outer = body, outerLine = lineStart
        body = []
        lineStart = 0
        number(UInt64(n.fieldOrder.count))
        for f in n.fieldOrder {
            string(f)
            if let other = outside[path + [f]] {
                body.append(SnapshotTag.variant)
                attribute(n.field(f)!)
                attribute(other)
            } else {
                attribute(n.field(f)!)
            }
        }
        number(UInt64(n.childNodes.count))
        for c in n.childNodes { section(c) }
        let contents = body
        body = outer
        lineStart = outerLine
        number(UInt64(contents.count))
        body += contents
        if let nl = contents.lastIndex(of: 0x0A) { lineStart = body.count - (contents.count - nl - 1) }
    }

    private mutating func attribute(_ a: Attribute) {
        value(a.value)
        number(a.locked ? 1 : 0)
        origin(a.origin)
    }

    private mutating func origin(_ o: Origin) {
        string(o.file)
        number(UInt64(o.pos.line))
        number(UInt64(o.pos.column))
    }

    private mutating func value(_ v: CValue) {
        newlineIfLong()
        switch v {
        case .string(let s): body.append(SnapshotTag.string); string(s)
        case .int(let i): body.append(SnapshotTag.int); signed(i)
        case .float(let f): body.append(SnapshotTag.float); number(f.bitPattern)
        case .bool(let b): body.append(b ? SnapshotTag.boolTrue : SnapshotTag.boolFalse)
        case .char(let c): body.append(SnapshotTag.char); number(UInt64(c.value))
        case .size(let i): body.append(SnapshotTag.size); signed(i)
        case .duration(let i): body.append(SnapshotTag.duration); signed(i)
        case .otherLiteral(let s): body.append(SnapshotTag.other); string(s)
        case .list(let l): body.append(SnapshotTag.list); values(l)
        case .dict(let k, let vs): body.append(SnapshotTag.dict); values(k); values(vs)
        case .tuple(let t): body.append(SnapshotTag.tuple); values(t)
        case .typespec(let s): body.append(SnapshotTag.typespec); string(s)
        case .callback(let s): body.append(SnapshotTag.callback); string(s)
        case .section(let p): body.append(SnapshotTag.section); number(UInt64(p.count)); for s in p { string(s) }
        case .void: body.append(SnapshotTag.void)
        }
    }

    private mutating func values(_ vs: [CValue]) {
        number(UInt64(vs.count))
        for v in vs { value(v) }
    }

    private mutating func string(_ s: String) {
        if let k = table[s] { number(UInt64(k)); return }
        table[s] = tableOrder.count
        number(UInt64(tableOrder.count))
        tableOrder.append(s)
    }

    private mutating func signed(_ i: Int64) {
        number(UInt64(bitPattern: (i << 1) ^ (i >> 63)))
    }

    private mutating func number(_ n: UInt64) {
        var n = n
        while n >= 32 {
            body.append(0x30 + UInt8(n & 31))
            n >>= 5
        }
        body.append(0x50 + UInt8(n))
    }

    /// Wraps the data at about 100 columns, between items (for readable diffs).
    private mutating func newlineIfLong() {
        if body.count - lineStart >= 100 { body.append(0x0A); lineStart = body.count }
    }

    /// The Swift file that holds the snapshot. The data must not contain what would end or
    /// escape the raw literal, nor a carriage return (which Swift would turn into a newline).
    static func swiftFile(data: String, fingerprint: UInt64) throws -> String {
        guard !data.contains("\"\"\"#"), !data.contains("\\#"), !data.utf8.contains(0x0D) else {
            throw Refusal(description: "the base config contains text a raw string literal can't hold")
        }
        let hex = String(fingerprint, radix: 16)
        return """
        // GENERATED by scripts/gen-base-snapshot.sh from BaseConfig.staticParts; do not edit by hand.
        // The format is described in SnapshotReader.swift.

        extension BaseSnapshot {
            static let generatedFingerprint: UInt64 = 0x\(String(repeating: "0", count: 16 - hex.count) + hex)
            static let generatedData: StaticString = #\"\"\"
        \(data)
        \"\"\"#
        }

        """
    }
}
