import Marking

/// A Dockerfile read just enough for chalk: stages, their `FROM`, and the instructions that
/// matter for marking and wrapping. Unknown instructions are kept as they are.
struct Dockerfile: Sendable {
    struct Instruction: Sendable, Equatable {
        var keyword: String  // upper-cased
        var arguments: String
    }

    struct Stage: Sendable {
        var from: String
        var name: String?
        var instructions: [Instruction] = []
    }

    var globalArgs: [String: String] = [:]
    var stages: [Stage] = []

    /// Parses Dockerfile text. Never fails: what it can't understand is skipped.
    init(_ text: String, buildArgs: [(String, String?)] = []) {
        var cont = ""
        var lines: [String] = []
        var inHeredoc: String? = nil
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String(raw)
            if line.hasSuffix("\r") { line.removeLast() }
            if let end = inHeredoc { if line.trimmed == end { inHeredoc = nil }; continue }
            let t = line.trimmed
            if cont.isEmpty && (t.isEmpty || t.hasPrefix("#")) { continue }
            if !cont.isEmpty && t.hasPrefix("#") { continue }
            if t.hasSuffix("\\") { cont += String(t.dropLast()).trimmed + " "; continue }
            let full = cont + t
            cont = ""
            if let r = full.firstRange(of: "<<"), full.uppercased().hasPrefix("RUN") || full.uppercased().hasPrefix("COPY") {
                var word = String(full[r.upperBound...]).split(separator: " ").first.map(String.init) ?? ""
                word = word.trimmingPrefix("-").replacingDockerQuotes
                if !word.isEmpty { inHeredoc = word }
            }
            lines.append(full)
        }
        if !cont.isEmpty { lines.append(cont) }
        var args: [String: String] = [:]
        for (k, v) in buildArgs { if let v { args[k] = v } }
        for line in lines {
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard let kw = parts.first?.uppercased() else { continue }
            let rest = parts.count > 1 ? String(parts[1]).trimmed : ""
            if kw == "FROM" {
                var words = rest.split(separator: " ").map(String.init).filter { !$0.hasPrefix("--") }
                var name: String? = nil
                if words.count >= 3, words[words.count - 2].uppercased() == "AS" { name = words.last; words.removeLast(2) }
                let ref = Dockerfile.substitute(words.first ?? "", globalArgs.merging(args) { _, b in b })
                stages.append(Stage(from: ref, name: name))
            } else if stages.isEmpty {
                if kw == "ARG" {
                    let a = rest.split(separator: "=", maxSplits: 1).map(String.init)
                    let k = a[0].trimmed
                    if let v = args[k] { globalArgs[k] = v } else if a.count > 1 { globalArgs[k] = a[1].replacingDockerQuotes }
                }
            } else {
                stages[stages.count - 1].instructions.append(Instruction(keyword: kw, arguments: rest))
            }
        }
    }

    /// `$NAME`/`${NAME}`/`${NAME:-default}` substitution as FROM does it with ARGs.
    static func substitute(_ s: String, _ vars: [String: String]) -> String {
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            guard c == "$" else { out.append(c); i = s.index(after: i); continue }
            var j = s.index(after: i)
            if j < s.endIndex, s[j] == "{" {
                guard let close = s[j...].firstIndex(of: "}") else { out += s[i...]; break }
                let inner = String(s[s.index(after: j)..<close])
                if let r = inner.firstRange(of: ":-") {
                    let v = vars[String(inner[..<r.lowerBound])] ?? ""
                    out += v.isEmpty ? String(inner[r.upperBound...]) : v
                } else { out += vars[inner] ?? "" }
                i = s.index(after: close)
            } else {
                while j < s.endIndex, s[j].isLetter || s[j].isNumber || s[j] == "_" { j = s.index(after: j) }
                out += vars[String(s[s.index(after: i)..<j])] ?? ""
                i = j
            }
        }
        return out
    }

    /// Index of the target stage: `--target NAME`, else the last one.
    func targetIndex(_ target: String?) -> Int? {
        guard !stages.isEmpty else { return nil }
        guard let t = target, !t.isEmpty else { return stages.count - 1 }
        return stages.firstIndex { $0.name?.lowercased() == t.lowercased() }
    }

    /// The chain of stage indices from the target stage back through `FROM <stage>`.
    func chain(_ index: Int) -> [Int] {
        var out = [index]
        var cur = index
        while out.count <= stages.count {
            let from = stages[cur].from.lowercased()
            guard let prev = stages[..<cur].lastIndex(where: { $0.name?.lowercased() == from }) else { break }
            out.append(prev); cur = prev
        }
        return out
    }

    /// The external image the target stage ultimately builds on (`scratch` included).
    func baseImage(_ index: Int) -> String { stages[chain(index).last!].from }

    /// True when the target stage's chain has a bare `ENTRYPOINT` (no arguments) as its last one.
    func lastEntrypointIsBare(_ index: Int) -> Bool {
        for s in chain(index) {
            if let e = stages[s].instructions.last(where: { $0.keyword == "ENTRYPOINT" }) { return e.arguments.trimmed.isEmpty }
        }
        return false
    }
}

extension String {
    /// Removes one pair of surrounding double or single quotes.
    var replacingDockerQuotes: String {
        if count >= 2, (hasPrefix("\"") && hasSuffix("\"")) || (hasPrefix("'") && hasSuffix("'")) { return String(dropFirst().dropLast()) }
        return self
    }

    func trimmingPrefix(_ p: String) -> String { hasPrefix(p) ? String(dropFirst(p.count)) : self }
}

/// An image reference split as Chalk's DOCKER_BASE_IMAGE_* keys want it.
struct ImageReference: Sendable, Equatable {
    var registry = ""
    var name = ""
    var tag = ""
    var digest = ""

    /// `registry/name` when a registry is given, else `name`.
    var repo: String { registry.isEmpty ? name : registry + "/" + name }

    init(_ ref: String) {
        var r = Substring(ref)
        if let at = r.firstIndex(of: "@") { digest = String(r[r.index(after: at)...]); r = r[..<at] }
        if let colon = r.lastIndex(of: ":"), !r[colon...].contains("/") { tag = String(r[r.index(after: colon)...]); r = r[..<colon] }
        if let slash = r.firstIndex(of: "/") {
            let first = r[..<slash]
            if first.contains(".") || first.contains(":") || first == "localhost" {
                registry = String(first); r = r[r.index(after: slash)...]
            }
        }
        name = String(r)
        if tag.isEmpty && digest.isEmpty && name != "scratch" && !name.isEmpty { tag = "latest" }
    }

    /// The DOCKER_BASE_IMAGE_* keys.
    func keys(original: String) -> ChalkObject {
        var o = ChalkObject()
        o.setIfNotEmpty("DOCKER_BASE_IMAGE", .string(original))
        o.setIfNotEmpty("DOCKER_BASE_IMAGE_REPO", .string(repo))
        o.setIfNotEmpty("DOCKER_BASE_IMAGE_REGISTRY", .string(registry))
        o.setIfNotEmpty("DOCKER_BASE_IMAGE_NAME", .string(name))
        o.setIfNotEmpty("DOCKER_BASE_IMAGE_TAG", .string(tag))
        o.setIfNotEmpty("DOCKER_BASE_IMAGE_DIGEST", .string(digest))
        return o
    }
}
