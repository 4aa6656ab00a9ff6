import Glibc

/// A parsed JSON document as a flat list of nodes over its source bytes (made by
/// `JSONParser.tape`). Nothing is copied per value: strings without escapes and numbers point
/// into the source, strings with escapes into `decoded`, and every object's members are kept
/// sorted by key, which is the order the canonical form writes them in. This is what the ingest
/// path works on, so a report is parsed once and its canonical text is written straight from it.
///
/// Layout: nodes are in document order. An array node is followed by its elements; an object node
/// by its members, each a key node (a string) and then its value. `next` is the index just past
/// a node's subtree.
public struct JSONTape: Sendable {
    public enum Kind: UInt8, Sendable {
        case null, boolFalse, boolTrue, number, string, array, object
    }

    struct Node: Sendable {
        var kind: Kind
        /// Strings only: the content is in `decoded`, not in the source.
        var escaped: Bool
        /// Byte range of a string's content (in the source or `decoded`), a number's text or a
        /// literal's text.
        var start: Int
        var end: Int
        /// The index just past this node's subtree.
        var next: Int
        /// Elements of an array, members of an object.
        var count: Int
        /// Objects: where this object's key nodes, sorted by key, start in `order`.
        var order: Int
    }

    let source: [UInt8]
    let nodes: [Node]
    let decoded: [UInt8]
    let order: [Int]

    /// The root's index.
    public static let root = 0

    public func kind(_ i: Int) -> Kind { nodes[i].kind }

    /// The element indices of an array (empty for other kinds).
    public func elements(_ i: Int) -> [Int] {
        guard nodes[i].kind == .array else { return [] }
        var out: [Int] = []
        out.reserveCapacity(nodes[i].count)
        var j = i + 1
        for _ in 0..<nodes[i].count {
            out.append(j)
            j = nodes[j].next
        }
        return out
    }

    /// The key node indices of an object's members, sorted by key (empty for other kinds).
    func sortedKeys(_ i: Int) -> ArraySlice<Int> {
        guard nodes[i].kind == .object else { return [] }
        return order[nodes[i].order..<nodes[i].order + nodes[i].count]
    }

    /// The value index of member `name` of object `i`, or nil.
    public func member(_ i: Int, _ name: String) -> Int? {
        guard nodes[i].kind == .object else { return nil }
        var name = name
        // One pass over raw buffers: reports are looked up by a dozen names each.
        return name.withUTF8 { wanted -> Int? in
            nodes.withUnsafeBufferPointer { nb in
                source.withUnsafeBufferPointer { src in
                    decoded.withUnsafeBufferPointer { dec in
                        var j = i + 1
                        for _ in 0..<nb[i].count {
                            let n = nb[j]
                            if n.end - n.start == wanted.count {
                                if wanted.isEmpty { return j + 1 }
                                let base = n.escaped ? dec.baseAddress! : src.baseAddress!
                                if memcmp(base + n.start, wanted.baseAddress!, wanted.count) == 0 { return j + 1 }
                            }
                            j = nb[j + 1].next
                        }
                        return nil
                    }
                }
            }
        }
    }

    /// True when string node `i` holds exactly the bytes of `wanted`.
    func keyEquals(_ i: Int, _ wanted: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = nodes[i]
        guard n.end - n.start == wanted.count else { return false }
        if wanted.isEmpty { return true }
        return withContent(i) { p in memcmp(p, wanted.baseAddress!, wanted.count) == 0 }
    }

    func keyEquals(_ i: Int, _ name: StaticString) -> Bool {
        keyEquals(i, UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }

    /// Orders two string nodes by their content bytes (which is code point order).
    func compareKeys(_ a: Int, _ b: Int) -> Int {
        withContent(a) { pa in
            withContent(b) { pb in
                Self.compareBytes(pa, nodes[a].end - nodes[a].start, pb, nodes[b].end - nodes[b].start)
            }
        }
    }

    private func withContent<R>(_ i: Int, _ body: (UnsafePointer<UInt8>) -> R) -> R {
        let n = nodes[i]
        let storage = n.escaped ? decoded : source
        return storage.withUnsafeBufferPointer { buffer in
            // An empty buffer may have no base address; any valid pointer does for zero bytes.
            body((buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!) + n.start)
        }
    }

    static func compareBytes(_ a: UnsafePointer<UInt8>, _ aCount: Int, _ b: UnsafePointer<UInt8>, _ bCount: Int) -> Int {
        let common = min(aCount, bCount)
        if common > 0 {
            let c = memcmp(a, b, common)
            if c != 0 { return Int(c) }
        }
        return aCount - bCount
    }

    /// A string node's text, or nil for other kinds.
    public func string(_ i: Int) -> String? {
        let n = nodes[i]
        guard n.kind == .string else { return nil }
        if n.escaped { return String(decoding: decoded[n.start..<n.end], as: UTF8.self) }
        return String(decoding: source[n.start..<n.end], as: UTF8.self)
    }

    /// A scalar rendered as text: strings as they are, numbers as written, booleans as true/false.
    public func scalarText(_ i: Int) -> String? {
        switch nodes[i].kind {
        case .string: return string(i)
        case .number: return String(decoding: source[nodes[i].start..<nodes[i].end], as: UTF8.self)
        case .boolTrue: return "true"
        case .boolFalse: return "false"
        default: return nil
        }
    }

    /// A number's value as a Double (nil for other kinds).
    public func double(_ i: Int) -> Double? {
        guard nodes[i].kind == .number else { return nil }
        return Double(String(decoding: source[nodes[i].start..<nodes[i].end], as: UTF8.self))
    }

    /// Node `i` as a `JSONValue` tree (object members in source order).
    public func value(_ i: Int) -> JSONValue {
        let n = nodes[i]
        switch n.kind {
        case .null: return .null
        case .boolTrue: return .bool(true)
        case .boolFalse: return .bool(false)
        case .number: return .number(String(decoding: source[n.start..<n.end], as: UTF8.self))
        case .string: return .string(string(i)!)
        case .array: return .array(elements(i).map(value))
        case .object:
            var members: [(key: String, value: JSONValue)] = []
            members.reserveCapacity(n.count)
            var j = i + 1
            for _ in 0..<n.count {
                members.append((string(j)!, value(j + 1)))
                j = nodes[j + 1].next
            }
            return .object(members)
        }
    }

    // MARK: - canonical text

    /// Runs `body` with a writer over this tape's byte storage (no copies, no reference counting
    /// per string written).
    func withWriter<R>(_ body: (CanonicalTapeWriter) -> R) -> R {
        source.withUnsafeBufferPointer { src in
            decoded.withUnsafeBufferPointer { dec in
                nodes.withUnsafeBufferPointer { nodeBuffer in
                    order.withUnsafeBufferPointer { orderBuffer in
                        body(CanonicalTapeWriter(source: src, decoded: dec, nodes: nodeBuffer, order: orderBuffer))
                    }
                }
            }
        }
    }

    /// Appends node `i` in canonical form (see `CanonicalJSON`).
    func writeCanonical(_ i: Int, into out: inout [UInt8]) {
        withWriter { $0.value(i, into: &out) }
    }

    /// Node `i`'s canonical text.
    public func canonicalText(_ i: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(nodes[i].end - nodes[i].start + 16)
        writeCanonical(i, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

/// Writes canonical JSON from a tape's storage through raw buffers.
struct CanonicalTapeWriter {
    let source: UnsafeBufferPointer<UInt8>
    let decoded: UnsafeBufferPointer<UInt8>
    let nodes: UnsafeBufferPointer<JSONTape.Node>
    let order: UnsafeBufferPointer<Int>

    /// Appends node `i` in canonical form.
    func value(_ i: Int, into out: inout [UInt8]) {
        let n = nodes[i]
        switch n.kind {
        case .null, .boolTrue, .boolFalse, .number:
            out.append(contentsOf: UnsafeBufferPointer(rebasing: source[n.start..<n.end]))
        case .string:
            string(i, into: &out)
        case .array:
            out.append(UInt8(ascii: "["))
            var j = i + 1
            for k in 0..<n.count {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                value(j, into: &out)
                j = nodes[j].next
            }
            out.append(UInt8(ascii: "]"))
        case .object:
            out.append(UInt8(ascii: "{"))
            for k in 0..<n.count {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                let key = order[n.order + k]
                string(key, into: &out)
                out.append(UInt8(ascii: ":"))
                value(key + 1, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends string node `i` as a JSON string literal with the minimal escapes.
    func string(_ i: Int, into out: inout [UInt8]) {
        let n = nodes[i]
        out.append(UInt8(ascii: "\""))
        if !n.escaped {
            // Unescaped source content has no quote, backslash or control character: it is canonical.
            out.append(contentsOf: UnsafeBufferPointer(rebasing: source[n.start..<n.end]))
        } else {
            JSONWriter.appendEscaped(UnsafeBufferPointer(rebasing: decoded[n.start..<n.end]), to: &out)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// The key node indices of object `i`'s members, sorted by key.
    func sortedKeys(_ i: Int) -> UnsafeBufferPointer<Int> {
        UnsafeBufferPointer(rebasing: order[nodes[i].order..<nodes[i].order + nodes[i].count])
    }

    func kind(_ i: Int) -> JSONTape.Kind { nodes[i].kind }
}
