/// Where a value or section was written: `file:line:column`.
struct Origin: Equatable {
    var file: String
    var pos: SourcePos
    var text: String { "\(file):\(pos.line):\(pos.column)" }
    static let builtin = Origin(file: "<builtin>", pos: SourcePos(line: 0, column: 0))
}

/// One attribute (field) in the tree.
struct Attribute: Equatable {
    var value: CValue
    var locked: Bool
    var origin: Origin
}

/// What the whole attribute tree shares: whether any name is both a field and a section
/// somewhere (see `SectionNode.conflicts`).
final class AttrTreeState {
    /// How many times a name became both a field and a child section of one node. Only a
    /// builtin such as `copy_report_template_keys` can do that; while it is 0, a path of child
    /// sections can't run into a field, which lets the interpreter skip re-checking it.
    var conflicts = 0
}

/// A section of the shared attribute tree (spec/config.md §1.5). Tagged sections are children of
/// their kind: `sink_config x { … }` is the child `x` of the child `sink_config` of the root.
/// Reopening a section merges into it.
///
/// Fields and child sections share one dictionary (one hash per name looked up: the base config
/// makes ~10,000 assignments on every run).
final class SectionNode {
    let name: String
    var origin: Origin
    let tree: AttrTreeState
    private var storedFieldOrder: [String] = []
    private var storedChildOrder: [String] = []
    private var storedChildNodes: [SectionNode] = []
    /// A name's field and/or child section.
    struct Entry {
        var field: Attribute?
        var child: SectionNode?
    }
    private var entries: [String: Entry] = [:]
    /// Where this section's fields and children still are in the base config snapshot: they are
    /// decoded on first use (most of the base tree, such as the report templates' keys, is read
    /// from the snapshot directly or not at all). Every access to the contents goes through
    /// `materialize()`, so a section that is still pending was never read or changed.
    private var pending: SnapshotContents?

    var fieldOrder: [String] { materialize(); return storedFieldOrder }
    var childOrder: [String] { materialize(); return storedChildOrder }
    /// The child sections in `childOrder` order (walking them needs no look-up by name).
    var childNodes: [SectionNode] { materialize(); return storedChildNodes }

    init(name: String, origin: Origin, tree: AttrTreeState = AttrTreeState()) {
        self.name = name
        self.origin = origin
        self.tree = tree
    }

    /// A section whose contents are still in the snapshot.
    init(name: String, origin: Origin, tree: AttrTreeState, pending: SnapshotContents) {
        self.name = name
        self.origin = origin
        self.tree = tree
        self.pending = pending
    }

    /// The snapshot contents of a section nobody has read or changed yet (nil once it has been).
    var untouchedSnapshot: SnapshotContents? { pending }

    @inline(__always) private func materialize() {
        if let p = pending {
            pending = nil
            p.decode(into: self)
        }
    }

    /// Gives a section that has no fields or children yet those of a snapshot (BaseSnapshot),
    /// each list in the order the names were first set or opened.
    func restore(fields: [(String, Attribute)], children: [SectionNode]) {
        entries.reserveCapacity(fields.count + children.count)
        storedFieldOrder.reserveCapacity(fields.count)
        for (n, a) in fields {
            entries[n, default: Entry()].field = a
            storedFieldOrder.append(n)
        }
        guard !children.isEmpty else { return }
        // A snapshot's children have distinct names (it was made from a tree).
        for c in children { entries[c.name, default: Entry()].child = c }
        storedChildOrder = children.map(\.name)
        storedChildNodes = children
    }

    func field(_ n: String) -> Attribute? { materialize(); return entries[n]?.field }
    func child(_ n: String) -> SectionNode? { materialize(); return entries[n]?.child }
    /// The field and the child section named `n` (one look-up).
    func entry(_ n: String) -> Entry? { materialize(); return entries[n] }

    /// The named child, created if absent.
    func ensureChild(_ n: String, origin: Origin) -> SectionNode {
        reserveBeforeInsert()
        var created = false
        let c = Self.child(in: &entries[n, default: Entry()], n, origin: origin, tree: tree, created: &created)
        if created { storedChildOrder.append(n); storedChildNodes.append(c) }
        return c
    }

    /// The child section `n`, created if absent, or nil when `n` is a field here (one look-up).
    func subsection(_ n: String, origin: Origin) -> SectionNode? {
        reserveBeforeInsert()
        var created = false
        let c = Self.subsection(in: &entries[n, default: Entry()], n, origin: origin, tree: tree, created: &created)
        if created, let c { storedChildOrder.append(n); storedChildNodes.append(c) }
        return c
    }

    private static func subsection(in e: inout Entry, _ n: String, origin: Origin, tree: AttrTreeState,
                                   created: inout Bool) -> SectionNode? {
        if e.field != nil { return nil }
        if let c = e.child { return c }
        let c = SectionNode(name: n, origin: origin, tree: tree)
        e.child = c
        created = true
        return c
    }

    /// Sets the field `n` to `a` in one look-up, after `check` has seen the current entry:
    /// `check` returns false to leave the field as it is, or throws to refuse (it must not throw
    /// for a name that is neither a field nor a section yet).
    func setField(_ n: String, _ a: Attribute, check: (Entry) throws(ConfigError) -> Bool) throws(ConfigError) {
        reserveBeforeInsert()
        if try Self.set(a, in: &entries[n, default: Entry()], tree: tree, check: check) { storedFieldOrder.append(n) }
    }

    private static func set(_ a: Attribute, in e: inout Entry, tree: AttrTreeState,
                            check: (Entry) throws(ConfigError) -> Bool) throws(ConfigError) -> Bool {
        guard try check(e) else { return false }
        return set(a, in: &e, tree: tree)
    }

    /// Calls `body` with each field, in no particular order (no look-up by name).
    func forEachField(_ body: (String, Attribute) -> Void) {
        materialize()
        for (n, e) in entries { if let f = e.field { body(n, f) } }
    }

    /// Grows a full dictionary 4x instead of 2x: the base config gives some sections hundreds
    /// of entries (keyspecs, template keys), and every growth re-hashes every name.
    private func reserveBeforeInsert() {
        materialize()
        if entries.count >= 8 && entries.count >= entries.capacity { entries.reserveCapacity(entries.count * 4) }
    }

    // `entries[n, default:]` passed inout: one hash for the look-up and the insertion.
    private static func child(in e: inout Entry, _ n: String, origin: Origin, tree: AttrTreeState,
                              created: inout Bool) -> SectionNode {
        if let c = e.child { return c }
        if e.field != nil { tree.conflicts += 1 }
        let c = SectionNode(name: n, origin: origin, tree: tree)
        e.child = c
        created = true
        return c
    }

    func setField(_ n: String, _ a: Attribute) {
        reserveBeforeInsert()
        if Self.set(a, in: &entries[n, default: Entry()], tree: tree) { storedFieldOrder.append(n) }
    }

    /// Sets the field; true when it is new.
    private static func set(_ a: Attribute, in e: inout Entry, tree: AttrTreeState) -> Bool {
        let isNew = e.field == nil
        if isNew, e.child != nil { tree.conflicts += 1 }
        e.field = a
        return isNew
    }

    func removeField(_ n: String) {
        materialize()
        guard var e = entries[n], e.field != nil else { return }
        e.field = nil
        entries[n] = e.child == nil ? nil : e
        storedFieldOrder.removeAll { $0 == n }
    }

    func removeChild(_ n: String) {
        materialize()
        guard var e = entries[n], e.child != nil else { return }
        e.child = nil
        entries[n] = e.field == nil ? nil : e
        storedChildOrder.removeAll { $0 == n }
        storedChildNodes.removeAll { $0.name == n }
    }

    /// Walks a path of section names from here.
    func lookup(_ path: [String]) -> SectionNode? {
        var n: SectionNode? = self
        for p in path { n = n?.child(p) }
        return n
    }

    /// A field at a dotted path (`exec.heartbeat.run`).
    func value(at path: [String]) -> CValue? {
        guard let last = path.last else { return nil }
        return lookup(Array(path.dropLast()))?.field(last)?.value
    }

    /// Deep copy (for a trial load that must not disturb the real tree).
    func copy() -> SectionNode {
        let state = AttrTreeState()
        state.conflicts = tree.conflicts
        return copy(into: state)
    }

    private func copy(into state: AttrTreeState) -> SectionNode {
        materialize()
        let n = SectionNode(name: name, origin: origin, tree: state)
        n.storedFieldOrder = storedFieldOrder
        n.storedChildOrder = storedChildOrder
        n.entries = entries.mapValues { Entry(field: $0.field, child: $0.child?.copy(into: state)) }
        n.storedChildNodes = storedChildOrder.map { n.entries[$0]!.child! }
        return n
    }
}
