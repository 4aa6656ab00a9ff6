/// Where a value or section was written: `file:line:column`.
struct Origin: Equatable {
    var file: String
    var pos: SourcePos
    var text: String { "\(file):\(pos.line):\(pos.column)" }
    static let builtin = Origin(file: "<builtin>", pos: SourcePos(line: 0, column: 0))
}

/// One attribute (field) in the tree.
struct Attribute {
    var value: CValue
    var locked: Bool
    var origin: Origin
}

/// A section of the shared attribute tree (spec/config.md §1.5). Tagged sections are children of
/// their kind: `sink_config x { … }` is the child `x` of the child `sink_config` of the root.
/// Reopening a section merges into it.
final class SectionNode {
    let name: String
    var origin: Origin
    private(set) var fieldOrder: [String] = []
    private(set) var fields: [String: Attribute] = [:]
    private(set) var childOrder: [String] = []
    private(set) var children: [String: SectionNode] = [:]

    init(name: String, origin: Origin) {
        self.name = name
        self.origin = origin
    }

    func field(_ n: String) -> Attribute? { fields[n] }
    func child(_ n: String) -> SectionNode? { children[n] }

    /// The named child, created if absent.
    func ensureChild(_ n: String, origin: Origin) -> SectionNode {
        if let c = children[n] { return c }
        let c = SectionNode(name: n, origin: origin)
        children[n] = c
        childOrder.append(n)
        return c
    }

    func setField(_ n: String, _ a: Attribute) {
        if fields[n] == nil { fieldOrder.append(n) }
        fields[n] = a
    }

    func removeField(_ n: String) {
        if fields.removeValue(forKey: n) != nil { fieldOrder.removeAll { $0 == n } }
    }

    func removeChild(_ n: String) {
        if children.removeValue(forKey: n) != nil { childOrder.removeAll { $0 == n } }
    }

    /// Walks a path of section names from here.
    func lookup(_ path: [String]) -> SectionNode? {
        var n: SectionNode? = self
        for p in path { n = n?.children[p] }
        return n
    }

    /// A field at a dotted path (`exec.heartbeat.run`).
    func value(at path: [String]) -> CValue? {
        guard let last = path.last else { return nil }
        return lookup(Array(path.dropLast()))?.fields[last]?.value
    }

    /// Deep copy (for a trial load that must not disturb the real tree).
    func copy() -> SectionNode {
        let n = SectionNode(name: name, origin: origin)
        n.fieldOrder = fieldOrder
        n.fields = fields
        n.childOrder = childOrder
        n.children = children.mapValues { $0.copy() }
        return n
    }
}
