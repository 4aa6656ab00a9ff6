/// A tolerant reader for git's config file format (`.git/config`): sections `[name]`,
/// `[name "subsection"]` and the legacy `[name.subsection]`, `key = value` lines, `#`/`;`
/// comments, quoted values with `\\ \" \n \t \b` escapes and backslash line continuations.
/// Section and key names are case-insensitive; subsection names are not. Lines it can't parse
/// are skipped. (`include.path` is not followed.)
struct GitConfig {
    struct Entry { var section: String; var subsection: String?; var key: String; var value: String }
    private(set) var entries: [Entry] = []

    init(text: String) {
        var section = "", subsection: String? = nil
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var i = 0
        while i < lines.count {
            var line = lines[i]
            i += 1
            // Continuation: a line ending in an odd backslash outside quotes joins the next one.
            while line.hasSuffix("\\") && !line.hasSuffix("\\\\") && i < lines.count {
                line.removeLast(); line += lines[i]; i += 1
            }
            let t = line.trimmed
            if t.isEmpty || t.hasPrefix("#") || t.hasPrefix(";") { continue }
            if t.hasPrefix("[") {
                guard let close = t.lastIndex(of: "]") else { continue }
                let inner = t[t.index(after: t.startIndex)..<close].trimmed
                if let q = inner.firstIndex(of: "\"") {
                    section = inner[..<q].trimmed.lowercased()
                    var sub = ""
                    var j = inner.index(after: q)
                    while j < inner.endIndex && inner[j] != "\"" {
                        if inner[j] == "\\", inner.index(after: j) < inner.endIndex { j = inner.index(after: j) }
                        sub.append(inner[j]); j = inner.index(after: j)
                    }
                    subsection = sub
                } else if let dot = inner.firstIndex(of: ".") {
                    section = inner[..<dot].lowercased()
                    subsection = String(inner[inner.index(after: dot)...]).lowercased()
                } else {
                    section = inner.lowercased(); subsection = nil
                }
                // Text after `]` on the same line may hold a key (rare): ignore it.
                lines[i - 1] = ""
                continue
            }
            guard !section.isEmpty else { continue }
            let (key, value) = Self.parseKeyValue(t)
            guard !key.isEmpty else { continue }
            entries.append(Entry(section: section, subsection: subsection, key: key.lowercased(), value: value))
        }
    }

    static func parseKeyValue(_ line: String) -> (String, String) {
        var key = ""
        var idx = line.startIndex
        while idx < line.endIndex, line[idx].isLetter || line[idx].isNumber || line[idx] == "-" {
            key.append(line[idx]); idx = line.index(after: idx)
        }
        let rest = line[idx...].trimmed
        if rest.isEmpty { return (key, "true") }  // `key` alone means true
        guard rest.first == "=" else { return ("", "") }
        var value = ""
        var inQuote = false
        var pendingSpace = ""
        var chars = Array(rest.dropFirst().trimmed)
        var k = 0
        while k < chars.count {
            let c = chars[k]; k += 1
            switch c {
            case "\"": inQuote.toggle(); value += pendingSpace; pendingSpace = ""
            case "\\":
                guard k < chars.count else { break }
                let n = chars[k]; k += 1
                value += pendingSpace; pendingSpace = ""
                switch n {
                case "n": value += "\n"
                case "t": value += "\t"
                case "b": value += "\u{08}"
                default: value.append(n)
                }
            case "#" where !inQuote, ";" where !inQuote:
                chars.removeAll(); k = 0
            case " " where !inQuote, "\t" where !inQuote:
                pendingSpace.append(c)  // internal whitespace kept, trailing dropped
            default:
                value += pendingSpace; pendingSpace = ""
                value.append(c)
            }
        }
        return (key, value)
    }

    /// The last value of `section.subsection.key` (git's "last one wins").
    func value(_ section: String, _ subsection: String?, _ key: String) -> String? {
        entries.last { $0.section == section && $0.subsection == subsection && $0.key == key }?.value
    }

    /// Subsections of `section` in file order, without duplicates.
    func subsections(of section: String) -> [String] {
        var seen = Set<String>(), out: [String] = []
        for e in entries where e.section == section {
            if let s = e.subsection, seen.insert(s).inserted { out.append(s) }
        }
        return out
    }
}
