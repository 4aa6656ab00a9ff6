#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `VCS_DIFF_STAT`: `{"files", "insertions", "deletions"}` between HEAD and the work tree (as
/// `git diff --numstat HEAD` counts them: staged additions count as added files, removals from
/// the index as deleted files, binary files as changed with no lines, mode-only changes as
/// changed files). Lines are compared with Myers' algorithm; when two versions differ by more
/// than `maxEdit` lines, or a file is larger than `maxFileSize`, the whole old and new versions
/// are counted (an upper bound) so the work stays bounded.
enum GitDiffStat {
    static let maxFileSize = 16 << 20
    static let maxEdit = 20_000

    struct Stat: Equatable { var files = 0, insertions = 0, deletions = 0 }

    static func compute(root: String, entries: [GitIndex.Entry], head: [String: (UInt32, String)],
                        store: GitObjectStore, fileMode: Bool) -> Stat {
        var index: [String: GitIndex.Entry] = [:]
        for e in entries where e.stage == 0 { index[e.path] = e }
        var total = Stat()
        let paths = Set(head.keys).union(index.keys).sorted()
        for path in paths {
            let h = head[path], e = index[path]
            if let e, e.skipWorktree { continue }
            if (h?.0 ?? e?.mode ?? 0) & 0o170000 == 0o160000 { continue }  // submodules
            if let h, let e, h.1 == e.oid, h.0 == e.mode, FileIO.lexists(FileIO.join(root, path)),
               !GitStatus.worktreeDiffers(root: root, e, fileMode: fileMode) { continue }
            let old: [UInt8] = h.flatMap { store.read($0.1)?.body } ?? []
            var new: [UInt8] = []
            var newMode: UInt32? = nil
            if let e {
                let full = FileIO.join(root, path)
                if e.mode & 0o170000 == 0o120000, let target = FileIO.readLink(full) {
                    new = Array(target.utf8); newMode = e.mode
                } else if FileIO.isRegularFile(full), let bytes = FileIO.readBytes(full, limit: maxFileSize + 1) {
                    new = bytes
                    var st = stat()
                    let executable = lstat(full, &st) == 0 && (UInt32(st.st_mode) & 0o100) != 0
                    newMode = executable ? 0o100755 : 0o100644
                }
            }
            let modeChanged = h != nil && newMode != nil && fileMode && h!.0 != newMode!
            if h != nil && newMode != nil && old == new && !modeChanged { continue }  // stat-only change
            total.files += 1
            if isBinary(old) || isBinary(new) { continue }
            let (ins, del) = lineChanges(old, new)
            total.insertions += ins
            total.deletions += del
        }
        return total
    }

    /// git's rule: a NUL in the first 8000 bytes makes a file binary.
    static func isBinary(_ b: [UInt8]) -> Bool { b.prefix(8000).contains(0) }

    static func lines(_ b: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var start = 0
        for i in b.indices where b[i] == 0x0a {
            out.append(Array(b[start...i])); start = i + 1
        }
        if start < b.count { out.append(Array(b[start...])) }
        return out
    }

    /// (insertions, deletions) of a minimal line edit script.
    static func lineChanges(_ old: [UInt8], _ new: [UInt8]) -> (Int, Int) {
        if old.count > maxFileSize || new.count > maxFileSize { return (lines(new).count, lines(old).count) }
        // Lines become small integers so comparisons are cheap.
        var ids: [[UInt8]: Int] = [:]
        func intern(_ ls: [[UInt8]]) -> [Int] { ls.map { l in ids[l] ?? { ids[l] = ids.count; return ids.count - 1 }() } }
        var a = intern(lines(old)), b = intern(lines(new))
        // Common prefix and suffix don't change the counts.
        var p = 0
        while p < a.count && p < b.count && a[p] == b[p] { p += 1 }
        a.removeFirst(p); b.removeFirst(p)
        while let x = a.last, let y = b.last, x == y { a.removeLast(); b.removeLast() }
        let n = a.count, m = b.count
        if n == 0 || m == 0 { return (m, n) }
        // Myers: the smallest D such that the furthest-reaching D-path reaches (n, m).
        let maxD = min(n + m, maxEdit)
        let offset = maxD + 1
        var v = [Int](repeating: 0, count: 2 * maxD + 3)
        for d in 0...maxD {
            var k = -d
            while k <= d {
                var x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) ? v[offset + k + 1] : v[offset + k - 1] + 1
                var y = x - k
                while x < n && y < m && a[x] == b[y] { x += 1; y += 1 }
                v[offset + k] = x
                if x >= n && y >= m {
                    // D edits = deletions + insertions, and deletions - insertions = n - m.
                    return ((d - (n - m)) / 2, (d + (n - m)) / 2)
                }
                k += 2
            }
        }
        return (m, n)  // too different: count everything
    }
}
