#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// gitignore rules (https://git-scm.com/docs/gitignore): `.git/info/exclude`, `core.excludesFile`
/// from the repository config, and every `.gitignore` from the root down to a path's directory.
/// Later (deeper) rules win; `!` re-includes; a trailing `/` matches directories only; a pattern
/// with a `/` is anchored to its file's directory; `**` matches any number of directories.
/// (The user's global excludes file is not read, so results don't depend on the machine.)
final class GitIgnore {
    struct Rule {
        var base: String  // directory of the file the rule came from, relative to the root ("" = root)
        var segments: [String]
        var negated: Bool
        var dirOnly: Bool
        var anchored: Bool
    }

    let root: String
    private let baseRules: [Rule]
    private var dirRules: [String: [Rule]] = [:]

    init(root: String, commonDir: String, config: GitConfig) {
        self.root = root
        var rules = Self.parse(FileIO.readText(FileIO.join(commonDir, "info/exclude"), limit: 1 << 20) ?? "", base: "")
        if let f = config.value("core", nil, "excludesfile"), f.hasPrefix("/") {
            rules = Self.parse(FileIO.readText(f, limit: 1 << 20) ?? "", base: "") + rules
        }
        baseRules = rules
    }

    static func parse(_ text: String, base: String) -> [Rule] {
        var out: [Rule] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            var line = String(raw)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            // Trailing spaces are dropped unless escaped.
            while line.hasSuffix(" ") && !line.hasSuffix("\\ ") { line.removeLast() }
            var negated = false
            if line.hasPrefix("!") { negated = true; line.removeFirst() }
            var dirOnly = false
            if line.hasSuffix("/") { dirOnly = true; while line.hasSuffix("/") { line.removeLast() } }
            if line.isEmpty { continue }
            let anchored = line.contains("/")
            if line.hasPrefix("/") { line.removeFirst() }
            let segs = line.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            if segs.isEmpty { continue }
            out.append(Rule(base: base, segments: segs, negated: negated, dirOnly: dirOnly, anchored: anchored))
        }
        return out
    }

    private func rules(inDirectory rel: String) -> [Rule] {
        if let r = dirRules[rel] { return r }
        let file = FileIO.join(rel.isEmpty ? root : FileIO.join(root, rel), ".gitignore")
        let r = Self.parse(FileIO.readText(file, limit: 1 << 20) ?? "", base: rel)
        dirRules[rel] = r
        return r
    }

    /// Whether `rel` (relative to the root) is ignored, given that none of its parent
    /// directories is (the walker never descends into ignored directories).
    func isIgnored(_ rel: String, isDirectory: Bool) -> Bool {
        var all = baseRules
        let parts = rel.split(separator: "/").map(String.init)
        var dir = ""
        all += rules(inDirectory: "")
        for p in parts.dropLast() {
            dir = dir.isEmpty ? p : dir + "/" + p
            all += rules(inDirectory: dir)
        }
        for rule in all.reversed() where Self.matches(rule, rel: rel, parts: parts, isDirectory: isDirectory) {
            return !rule.negated
        }
        return false
    }

    static func matches(_ rule: Rule, rel: String, parts: [String], isDirectory: Bool) -> Bool {
        if rule.dirOnly && !isDirectory { return false }
        var sub = parts[...]
        if !rule.base.isEmpty {
            let baseParts = rule.base.split(separator: "/").map(String.init)
            guard parts.count > baseParts.count, Array(parts.prefix(baseParts.count)) == baseParts else { return false }
            sub = parts.dropFirst(baseParts.count)
        }
        if !rule.anchored {
            guard let name = sub.last else { return false }
            return fnmatchSegment(rule.segments[0], name)
        }
        return matchSegments(rule.segments[...], sub)
    }

    static func matchSegments(_ pat: ArraySlice<String>, _ path: ArraySlice<String>) -> Bool {
        guard let first = pat.first else { return path.isEmpty }
        if first == "**" {
            let rest = pat.dropFirst()
            // A trailing `**` matches everything inside, but not the directory itself.
            if rest.isEmpty { return !path.isEmpty }
            var p = path
            while true {
                if matchSegments(rest, p) { return true }
                if p.isEmpty { return false }
                p = p.dropFirst()
            }
        }
        guard let name = path.first, fnmatchSegment(first, name) else { return false }
        return matchSegments(pat.dropFirst(), path.dropFirst())
    }

    static func fnmatchSegment(_ pattern: String, _ name: String) -> Bool {
        fnmatch(pattern, name, 0) == 0
    }
}
