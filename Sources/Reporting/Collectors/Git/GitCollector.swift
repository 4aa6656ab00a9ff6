import ChalkLog
import Marking
import Synchronization

/// The version-control facts of one repository at HEAD (spec/config.md §4.6).
struct GitRepoInfo: Sendable, Equatable {
    struct Tag: Sendable, Equatable {
        var name: String
        var annotated: Bool
        var tagger: String = ""
        var dateTagged: String = ""
        var timestampMs: Int64 = 0
        var message: String = ""
        var signed = false
    }

    var root: String
    var originURI: String
    var branch: String?
    var commitID: String
    var author: String = ""
    var committer: String = ""
    var dateAuthored: String = ""
    var dateCommitted: String = ""
    var timestampAuthored: Int64?
    var timestampCommitted: Int64?
    var message: String = ""
    var commitSigned = false
    var tag: Tag?
    /// Tracked files missing from the work tree (`VCS_MISSING_FILES`), changed since HEAD
    /// (`VCS_MODIFIED_FILES`) and present but neither tracked nor ignored (`VCS_UNTRACKED_FILES`).
    var missingFiles: [String] = []
    var modifiedFiles: [String] = []
    var untrackedFiles: [String] = []
    /// `VCS_DIFF_STAT` (HEAD against the work tree), when the repository has a work tree.
    var diffStat: GitDiffStat.Stat?

    /// The keys, with `prefix` "" (chalk time) or "_" (run-time twins).
    func keys(prefix p: String, includeVCSDir: Bool) -> ChalkObject {
        var o = ChalkObject()
        if includeVCSDir { o.set(p + "VCS_DIR_WHEN_CHALKED", root) }
        o.set(p + "ORIGIN_URI", originURI)
        o.set(p + "COMMIT_ID", commitID)
        o[p + "COMMIT_SIGNED"] = .bool(commitSigned)
        o.set(p + "BRANCH", branch ?? "")
        o.set(p + "AUTHOR", author)
        o.set(p + "COMMITTER", committer)
        o.set(p + "COMMIT_MESSAGE", message)
        if !dateAuthored.isEmpty {
            o.set(p + "DATE_AUTHORED", dateAuthored)
            if let t = timestampAuthored { o[p + "TIMESTAMP_AUTHORED"] = .int(t) }
        }
        if !dateCommitted.isEmpty {
            o.set(p + "DATE_COMMITTED", dateCommitted)
            if let t = timestampCommitted { o[p + "TIMESTAMP_COMMITTED"] = .int(t) }
        }
        if let tag {
            o.set(p + "TAG", tag.name)
            o.set(p + "TAGGER", tag.tagger)
            if tag.annotated && !tag.dateTagged.isEmpty {
                o.set(p + "DATE_TAGGED", tag.dateTagged)
                o[p + "TIMESTAMP_TAGGED"] = .int(tag.timestampMs)
            }
            o[p + "TAG_SIGNED"] = .bool(tag.signed)
            o.set(p + "TAG_MESSAGE", tag.message)
        }
        o.setIfNotEmpty(p + "VCS_MISSING_FILES", .array(missingFiles.map { .string($0) }))
        o.setIfNotEmpty(p + "VCS_MODIFIED_FILES", .array(modifiedFiles.map { .string($0) }))
        o.setIfNotEmpty(p + "VCS_UNTRACKED_FILES", .array(untrackedFiles.map { .string($0) }))
        if let d = diffStat {
            o[p + "VCS_DIFF_STAT"] = .object(["files": .int(Int64(d.files)), "insertions": .int(Int64(d.insertions)),
                                              "deletions": .int(Int64(d.deletions))])
        }
        return o
    }

    /// `path` relative to the repository root (`_OP_ARTIFACT_PATH_WITHIN_VCTL`).
    func relativePath(of path: String) -> String {
        if path == root { return "." }
        let prefix = root == "/" ? "/" : root + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}

/// Finds the repository of each artifact and reads it from `.git` once per repository root.
final class GitCollector: Sendable {
    private enum Entry: Sendable { case loaded(GitRepoInfo?) }
    private let cache = Mutex<[String: Entry]>([:])
    /// Whether to compute the work-tree status keys (a walk of the work tree).
    let includeStatus: Bool

    init(includeStatus: Bool = true) { self.includeStatus = includeStatus }

    /// The repository info for an absolute `path`, or nil when it is in no repository (or the
    /// repository has no commit yet).
    func repository(containing path: String) -> GitRepoInfo? {
        guard let layout = GitLayout.discover(from: path) else { return nil }
        return cache.withLock { c in
            if case .loaded(let info)? = c[layout.gitDir] { return info }
            let info = GitReader(layout: layout, includeStatus: includeStatus).load()
            c[layout.gitDir] = .loaded(info)
            return info
        }
    }
}

/// Reads HEAD, the commit, the tags at HEAD and the origin of one repository.
struct GitReader {
    let layout: GitLayout
    var includeStatus = true

    static let pgpStart = "-----BEGIN PGP SIGNATURE-----", pgpEnd = "-----END PGP SIGNATURE-----"
    static let sshStart = "-----BEGIN SSH SIGNATURE-----", sshEnd = "-----END SSH SIGNATURE-----"

    func load() -> GitRepoInfo? {
        let refs = GitRefs(layout: layout)
        let headPath = FileIO.join(layout.gitDir, "HEAD")
        guard let head = FileIO.readText(headPath, limit: 4096)?.trimmed, !head.isEmpty else {
            Log.error("\(headPath): Git HEAD file couldn't be read")
            return nil
        }
        var branch: String? = nil
        let commitID: String
        if head.hasPrefix("ref:") {
            let ref = String(head.dropFirst(4)).trimmed
            if ref.hasPrefix("refs/heads/") { branch = String(ref.dropFirst(11)) }
            guard let id = refs.resolve(ref) else {
                Log.trace("git: \(layout.root): '\(ref)' has no commit yet (empty repository?)")
                return nil
            }
            commitID = id
        } else if GitRefs.isObjectID(head) {
            commitID = head.lowercased()  // detached HEAD
        } else {
            Log.error("\(headPath): Git HEAD file is not a ref or an object id")
            return nil
        }
        let config = GitConfig(text: FileIO.readText(FileIO.join(layout.commonDir, "config")) ?? "")
        var info = GitRepoInfo(root: layout.root, originURI: Self.origin(config: config, branch: branch),
                               branch: branch, commitID: commitID)
        let store = GitObjectStore(objectsDir: FileIO.join(layout.commonDir, "objects"))
        var commitObj = store.read(commitID)
        // HEAD may name an annotated tag object (detached at a tag): peel it.
        var peel = 0
        while let o = commitObj, o.kind == .tag, peel < 10, let target = GitParsedObject(o.body).header("object") {
            info.commitID = target; commitObj = store.read(target); peel += 1
        }
        if let obj = commitObj, obj.kind == .commit {
            let c = GitParsedObject(obj.body)
            if let a = c.header("author"), let sig = GitSignature(a) {
                info.author = a; info.dateAuthored = sig.gitDate; info.timestampAuthored = sig.milliseconds
            }
            if let a = c.header("committer"), let sig = GitSignature(a) {
                info.committer = a; info.dateCommitted = sig.gitDate; info.timestampCommitted = sig.milliseconds
            }
            info.message = c.message.trimmed
            info.commitSigned = c.header("gpgsig") != nil || c.header("gpgsig-sha256") != nil
        } else {
            Log.warn("git: \(layout.root): unable to read commit \(info.commitID)")
        }
        info.tag = latestTag(refs: refs, store: store, commit: info.commitID)
        if includeStatus, layout.gitDir != layout.root, let entries = GitIndex.entries(indexFile: FileIO.join(layout.gitDir, "index")) {
            var seen = Set<String>()
            let tracked = entries.filter { !$0.skipWorktree && seen.insert($0.path).inserted }
            info.missingFiles = tracked.map(\.path).filter { !FileIO.lexists(FileIO.join(layout.root, $0)) }
            var head: [String: (UInt32, String)] = [:]
            if let obj = commitObj, obj.kind == .commit, let tree = GitParsedObject(obj.body).header("tree") {
                head = GitStatus.flattenTree(tree, store: store)
            }
            let fileMode = config.value("core", nil, "filemode")?.lowercased() != "false"
            info.modifiedFiles = GitStatus.modifiedFiles(root: layout.root, entries: entries, head: head, fileMode: fileMode)
            let ignore = GitIgnore(root: layout.root, commonDir: layout.commonDir, config: config)
            info.untrackedFiles = GitStatus.untrackedFiles(root: layout.root, entries: entries, ignore: ignore)
            info.diffStat = GitDiffStat.compute(root: layout.root, entries: entries, head: head, store: store, fileMode: fileMode)
        }
        return info
    }

    /// The tag on HEAD's commit with the latest tag time (lightweight tags count as time 0),
    /// ties broken by the greater name, as Chalk picks it.
    func latestTag(refs: GitRefs, store: GitObjectStore, commit: String) -> GitRepoInfo.Tag? {
        var best: GitRepoInfo.Tag?
        for (name, ref) in refs.allTags() {
            let target = ref.target
            var candidate: GitRepoInfo.Tag
            // packed-refs already says where an annotated tag points: skip reading other tags.
            if let p = ref.peeled, p != commit { continue }
            if target == commit {
                candidate = GitRepoInfo.Tag(name: name, annotated: false)
            } else {
                guard let obj = store.read(target), obj.kind == .tag else { continue }
                let t = GitParsedObject(obj.body)
                guard t.header("object") == commit, t.header("tag") == name else { continue }
                candidate = GitRepoInfo.Tag(name: name, annotated: true)
                if let tagger = t.header("tagger"), let sig = GitSignature(tagger) {
                    candidate.tagger = tagger
                    candidate.dateTagged = sig.gitDate
                    candidate.timestampMs = sig.milliseconds
                }
                let (msg, signed) = Self.splitSignature(t.message)
                candidate.message = msg
                candidate.signed = signed
            }
            if let b = best, (b.timestampMs, b.name) >= (candidate.timestampMs, candidate.name) { continue }
            best = candidate
        }
        return best
    }

    /// A tag's message without its trailing signature block, and whether it had one.
    static func splitSignature(_ message: String) -> (String, Bool) {
        for (start, end) in [(pgpStart, pgpEnd), (sshStart, sshEnd)] {
            if let r = message.firstRange(of: start), message[r.upperBound...].contains(end) {
                return (String(message[..<r.lowerBound]).trimmed, true)
            }
        }
        return (message.trimmed, false)
    }

    /// ORIGIN_URI as Chalk computes it: the current branch's remote, else `origin`, else the
    /// first remote with a URL, else `local`. Credentials in http(s) URLs are removed.
    static func origin(config: GitConfig, branch: String?) -> String {
        if let branch, let remote = config.value("branch", branch, "remote"),
           let url = config.value("remote", remote, "url") {
            return sanitize(url)
        }
        if let url = config.value("remote", "origin", "url") { return sanitize(url) }
        for r in config.subsections(of: "remote") {
            if let url = config.value("remote", r, "url") { return sanitize(url) }
        }
        return "local"
    }

    static func sanitize(_ url: String) -> String {
        guard url.hasPrefix("http://") || url.hasPrefix("https://"),
              let schemeEnd = url.firstRange(of: "://") else { return url }
        let authStart = schemeEnd.upperBound
        let authEnd = url[authStart...].firstIndex(of: "/") ?? url.endIndex
        guard let at = url[authStart..<authEnd].lastIndex(of: "@") else { return url }
        return String(url[..<authStart]) + String(url[url.index(after: at)...])
    }
}
