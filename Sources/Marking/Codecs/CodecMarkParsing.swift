// TEMPORARY ADAPTER (elfzip branch). The ELF and ZIP codecs read marks only through
// `CodecMarkParsing.parseMark`. At merge the lead points its body at marking's mark finder
// (§1.6 back-scan) and streaming JSON parser (§1.5) and deletes `MinimalMarkJSON` below.

/// The one entry point the ELF and ZIP codecs use to read a mark's JSON.
enum CodecMarkParsing {
    /// Parses the mark in `bytes`. With `magicAt` (the index of the `dadfedabbadabbed` value),
    /// the mark's `{` is found by the space-only back-scan of spec §1.6 first; without it the
    /// JSON object starts at `from` (leading JSON whitespace skipped, as for ZIP `chalk.json`).
    /// Returns the object and the byte range `{`…`}` it came from, or nil when there is no
    /// valid mark there.
    static func parseMark(_ bytes: [UInt8], magicAt: Int? = nil, from: Int = 0)
        -> (object: ChalkObject, range: Range<Int>)? {
        var start = from
        if let i = magicAt {
            guard let s = MinimalMarkJSON.backScan(bytes, magicAt: i) else { return nil }
            start = s
        }
        var p = MinimalMarkJSON(bytes: bytes, pos: start)
        p.skipWhitespace()
        let open = p.pos
        guard case .object(let obj)? = p.value(depth: 0) else { return nil }
        return (obj, open..<p.pos)
    }
}

/// A small §1.5-style JSON reader, only so this branch builds and tests on its own.
private struct MinimalMarkJSON {
    let bytes: [UInt8]
    var pos: Int

    /// §1.6 step 2: `{` SP* `"MAGIC"` SP* `:` SP* `"` <magic>, spaces only.
    static func backScan(_ b: [UInt8], magicAt i: Int) -> Int? {
        guard i >= 9, i <= b.count, b[i - 1] == 0x22 else { return nil }
        var j = i - 2
        while j >= 0 && b[j] == 0x20 { j -= 1 }
        guard j >= 0, b[j] == 0x3A else { return nil }
        j -= 1
        while j >= 0 && b[j] == 0x20 { j -= 1 }
        guard j >= 6, b[j] == 0x22, Array(b[(j - 6)..<j]) == Array("\"MAGIC".utf8) else { return nil }
        j -= 7
        while j >= 0 && b[j] == 0x20 { j -= 1 }
        guard j >= 0, b[j] == 0x7B else { return nil }
        return j
    }

    mutating func skipWhitespace() {
        while pos < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[pos]) { pos += 1 }
    }

    mutating func value(depth: Int) -> ChalkValue? {
        guard depth < 256 else { return nil }  // bounded recursion on hostile input
        skipWhitespace()
        guard pos < bytes.count else { return nil }
        switch bytes[pos] {
        case 0x7B: return object(depth: depth)
        case 0x5B: return array(depth: depth)
        case 0x22: return string().map { .string($0) }
        case 0x74: return literal("true", .bool(true))
        case 0x66: return literal("false", .bool(false))
        case 0x6E: return literal("null", .null)
        default: return number()
        }
    }

    mutating func object(depth: Int) -> ChalkValue? {
        pos += 1
        var obj = ChalkObject()
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == 0x7D { pos += 1; return .object(obj) }
        while true {
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == 0x22, let k = string() else { return nil }
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == 0x3A else { return nil }
            pos += 1
            guard let v = value(depth: depth + 1) else { return nil }
            obj[k] = v
            skipWhitespace()
            guard pos < bytes.count else { return nil }
            if bytes[pos] == 0x2C { pos += 1; continue }
            guard bytes[pos] == 0x7D else { return nil }
            pos += 1
            return .object(obj)
        }
    }

    mutating func array(depth: Int) -> ChalkValue? {
        pos += 1
        var items = [ChalkValue]()
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == 0x5D { pos += 1; return .array(items) }
        while true {
            guard let v = value(depth: depth + 1) else { return nil }
            items.append(v)
            skipWhitespace()
            guard pos < bytes.count else { return nil }
            if bytes[pos] == 0x2C { pos += 1; continue }
            guard bytes[pos] == 0x5D else { return nil }
            pos += 1
            return .array(items)
        }
    }

    mutating func literal(_ word: String, _ v: ChalkValue) -> ChalkValue? {
        let w = Array(word.utf8)
        guard pos + w.count <= bytes.count, Array(bytes[pos..<(pos + w.count)]) == w else { return nil }
        pos += w.count
        return v
    }

    mutating func number() -> ChalkValue? {
        let start = pos
        var isFloat = false
        if pos < bytes.count, bytes[pos] == 0x2D { pos += 1 }
        while pos < bytes.count {
            let c = bytes[pos]
            if c >= 0x30 && c <= 0x39 { pos += 1 } else if c == 0x2E || c == 0x65 || c == 0x45 || c == 0x2B
                || (c == 0x2D && pos > start) { isFloat = true; pos += 1 } else { break }
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        if !isFloat, let i = Int64(text) { return .int(i) }
        return Double(text).map { .float($0) }
    }

    mutating func string() -> String? {
        pos += 1
        var out = [UInt8]()
        while pos < bytes.count {
            let c = bytes[pos]
            pos += 1
            switch c {
            case 0x22: return String(validating: out, as: UTF8.self)
            case 0x00: return nil
            case 0x5C:
                guard pos < bytes.count else { return nil }
                let e = bytes[pos]
                pos += 1
                switch e {
                case 0x22, 0x5C, 0x2F: out.append(e)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x75:
                    guard pos + 4 <= bytes.count,
                          let u = UInt32(String(decoding: bytes[pos..<(pos + 4)], as: UTF8.self), radix: 16)
                    else { return nil }
                    pos += 4
                    out.append(contentsOf: Array(String(Character(Unicode.Scalar(u) ?? "\u{FFFD}")).utf8))
                default: return nil
                }
            default: out.append(c)
            }
        }
        return nil
    }
}
