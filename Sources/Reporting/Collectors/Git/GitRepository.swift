import ChalkLog

/// Where a repository's files are: the work tree root, its git dir (`.git`, or
/// `.git/worktrees/<name>` for a linked worktree) and the common dir holding objects, refs
/// and config.
struct GitLayout: Equatable {
    var root: String
    var gitDir: String
    var commonDir: String

    /// Finds the repository holding `path` (absolute), walking up from it (or from its
    /// directory when it is a file). `.git` may be a directory or a `gitdir: <path>` file.
    static func discover(from path: String) -> GitLayout? {
        var dir = FileIO.isDirectory(path) ? path : FileIO.parent(path)
        while true {
            let dotGit = FileIO.join(dir, ".git")
            if FileIO.isDirectory(dotGit), let l = layout(root: dir, gitDir: dotGit) { return l }
            if FileIO.isRegularFile(dotGit), let text = FileIO.readText(dotGit, limit: 4096) {
                let t = text.trimmed
                if t.hasPrefix("gitdir:") {
                    let target = String(t.dropFirst(7)).trimmed
                    let gd = target.hasPrefix("/") ? target : FileIO.normalize(FileIO.join(dir, target))
                    if let l = layout(root: dir, gitDir: gd) { return l }
                }
            }
            // A bare repository (or a path inside a .git dir): HEAD, objects/ and refs/ here.
            if FileIO.isRegularFile(FileIO.join(dir, "HEAD")) && FileIO.isDirectory(FileIO.join(dir, "objects"))
                && FileIO.isDirectory(FileIO.join(dir, "refs")) {
                return GitLayout(root: dir, gitDir: dir, commonDir: dir)
            }
            if dir == "/" { return nil }
            dir = FileIO.parent(dir)
        }
    }

    private static func layout(root: String, gitDir: String) -> GitLayout? {
        guard FileIO.isRegularFile(FileIO.join(gitDir, "HEAD")) else { return nil }
        var common = gitDir
        if let c = FileIO.readText(FileIO.join(gitDir, "commondir"), limit: 4096)?.trimmed, !c.isEmpty {
            common = c.hasPrefix("/") ? c : FileIO.normalize(FileIO.join(gitDir, c))
        }
        return GitLayout(root: root, gitDir: gitDir, commonDir: common)
    }
}

/// Resolves refs: loose files (per-worktree ones in the git dir, shared ones in the common
/// dir), symbolic refs, and `packed-refs` (with `^` peeled lines).
struct GitRefs {
    let layout: GitLayout
    let packed: [String: String]
    /// For packed annotated tags: the commit they peel to (the `^<id>` line after them).
    let peeled: [String: String]

    init(layout: GitLayout) {
        self.layout = layout
        var packed: [String: String] = [:], peeled: [String: String] = [:]
        var last: String?
        if let text = FileIO.readText(FileIO.join(layout.commonDir, "packed-refs"), limit: 64 << 20) {
            for line in text.split(separator: "\n") {
                if line.hasPrefix("#") { continue }
                if line.hasPrefix("^") {
                    let id = String(line.dropFirst()).trimmed.lowercased()
                    if let last, Self.isObjectID(id) { peeled[last] = id }
                    continue
                }
                let parts = line.split(separator: " ", maxSplits: 1)
                last = nil
                if parts.count == 2, Self.isObjectID(String(parts[0])) {
                    let name = String(parts[1]).trimmed
                    packed[name] = String(parts[0]).lowercased()
                    last = name
                }
            }
        }
        self.packed = packed
        self.peeled = peeled
    }

    /// The object id `name` points to, following symbolic refs. nil when unresolvable.
    func resolve(_ name: String) -> String? {
        var name = name
        for _ in 0..<10 {
            guard let content = readLoose(name) ?? packed[name] else { return nil }
            if content.hasPrefix("ref:") {
                name = String(content.dropFirst(4)).trimmed
                continue
            }
            return Self.isObjectID(content) ? content.lowercased() : nil
        }
        return nil
    }

    private func readLoose(_ name: String) -> String? {
        guard !name.contains(".."), !name.hasPrefix("/") else { return nil }
        for dir in name == "HEAD" ? [layout.gitDir] : [layout.gitDir, layout.commonDir] {
            if let s = FileIO.readText(FileIO.join(dir, name), limit: 4096)?.trimmed, !s.isEmpty { return s }
        }
        return nil
    }

    /// A tag ref: the id it holds and, when packed-refs recorded it, the commit it peels to.
    struct TagRef { var target: String; var peeled: String? }

    /// Every tag: name (without `refs/tags/`) → its ref. Loose refs win over packed ones.
    func allTags() -> [String: TagRef] {
        var tags: [String: TagRef] = [:]
        for (ref, oid) in packed where ref.hasPrefix("refs/tags/") { tags[String(ref.dropFirst(10))] = TagRef(target: oid, peeled: peeled[ref]) }
        func walk(_ dir: String, _ prefix: String, _ depth: Int) {
            guard depth < 32 else { return }
            for name in FileIO.listDirectory(dir) {
                let p = FileIO.join(dir, name)
                // Symlinked directories are not followed (no loops in hostile repositories).
                if FileIO.isRealDirectory(p) { walk(p, prefix + name + "/", depth + 1); continue }
                if let s = FileIO.readText(p, limit: 4096)?.trimmed, Self.isObjectID(s) {
                    tags[prefix + name] = TagRef(target: s.lowercased(), peeled: nil)
                }
            }
        }
        walk(FileIO.join(layout.commonDir, "refs/tags"), "", 0)
        return tags
    }

    static func isObjectID(_ s: String) -> Bool {
        s.utf8.count == 40 && s.utf8.allSatisfy { GitObjectStore.hexValue($0) != nil }
    }
}

/// A parsed commit or tag object: headers in order and the message.
struct GitParsedObject {
    var headers: [(String, String)] = []
    var message: String = ""
    /// Raw text of the object body.
    var text: String = ""

    init(_ body: [UInt8]) {
        text = String(decoding: body, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        while let line = lines.first {
            lines = lines.dropFirst()
            if line.isEmpty { break }
            if line.hasPrefix(" "), !headers.isEmpty {
                headers[headers.count - 1].1 += "\n" + line.dropFirst()  // continuation (gpgsig)
                continue
            }
            let kv = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            headers.append((String(kv[0]), kv.count > 1 ? String(kv[1]) : ""))
        }
        message = lines.joined(separator: "\n")
    }

    func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
}

/// A git identity line (`Name <email> 1710352293 -0400`) and its time.
struct GitSignature {
    var raw: String
    var seconds: Int64
    var offset: String

    init?(_ raw: String) {
        self.raw = raw
        let parts = raw.split(separator: " ")
        guard parts.count >= 2, let secs = Int64(parts[parts.count - 2]) else { return nil }
        seconds = secs
        offset = String(parts[parts.count - 1])
    }

    var milliseconds: Int64 { seconds * 1000 }

    /// Offset in seconds east of UTC from `+hhmm` / `-hhmm`.
    var offsetSeconds: Int {
        let u = Array(offset.utf8)
        guard u.count == 5, u[0] == 43 || u[0] == 45, let v = Int(String(decoding: u[1...], as: UTF8.self)) else { return 0 }
        let secs = (v / 100) * 3600 + (v % 100) * 60
        return u[0] == 45 ? -secs : secs
    }

    /// git's default date format, in the signature's own zone: `Wed Mar 13 13:51:33 2024 -0400`
    /// (what `git log --format=%ad` prints).
    var gitDate: String {
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let c = CivilTime(seconds: seconds + Int64(offsetSeconds))
        return "\(days[c.weekday]) \(months[c.month - 1]) \(c.day) \(zeroPadded(c.hour, 2)):\(zeroPadded(c.minute, 2)):\(zeroPadded(c.second, 2)) \(c.year) \(offset)"
    }
}

/// Calendar fields of a UTC instant (proleptic Gregorian), without libc's time zone state.
struct CivilTime {
    var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int

    init(seconds s: Int64) {
        let days = Int(s >= 0 ? s / 86400 : (s - 86399) / 86400)
        let rem = Int(s - Int64(days) * 86400)
        hour = rem / 3600; minute = rem % 3600 / 60; second = rem % 60
        weekday = ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday
        // Howard Hinnant's days_from_civil inverse.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }
}
