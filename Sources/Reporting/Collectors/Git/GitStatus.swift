#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Work-tree status for `VCS_MODIFIED_FILES` and `VCS_UNTRACKED_FILES`, read from the index,
/// HEAD's tree and the files, as libgit2's status gives them to Chalk: modified = changed
/// between HEAD and the index or between the index and the work tree (content, type or
/// executable bit); untracked = files neither tracked nor ignored (each file of an untracked
/// directory is listed; a nested repository is listed as `dir/`). Renames are not detected.
/// Walks are bounded.
enum GitStatus {
    static let maxWalkEntries = 500_000
    static let maxTreeEntries = 2_000_000

    /// HEAD's tree flattened to path → (mode, blob id).
    static func flattenTree(_ treeID: String, store: GitObjectStore) -> [String: (UInt32, String)] {
        var out: [String: (UInt32, String)] = [:]
        func walk(_ id: String, _ prefix: String, _ depth: Int) {
            guard depth < 256, out.count < maxTreeEntries, let obj = store.read(id), obj.kind == .tree else { return }
            let b = obj.body
            var p = 0
            while p < b.count {
                guard let sp = b[p...].firstIndex(of: 0x20), let nul = b[sp...].firstIndex(of: 0), nul + 21 <= b.count else { return }
                let mode = UInt32(String(decoding: b[p..<sp], as: UTF8.self), radix: 8) ?? 0
                let name = String(decoding: b[(sp + 1)..<nul], as: UTF8.self)
                let oid = GitObjectStore.hexString(b[(nul + 1)..<(nul + 21)])
                p = nul + 21
                let path = prefix + name
                if mode == 0o40000 { walk(oid, path + "/", depth + 1) } else { out[path] = (mode, oid) }
            }
        }
        walk(treeID, "", 0)
        return out
    }

    static func modifiedFiles(root: String, entries: [GitIndex.Entry], head: [String: (UInt32, String)], fileMode: Bool) -> [String] {
        var out: [String] = []
        for e in entries where e.stage == 0 && !e.skipWorktree {
            var changed = false
            if let h = head[e.path], !e.intentToAdd, h.1 != e.oid || h.0 != e.mode { changed = true }
            if !changed { changed = worktreeDiffers(root: root, e, fileMode: fileMode) }
            if changed { out.append(e.path) }
        }
        return out
    }

    static func worktreeDiffers(root: String, _ e: GitIndex.Entry, fileMode: Bool) -> Bool {
        let full = FileIO.join(root, e.path)
        var st = stat()
        guard lstat(full, &st) == 0 else { return false }  // deleted, not modified
        let type = e.mode & 0o170000
        let fileType = UInt32(st.st_mode) & UInt32(S_IFMT)
        if type == 0o160000 { return false }  // submodule
        if type == 0o120000 {
            guard fileType == UInt32(S_IFLNK) else { return true }
            guard let target = FileIO.readLink(full) else { return false }
            return GitSHA1.blobID(of: Array(target.utf8)) != e.oid
        }
        guard fileType == UInt32(S_IFREG) else { return true }  // type change
        if fileMode && ((e.mode & 0o100) != 0) != ((UInt32(st.st_mode) & 0o100) != 0) { return true }
        if UInt32(truncatingIfNeeded: st.st_size) != e.size { return true }
        // Same stat data as when the index was written: unchanged (git's fast path).
        if UInt32(truncatingIfNeeded: st.st_mtim.tv_sec) == e.mtimeSec && UInt32(truncatingIfNeeded: st.st_mtim.tv_nsec) == e.mtimeNsec
            && UInt32(truncatingIfNeeded: st.st_ctim.tv_sec) == e.ctimeSec && UInt32(truncatingIfNeeded: st.st_ctim.tv_nsec) == e.ctimeNsec {
            return false
        }
        guard let id = GitSHA1.blobID(ofFile: full, size: Int(st.st_size)) else { return true }
        return id != e.oid
    }

    static func untrackedFiles(root: String, entries: [GitIndex.Entry], ignore: GitIgnore) -> [String] {
        var tracked = Set<String>(), trackedDirs = Set<String>()
        for e in entries {
            tracked.insert(e.path)
            var d = Substring(e.path)
            while let slash = d.lastIndex(of: "/") { d = d[..<slash]; trackedDirs.insert(String(d)) }
        }
        var out: [String] = []
        var visited = 0
        func walk(_ rel: String) {
            let dir = rel.isEmpty ? root : FileIO.join(root, rel)
            for name in FileIO.listDirectory(dir).sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
                visited += 1
                if visited > maxWalkEntries || name == ".git" { continue }
                let r = rel.isEmpty ? name : rel + "/" + name
                let full = FileIO.join(root, r)
                if FileIO.isRealDirectory(full) {
                    if ignore.isIgnored(r, isDirectory: true) { continue }
                    if !trackedDirs.contains(r) && FileIO.lexists(FileIO.join(full, ".git")) {
                        out.append(r + "/")  // a nested repository
                        continue
                    }
                    walk(r)
                } else if !tracked.contains(r) && !ignore.isIgnored(r, isDirectory: false) {
                    out.append(r)
                }
            }
        }
        walk("")
        // git orders paths bytewise over the whole path ("a.txt" before "a/b").
        return out.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
}
