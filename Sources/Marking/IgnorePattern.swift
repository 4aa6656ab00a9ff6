/// A small regular-expression matcher for `ignore_patterns` (spec/mark-format.md §6), so that
/// discovery needs neither Foundation nor PCRE.
///
/// Supported subset (everything Chalk's default patterns and typical user patterns use):
/// literal bytes, `.`, backslash escapes (`\.`, `\/`, `\d`, `\w`, `\s`, ...), bracket classes
/// `[abc]`, `[a-z]`, `[^...]`, and the quantifiers `*`, `+`, `?`; a leading `^` / trailing `$`
/// are accepted and ignored. A pattern must match the **whole** path (the default patterns
/// are written as whole-path regexes). Groups, alternation and `{m,n}` are refused with an
/// error naming the pattern. Matching is a linear-time state-set simulation (no backtracking),
/// so no path can make it slow.
public struct IgnorePattern: Sendable, CustomStringConvertible {
    enum Atom: Sendable {
        case byte(UInt8)
        case any
        case set([Bool], negated: Bool)

        func matches(_ b: UInt8) -> Bool {
            switch self {
            case .byte(let x): b == x
            case .any: b != 0x0A
            case .set(let table, let negated): table[Int(b)] != negated
            }
        }
    }

    struct Token: Sendable { var atom: Atom; var repeats: Bool; var optional: Bool }

    /// Why a pattern can't be used.
    public struct Unsupported: Error, Sendable, CustomStringConvertible {
        public var pattern: String
        public var reason: String
        public var description: String { "ignore pattern \"\(pattern)\": \(reason)" }
    }

    public let source: String
    let tokens: [Token]

    public var description: String { source }

    public init(_ pattern: String) throws(Unsupported) {
        source = pattern
        var p = Array(pattern.utf8)
        if p.first == UInt8(ascii: "^") { p.removeFirst() }
        if p.last == UInt8(ascii: "$"), p.count < 2 || p[p.count - 2] != UInt8(ascii: "\\") { p.removeLast() }
        var tokens: [Token] = []
        var i = 0
        func unsupported(_ r: String) -> Unsupported { Unsupported(pattern: pattern, reason: r) }
        while i < p.count {
            let c = p[i]
            var atom: Atom
            switch c {
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "|"), UInt8(ascii: "{"):
                throw unsupported("groups, alternation and {m,n} are not supported")
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"):
                throw unsupported("quantifier with nothing to repeat")
            case UInt8(ascii: "."): atom = .any; i += 1
            case UInt8(ascii: "\\"):
                guard i + 1 < p.count else { throw unsupported("trailing backslash") }
                atom = Self.escape(p[i + 1]); i += 2
            case UInt8(ascii: "["):
                var table = [Bool](repeating: false, count: 256)
                var j = i + 1
                var negated = false
                if j < p.count, p[j] == UInt8(ascii: "^") { negated = true; j += 1 }
                var first = true
                while j < p.count, p[j] != UInt8(ascii: "]") || first {
                    first = false
                    var lo = p[j]
                    if lo == UInt8(ascii: "\\"), j + 1 < p.count {
                        if case .set(let t, false) = Self.escape(p[j + 1]) {
                            for k in 0..<256 where t[k] { table[k] = true }
                            j += 2; continue
                        }
                        lo = p[j + 1]; j += 1
                    }
                    if j + 2 < p.count, p[j + 1] == UInt8(ascii: "-"), p[j + 2] != UInt8(ascii: "]") {
                        let hi = p[j + 2]
                        if lo <= hi { for k in lo...hi { table[Int(k)] = true } }
                        j += 3
                    } else {
                        table[Int(lo)] = true; j += 1
                    }
                }
                guard j < p.count else { throw unsupported("unterminated [ class") }
                atom = .set(table, negated: negated); i = j + 1
            default: atom = .byte(c); i += 1
            }
            var token = Token(atom: atom, repeats: false, optional: false)
            if i < p.count {
                switch p[i] {
                case UInt8(ascii: "*"): token.repeats = true; token.optional = true; i += 1
                case UInt8(ascii: "?"): token.optional = true; i += 1
                case UInt8(ascii: "+"):
                    // x+ is x followed by x*.
                    tokens.append(Token(atom: atom, repeats: false, optional: false))
                    token.repeats = true; token.optional = true; i += 1
                default: break
                }
            }
            tokens.append(token)
        }
        self.tokens = tokens
        buildMasks()
    }

    static func escape(_ e: UInt8) -> Atom {
        func set(_ f: (UInt8) -> Bool) -> Atom { .set((0..<256).map { f(UInt8($0)) }, negated: false) }
        switch e {
        case UInt8(ascii: "d"): return set { (48...57).contains($0) }
        case UInt8(ascii: "w"): return set { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 95 }
        case UInt8(ascii: "s"): return set { [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C].contains($0) }
        case UInt8(ascii: "t"): return .byte(0x09)
        case UInt8(ascii: "n"): return .byte(0x0A)
        default: return .byte(e)
        }
    }

    /// For patterns of fewer than 64 tokens (all realistic ones): per byte value, the tokens
    /// that accept it; per token, the states reachable by skipping optional tokens.
    private var byteMasks: [UInt64] = []
    private var closures: [UInt64] = []
    private var repeatMask: UInt64 = 0

    private mutating func buildMasks() {
        let n = tokens.count
        guard n < 64 else { return }
        for (k, t) in tokens.enumerated() where t.repeats { repeatMask |= 1 << UInt64(k) }
        byteMasks = (0..<256).map { b in
            var m: UInt64 = 0
            for (k, t) in tokens.enumerated() where t.atom.matches(UInt8(b)) { m |= 1 << UInt64(k) }
            return m
        }
        closures = (0...n).map { start in
            var m: UInt64 = 0
            var k = start
            while true {
                m |= 1 << UInt64(k)
                guard k < n, tokens[k].optional else { break }
                k += 1
            }
            return m
        }
    }

    /// True when the pattern matches all of `path`.
    public func matches(_ path: String) -> Bool {
        let n = tokens.count
        guard n < 64, closures.count == n + 1 else { return matchesSlow(path) }
        var current = closures[0]
        for b in path.utf8 {
            var live = current & byteMasks[Int(b)]
            guard live != 0 else { return false }
            var next: UInt64 = 0
            while live != 0 {
                let k = live.trailingZeroBitCount
                live &= live - 1
                if repeatMask & (1 << UInt64(k)) != 0 { next |= closures[k] }
                next |= closures[k + 1]
            }
            current = next
        }
        return current & (1 << UInt64(n)) != 0
    }

    /// The general state-set simulation (patterns of 64 tokens or more).
    func matchesSlow(_ path: String) -> Bool {
        let n = tokens.count
        var current = [Bool](repeating: false, count: n + 1)
        var next = current
        func addClosure(_ set: inout [Bool], _ start: Int) {
            var k = start
            while k <= n, !set[k] {
                set[k] = true
                guard k < n, tokens[k].optional else { break }
                k += 1
            }
        }
        addClosure(&current, 0)
        for b in path.utf8 {
            for k in 0...n { next[k] = false }
            var any = false
            for k in 0..<n where current[k] && tokens[k].atom.matches(b) {
                any = true
                if tokens[k].repeats { addClosure(&next, k) }
                addClosure(&next, k + 1)
            }
            guard any else { return false }
            swap(&current, &next)
        }
        return current[n]
    }
}
