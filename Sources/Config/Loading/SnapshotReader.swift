import ChalkLog

/// The encoding of GeneratedBaseSnapshot.swift, read by `SnapshotReader` and written by
/// `SnapshotWriter`. ASCII, so it can sit in a Swift string literal:
/// - a number is a varint of 5-bit groups, low group first: '0'+g for a group with more to
///   come, 'P'+g for the last one; a signed number is zigzag-encoded first;
/// - a string is an index into the string table (each name or text stored once);
/// - the table is its count, then each string's UTF-8 length and bytes;
/// - a value is a tag letter then its payload (`SnapshotTag`);
/// - newlines between items are ignored (the writer wraps lines), never inside a string.
/// Layout: "CS", the table, `conflicts`, globals (count, name value…), then the root section. A section is its name, origin,
/// the byte length of its contents, and the contents: fields (count, name attribute…) and
/// children (count, section…). The length lets a reader skip a section it does not need yet.
/// An attribute is a value, its lock flag and origin (file, line, column); or 'V' and two
/// attributes, the one when `in_container()` is true and the one when it is false.
enum SnapshotTag {
    static let string = UInt8(ascii: "s"), int = UInt8(ascii: "i"), float = UInt8(ascii: "f")
    static let boolTrue = UInt8(ascii: "T"), boolFalse = UInt8(ascii: "U"), char = UInt8(ascii: "c")
    static let size = UInt8(ascii: "z"), duration = UInt8(ascii: "d"), other = UInt8(ascii: "o")
    static let list = UInt8(ascii: "l"), dict = UInt8(ascii: "m"), tuple = UInt8(ascii: "u")
    static let typespec = UInt8(ascii: "y"), callback = UInt8(ascii: "k"), section = UInt8(ascii: "p")
    static let void = UInt8(ascii: "v")
    /// Not a value: an attribute in two variants (by `in_container()`).
    static let variant = UInt8(ascii: "V")
}

/// The snapshot bytes and string table, shared by the sections still pending in them.
final class SnapshotData {
    /// Static (the literal in the binary) or kept alive by whoever made the data.
    let bytes: UnsafeBufferPointer<UInt8>
    var strings: [String] = []
    /// Asks `in_container()`, whose answer picks variant attributes. Asked once, when a variant
    /// is first read with its origin: that reads /proc/self/mountinfo, and most runs never need
    /// it (the variants' values are the same; only where they were written differs).
    var probe: (() -> Bool)?
    private(set) var answer: Bool?
    var inContainer: Bool {
        if let answer { return answer }
        let a = probe?() ?? true
        answer = a
        probe = nil
        return a
    }

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }
}

/// Where a pending section's contents are in the snapshot.
struct SnapshotContents {
    let data: SnapshotData
    let start: Int
    let end: Int

    /// Gives `node` its fields and (pending) children. The data was checked when it was made
    /// (BaseSnapshotTests); should it be damaged anyway, the section stays as far as it could
    /// be read, never a crash.
    func decode(into node: SectionNode) {
        var r = SnapshotReader(data, at: start, end: end)
        let (fields, children) = r.contents(tree: node.tree)
        if r.failed { Log.error("internal error: the built-in config snapshot is damaged at byte \(start)") }
        node.restore(fields: fields, children: children)
    }

    /// How many children the pending section has, without making it.
    func childCount() -> Int {
        var r = SnapshotReader(data, at: start, end: end)
        r.skipFields()
        return r.count()
    }

    /// The fields of the pending section, without making it. With `valuesOnly`, without their
    /// origins (see `SnapshotReader.valuesOnly`).
    func fields(valuesOnly: Bool = false) -> [(String, Attribute)] {
        var r = SnapshotReader(data, at: start, end: end)
        r.valuesOnly = valuesOnly
        return r.fields()
    }

    /// Each child's name, origin and fields, without making any section. With `valuesOnly`,
    /// without the children's or the fields' origins (`Origin.builtin` instead).
    func forEachChild<E: Error>(valuesOnly: Bool = false,
                                _ body: (String, Origin, [(String, Attribute)]) throws(E) -> Void) throws(E) {
        var r = SnapshotReader(data, at: start, end: end)
        r.skipFields()
        let n = r.count()
        r.valuesOnly = valuesOnly
        var fields: [(String, Attribute)] = []  // one buffer for all children
        for _ in 0..<n where !r.failed {
            let name = r.string(), origin = valuesOnly ? r.skipOrigin() : r.origin(), len = r.count()
            let childStart = r.position
            guard len <= end - childStart else { return }
            // The child's fields come first in its contents; its children are skipped.
            r.fields(into: &fields)
            if r.failed || r.position > childStart + len { return }
            try body(name, origin, fields)
            r.position = childStart + len
        }
    }
}

/// Decodes snapshot data. Malformed input sets `failed` (never a crash).
struct SnapshotReader {
    private let data: SnapshotData
    private let buf: UnsafeBufferPointer<UInt8>
    private let end: Int
    var position: Int
    private(set) var failed = false
    /// The caller reads values, not the attributes' origins: they are skipped (every attribute
    /// gets `Origin.builtin`, whose file name needs no reference counting), and a variant
    /// attribute whose two variants have the same value and lock is read without asking
    /// `in_container()`.
    var valuesOnly = false

    init(_ data: SnapshotData, at start: Int, end: Int) {
        self.data = data
        self.buf = data.bytes
        self.position = start
        self.end = min(end, data.bytes.count)
    }

    /// Reads the header (string table, conflicts, globals) into `data.strings` and the
    /// result, leaving the root's contents pending. Nil when the data is malformed.
    static func restore(_ data: SnapshotData) -> BaseSnapshot.Decoded? {
        let buf = data.bytes
        guard buf.count > 2, buf[0] == UInt8(ascii: "C"), buf[1] == UInt8(ascii: "S") else { return nil }
        var r = SnapshotReader(data, at: 2, end: buf.count)
        let n = r.count()
        var strings: [String] = []
        strings.reserveCapacity(n)
        for _ in 0..<n where !r.failed {
            let len = r.count()
            guard !r.failed, len <= buf.count - r.position else { return nil }
            strings.append(String(decoding: UnsafeBufferPointer(rebasing: buf[r.position..<(r.position + len)]), as: UTF8.self))
            r.position += len
        }
        data.strings = strings
        let conflicts = r.count()
        var globals: [(String, CValue)] = []
        for _ in 0..<r.count() where !r.failed { globals.append((r.string(), r.value())) }
        _ = r.string()  // the root's name and origin: "" and <builtin>
        _ = r.origin()
        let len = r.count()
        guard !r.failed, len == buf.count - r.position || len == buf.count - r.position - 1 else { return nil }
        return BaseSnapshot.Decoded(root: SnapshotContents(data: data, start: r.position, end: r.position + len),
                                    conflicts: conflicts, globals: globals)
    }

    /// Decodes every section (for tests): true when the whole data is well-formed.
    static func validate(_ data: SnapshotData) -> Bool {
        guard let d = restore(data) else { return false }
        func walk(_ c: SnapshotContents) -> Bool {
            var r = SnapshotReader(c.data, at: c.start, end: c.end)
            r.skipFields()
            for _ in 0..<r.count() where !r.failed {
                _ = r.string(); _ = r.origin()
                let len = r.count()
                guard !r.failed, len <= c.end - r.position, walk(SnapshotContents(data: c.data, start: r.position, end: r.position + len))
                else { return false }
                r.position += len
            }
            return !r.failed && r.atEnd
        }
        return walk(d.root)
    }

    /// Only newlines left.
    var atEnd: Bool {
        var k = position
        while k < end, buf[k] == 0x0A { k += 1 }
        return k == end
    }

    mutating func contents(tree: AttrTreeState) -> ([(String, Attribute)], [SectionNode]) {
        let fields = self.fields()
        var children: [SectionNode] = []
        let nc = count()
        children.reserveCapacity(nc)
        for _ in 0..<nc where !failed {
            let name = string(), origin = origin(), len = count()
            guard !failed, len <= end - position else { failed = true; break }
            children.append(SectionNode(name: name, origin: origin, tree: tree,
                                        pending: SnapshotContents(data: data, start: position, end: position + len)))
            position += len
        }
        return (fields, children)
    }

    mutating func fields() -> [(String, Attribute)] {
        var fields: [(String, Attribute)] = []
        self.fields(into: &fields)
        return fields
    }

    mutating func fields(into fields: inout [(String, Attribute)]) {
        fields.removeAll(keepingCapacity: true)
        let nf = count()
        fields.reserveCapacity(nf)
        for _ in 0..<nf where !failed { fields.append((string(), attribute())) }
    }

    mutating func skipFields() {
        for _ in 0..<count() where !failed { _ = string(); _ = attribute() }
    }

    mutating func attribute() -> Attribute {
        while position < end, buf[position] == 0x0A { position += 1 }
        if position < end, buf[position] == SnapshotTag.variant {
            position += 1
            let inside = attribute(), outside = attribute()
            if valuesOnly, inside.value == outside.value, inside.locked == outside.locked { return inside }
            return data.inContainer ? inside : outside
        }
        let v = value()
        let locked = number() == 1
        return Attribute(value: v, locked: locked, origin: valuesOnly ? skipOrigin() : origin())
    }

    /// Skips an origin (file, line, column): `Origin.builtin`, whose file name is a small
    /// string (no reference counting).
    mutating func skipOrigin() -> Origin {
        _ = number(); _ = number(); _ = number()
        return .builtin
    }

    mutating func origin() -> Origin {
        let file = string()
        let line = count(), column = count()
        return Origin(file: file, pos: SourcePos(line: line, column: column))
    }

    mutating func value() -> CValue {
        switch byte() {
        case SnapshotTag.string: return .string(string())
        case SnapshotTag.int: return .int(signed())
        case SnapshotTag.float: return .float(Double(bitPattern: number()))
        case SnapshotTag.boolTrue: return .bool(true)
        case SnapshotTag.boolFalse: return .bool(false)
        case SnapshotTag.char:
            guard let c = Unicode.Scalar(UInt32(truncatingIfNeeded: number())) else { failed = true; return .void }
            return .char(c)
        case SnapshotTag.size: return .size(signed())
        case SnapshotTag.duration: return .duration(signed())
        case SnapshotTag.other: return .otherLiteral(string())
        case SnapshotTag.list: return .list(values())
        case SnapshotTag.dict:
            let keys = values()
            let vals = values()
            return .dict(keys: keys, values: vals)
        case SnapshotTag.tuple: return .tuple(values())
        case SnapshotTag.typespec: return .typespec(string())
        case SnapshotTag.callback: return .callback(string())
        case SnapshotTag.section:
            var p: [String] = []
            for _ in 0..<count() where !failed { p.append(string()) }
            return .section(p)
        case SnapshotTag.void: return .void
        default: failed = true; return .void
        }
    }

    private mutating func values() -> [CValue] {
        var out: [CValue] = []
        let n = count()
        out.reserveCapacity(n)
        for _ in 0..<n where !failed { out.append(value()) }
        return out
    }

    mutating func string() -> String {
        let k = count()
        guard k < data.strings.count else { failed = true; return "" }
        return data.strings[k]
    }

    /// A count, index or length: no larger than the data (a bad one fails).
    mutating func count() -> Int {
        let n = number()
        guard n <= UInt64(buf.count) else { failed = true; return 0 }
        return Int(n)
    }

    private mutating func signed() -> Int64 {
        let z = number()
        return Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1)))
    }

    private mutating func number() -> UInt64 {
        var n: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = byte()
            if b >= 0x50 && b < 0x70 { return n | (UInt64(b - 0x50) << shift) }
            guard b >= 0x30 && b < 0x50, shift < 64 else { failed = true; return 0 }
            n |= UInt64(b - 0x30) << shift
            shift += 5
        }
    }

    /// The next byte that is not a newline (0 at the end, which no item starts with).
    private mutating func byte() -> UInt8 {
        while position < end {
            let b = buf[position]
            position += 1
            if b != 0x0A { return b }
        }
        failed = true
        return 0
    }
}
