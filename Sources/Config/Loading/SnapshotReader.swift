/// The encoding of GeneratedBaseSnapshot.swift, read by `SnapshotReader` and written by
/// `SnapshotWriter`. ASCII, so it can sit in a Swift string literal:
/// - a number is a varint of 5-bit groups, low group first: '0'+g for a group with more to
///   come, 'P'+g for the last one; a signed number is zigzag-encoded first;
/// - a string is an index into the string table (each name or text stored once);
/// - the table is its count, then each string's UTF-8 length and bytes;
/// - a value is a tag letter then its payload (`SnapshotTag`);
/// - newlines between items are ignored (the writer wraps lines), never inside a string.
/// Layout: "CS", the table, `conflicts`, globals (count, name value…), the root section
/// (name, origin, fields (count, name attribute…), children (count, section…)), patches
/// (count, path (count, name…), name, attribute…). An attribute is a value, its lock flag and
/// origin (file, line, column).
enum SnapshotTag {
    static let string = UInt8(ascii: "s"), int = UInt8(ascii: "i"), float = UInt8(ascii: "f")
    static let boolTrue = UInt8(ascii: "T"), boolFalse = UInt8(ascii: "U"), char = UInt8(ascii: "c")
    static let size = UInt8(ascii: "z"), duration = UInt8(ascii: "d"), other = UInt8(ascii: "o")
    static let list = UInt8(ascii: "l"), dict = UInt8(ascii: "m"), tuple = UInt8(ascii: "u")
    static let typespec = UInt8(ascii: "y"), callback = UInt8(ascii: "k"), section = UInt8(ascii: "p")
    static let void = UInt8(ascii: "v")
}

/// Decodes the snapshot data. Any malformed input makes `decode` return nil (never a crash):
/// the caller then runs the base sources.
struct SnapshotReader {
    private let buf: UnsafeBufferPointer<UInt8>
    private var i = 0
    private var strings: [String] = []
    private var failed = false

    init(_ buf: UnsafeBufferPointer<UInt8>) { self.buf = buf }

    mutating func decode(tree: AttrTreeState) -> BaseSnapshot.Decoded? {
        guard buf.count > 2, buf[0] == UInt8(ascii: "C"), buf[1] == UInt8(ascii: "S") else { return nil }
        i = 2
        let n = count()
        strings.reserveCapacity(n)
        for _ in 0..<n where !failed {
            let len = count()
            guard !failed, len <= buf.count - i else { failed = true; break }
            strings.append(String(decoding: UnsafeBufferPointer(rebasing: buf[i..<(i + len)]), as: UTF8.self))
            i += len
        }
        let conflicts = count()
        var globals: [(String, CValue)] = []
        for _ in 0..<count() where !failed { globals.append((string(), value())) }
        _ = string()  // the root's name and origin: always "" and <builtin>
        _ = origin()
        let (fields, children) = contents(tree: tree)
        var patches: [BaseSnapshot.Patch] = []
        for _ in 0..<count() where !failed {
            var path: [String] = []
            for _ in 0..<count() where !failed { path.append(string()) }
            patches.append(BaseSnapshot.Patch(path: path, name: string(), attribute: attribute()))
        }
        guard !failed, i == buf.count || (i == buf.count - 1 && buf[i] == 0x0A) else { return nil }
        return BaseSnapshot.Decoded(rootFields: fields, rootChildren: children, conflicts: conflicts,
                                    globals: globals, patches: patches)
    }

    private mutating func section(tree: AttrTreeState) -> SectionNode {
        let node = SectionNode(name: string(), origin: origin(), tree: tree)
        let (fields, children) = contents(tree: tree)
        node.restore(fields: fields, children: children)
        return node
    }

    private mutating func contents(tree: AttrTreeState) -> ([(String, Attribute)], [SectionNode]) {
        var fields: [(String, Attribute)] = []
        let nf = count()
        fields.reserveCapacity(nf)
        for _ in 0..<nf where !failed { fields.append((string(), attribute())) }
        var children: [SectionNode] = []
        let nc = count()
        children.reserveCapacity(nc)
        for _ in 0..<nc where !failed { children.append(section(tree: tree)) }
        return (fields, children)
    }

    private mutating func attribute() -> Attribute {
        let v = value()
        let locked = number() == 1
        return Attribute(value: v, locked: locked, origin: origin())
    }

    private mutating func origin() -> Origin {
        let file = string()
        let line = count(), column = count()
        return Origin(file: file, pos: SourcePos(line: line, column: column))
    }

    private mutating func value() -> CValue {
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

    private mutating func string() -> String {
        let k = count()
        guard k < strings.count else { failed = true; return "" }
        return strings[k]
    }

    /// A count or index: small enough for an Int and for the data (a bad one fails).
    private mutating func count() -> Int {
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
        while i < buf.count {
            let b = buf[i]
            i += 1
            if b != 0x0A { return b }
        }
        failed = true
        return 0
    }
}
