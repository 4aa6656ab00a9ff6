/// The entries of a git index file (`.git/index`, versions 2, 3 and 4; see
/// https://git-scm.com/docs/index-format), for the work-tree status keys (`VCS_MISSING_FILES`,
/// `VCS_MODIFIED_FILES`, `VCS_UNTRACKED_FILES`). Entries marked skip-worktree (sparse
/// checkouts) are not counted as missing or modified, as git does not.
enum GitIndex {
    struct Entry {
        var path: String
        var mode: UInt32
        var oid: String
        var size: UInt32
        var mtimeSec: UInt32, mtimeNsec: UInt32
        var ctimeSec: UInt32, ctimeNsec: UInt32
        var stage: Int
        var skipWorktree: Bool
        var intentToAdd: Bool
    }

    /// Every index entry (all stages), in index order; nil when absent or malformed.
    static func entries(indexFile: String) -> [Entry]? {
        guard let b = FileIO.readBytes(indexFile, limit: 512 << 20), b.count >= 12 + 20,
              b[0] == 0x44, b[1] == 0x49, b[2] == 0x52, b[3] == 0x43 else { return nil }  // "DIRC"
        func u32(_ at: Int) -> Int? {
            guard at >= 0, at + 4 <= b.count else { return nil }
            return Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3])
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= b.count else { return nil }
            return Int(b[at]) << 8 | Int(b[at + 1])
        }
        guard let version = u32(4), (2...4).contains(version), let count = u32(8) else { return nil }
        let end = b.count - 20  // trailing checksum
        var p = 12
        var out: [Entry] = []
        var previous: [UInt8] = []
        for _ in 0..<count {
            let start = p
            guard p + 62 <= end, let flags = u16(p + 60) else { return nil }
            p += 62
            var skipWorktree = false, intentToAdd = false
            if flags & 0x4000 != 0 {  // extended flags (v3+)
                guard version >= 3, let ext = u16(p) else { return nil }
                skipWorktree = ext & 0x4000 != 0
                intentToAdd = ext & 0x2000 != 0
                p += 2
            }
            var name: [UInt8]
            if version == 4 {
                // Varint: how many bytes to drop from the previous name; then a NUL-terminated suffix.
                guard p < end else { return nil }
                var c = b[p]; p += 1
                var strip = Int(c & 0x7f)
                while c & 0x80 != 0 {
                    guard p < end, strip < (1 << 40) else { return nil }
                    c = b[p]; p += 1
                    strip = ((strip + 1) << 7) | Int(c & 0x7f)
                }
                guard strip <= previous.count, let nul = b[p..<end].firstIndex(of: 0) else { return nil }
                name = Array(previous.dropLast(strip)) + b[p..<nul]
                p = nul + 1
            } else {
                guard let nul = b[p..<end].firstIndex(of: 0) else { return nil }
                name = Array(b[p..<nul])
                // Entries are NUL-padded to a multiple of 8 bytes (1 to 8 NULs).
                let len = nul - start
                p = start + ((len + 8) & ~7)
            }
            previous = name
            out.append(Entry(path: String(decoding: name, as: UTF8.self), mode: UInt32(u32(start + 24) ?? 0),
                             oid: GitObjectStore.hexString(b[(start + 40)..<(start + 60)]), size: UInt32(u32(start + 36) ?? 0),
                             mtimeSec: UInt32(u32(start + 8) ?? 0), mtimeNsec: UInt32(u32(start + 12) ?? 0),
                             ctimeSec: UInt32(u32(start) ?? 0), ctimeNsec: UInt32(u32(start + 4) ?? 0),
                             stage: (flags >> 12) & 3, skipWorktree: skipWorktree, intentToAdd: intentToAdd))
        }
        return out
    }
}
