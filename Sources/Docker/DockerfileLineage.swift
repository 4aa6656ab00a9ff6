import Marking

/// What a Dockerfile builds on: every stage's `FROM` and every `COPY --from`, resolved through
/// stage references to the external image (or `scratch`) underneath, for DOCKER_BASE_IMAGES and
/// DOCKER_COPY_IMAGES (spec/config.md §4.9).
extension Dockerfile {
    /// A `--build-context` value naming an image rather than a directory or URL.
    static let imageContextPrefix = "docker-image://"

    /// One `COPY --from=X SRC... DEST`.
    struct CopyFrom: Sendable, Equatable {
        /// `X` as written (after ARG substitution): an image, a stage name, a stage index or an
        /// additional build context.
        var from: String
        var sources: [String]
        var dest: String
    }

    /// The key a stage goes under in DOCKER_BASE_IMAGES / DOCKER_COPY_IMAGES: its name; ""
    /// for an unnamed last stage (Chalk's key for an alias-less final target); else its index,
    /// which is also how `COPY --from=N` names it, so two unnamed stages never share a key.
    func stageKey(_ index: Int) -> String {
        if let n = stages[index].name, !n.isEmpty { return n }
        return index == stages.count - 1 ? "" : String(index)
    }

    /// The index of the stage a `FROM`/`COPY --from` word names, looking only at stages before
    /// `before` (docker resolves names backwards); `COPY --from=N` may also use an index.
    func stageIndex(named word: String, before: Int, allowIndex: Bool) -> Int? {
        let w = word.lowercased()
        if let i = stages[..<min(before, stages.count)].lastIndex(where: { $0.name?.lowercased() == w }) { return i }
        if allowIndex, let n = Int(word), n >= 0, n < min(before, stages.count), String(n) == word { return n }
        return nil
    }

    /// The `COPY --from` instructions of one stage, in order.
    func copies(_ index: Int, buildArgs: [(String, String?)] = []) -> [CopyFrom] {
        var vars = globalArgs
        for (k, v) in buildArgs { if let v { vars[k] = v } }
        return stages[index].instructions.compactMap { ins in
            ins.keyword == "COPY" ? Dockerfile.parseCopyFrom(ins.arguments, vars: vars) : nil
        }
    }

    /// Parses `COPY` arguments; nil unless it has `--from=` and at least one source and a
    /// destination. Both forms: `a b /dest` and `["a", "b", "/dest"]`.
    static func parseCopyFrom(_ arguments: String, vars: [String: String]) -> CopyFrom? {
        var rest = Substring(arguments)
        var from: String? = nil
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" }
            guard rest.hasPrefix("--") else { break }
            let end = rest.firstIndex { $0 == " " || $0 == "\t" } ?? rest.endIndex
            let flag = rest[..<end]
            if flag.hasPrefix("--from=") { from = String(flag.dropFirst(7)).replacingDockerQuotes }
            rest = rest[end...]
        }
        guard let raw = from, !raw.isEmpty else { return nil }
        let words: [String]
        let body = String(rest).trimmed
        if body.hasPrefix("["), let arr = DockerJSONParser.parse(body)?.arrayValue {
            words = arr.compactMap(\.stringValue)
        } else {
            words = body.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        }
        guard words.count >= 2 else { return nil }
        return CopyFrom(from: substitute(raw, vars), sources: Array(words.dropLast()), dest: words.last!)
    }

    /// DOCKER_BASE_IMAGES: stage key → {from, uri, registry, name, repo, tag, digest,
    /// config_digest}. `from` is the stage's `FROM` as written; the rest describe the external
    /// image under it (a `FROM <stage>` is followed to its root). A `scratch` root has only
    /// `from` and `uri`. `configDigests` maps an external reference to its image ID.
    func baseImagesValue(contexts: [(String, String)], configDigests: [String: String]) -> ChalkObject {
        var out = ChalkObject()
        for i in stages.indices {
            let root = rootReference(i, contexts: contexts)
            let entry = Dockerfile.referenceEntry(from: stages[i].from, uri: root, configDigest: root.flatMap { configDigests[$0] })
            if !entry.isEmpty { out[stageKey(i)] = .object(entry) }
        }
        return out
    }

    /// DOCKER_COPY_IMAGES: stage key → [{from, uri, registry, name, repo, tag, digest, src,
    /// dest}] for its `COPY --from` of images and stages (a stage is followed to its root
    /// image); copies from an additional build context that isn't an image are left out.
    func copyImagesValue(contexts: [(String, String)], buildArgs: [(String, String?)] = []) -> ChalkObject {
        var out = ChalkObject()
        for i in stages.indices {
            var list: [ChalkValue] = []
            for c in copies(i, buildArgs: buildArgs) {
                let uri: String?
                // A build context of that name wins over a stage or an image (as in BuildKit).
                if let ctxValue = contexts.last(where: { $0.0 == c.from })?.1 {
                    guard ctxValue.hasPrefix(Dockerfile.imageContextPrefix) else { continue }
                    uri = String(ctxValue.dropFirst(Dockerfile.imageContextPrefix.count))
                } else if let s = stageIndex(named: c.from, before: i, allowIndex: true) {
                    uri = rootReference(s, contexts: contexts)
                } else {
                    uri = c.from
                }
                var e = Dockerfile.referenceEntry(from: c.from, uri: uri, configDigest: nil)
                e["src"] = .array(c.sources.map { .string($0) })
                e["dest"] = .string(c.dest)
                list.append(.object(e))
            }
            if !list.isEmpty { out[stageKey(i)] = .array(list) }
        }
        return out
    }

    /// The external reference stage `i` builds on: its chain's root `FROM` (`scratch`
    /// included), an image named by a `docker-image://` build context, or nil when the root is
    /// another kind of build context (a directory, a URL).
    func rootReference(_ i: Int, contexts: [(String, String)]) -> String? {
        let from = stages[chain(i).last!].from
        if let v = contexts.last(where: { $0.0 == from })?.1 {
            return v.hasPrefix(Dockerfile.imageContextPrefix) ? String(v.dropFirst(Dockerfile.imageContextPrefix.count)) : nil
        }
        return from
    }

    /// Every distinct external image the stages build on (not `scratch`), for looking up their
    /// config digests and marks.
    func externalBases(contexts: [(String, String)]) -> [String] {
        var seen = Set<String>(), out: [String] = []
        for i in stages.indices {
            guard let r = rootReference(i, contexts: contexts), !r.isEmpty, r.lowercased() != "scratch" else { continue }
            if seen.insert(r).inserted { out.append(r) }
        }
        return out
    }

    /// One entry of DOCKER_BASE_IMAGES / DOCKER_COPY_IMAGES: `from`, then `uri` and its parts
    /// when it names an image.
    static func referenceEntry(from: String, uri: String?, configDigest: String?) -> ChalkObject {
        var e = ChalkObject()
        e.setIfNotEmpty("from", .string(from))
        guard let uri, !uri.isEmpty else { return e }
        e["uri"] = .string(uri)
        guard uri.lowercased() != "scratch" else { return e }
        let r = ImageReference(uri)
        e.setIfNotEmpty("registry", .string(r.registry))
        e.setIfNotEmpty("name", .string(r.name))
        e.setIfNotEmpty("repo", .string(r.repo))
        e.setIfNotEmpty("tag", .string(r.tag))
        e.setIfNotEmpty("digest", .string(r.digest))
        e.setIfNotEmpty("config_digest", configDigest.map { .string($0) })
        return e
    }
}
