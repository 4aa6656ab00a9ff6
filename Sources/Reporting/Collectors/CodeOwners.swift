import ChalkLog

/// `CODE_OWNERS` (spec/config.md §4.8): the whole CODEOWNERS file that applies to an artifact,
/// found the way Chalk's `github_codeowners` plugin finds it, then Chalk's `authors` fallback.
///
/// From the artifact upward: an artifact that is itself named `CODEOWNERS` is its own file.
/// Directories are only considered at a repository root (a directory holding `.git`, a
/// directory or a worktree's `gitdir:` file). At the first root: `CODEOWNERS`, then
/// `.github/CODEOWNERS` (a `.github` directory without one stops the search, as in Chalk), then
/// `docs/CODEOWNERS`; if none, `AUTHOR`, `AUTHORS`, `docs/AUTHOR`, `docs/AUTHORS`.
public enum CodeOwners {
    /// Content of the owners file for the artifact at absolute `path`, or nil.
    public static func find(forArtifact path: String) -> String? {
        if FileIO.baseName(path) == "CODEOWNERS", FileIO.isRegularFile(path) { return load(path) }
        var dir = FileIO.isDirectory(path) ? path : FileIO.parent(path)
        while true {
            if FileIO.exists(FileIO.join(dir, ".git")) { return atRoot(dir) }
            if dir == "/" { return nil }
            dir = FileIO.parent(dir)
        }
    }

    static func atRoot(_ root: String) -> String? {
        if let s = loadIfFile(FileIO.join(root, "CODEOWNERS")) { return s }
        let gh = FileIO.join(root, ".github")
        var candidates: [String] = []
        if FileIO.isDirectory(gh) {
            candidates = [FileIO.join(gh, "CODEOWNERS")]
        } else {
            candidates = [FileIO.join(root, "docs/CODEOWNERS")]
        }
        candidates += ["AUTHOR", "AUTHORS", "docs/AUTHOR", "docs/AUTHORS"].map { FileIO.join(root, $0) }
        for c in candidates { if let s = loadIfFile(c) { return s } }
        return nil
    }

    static func loadIfFile(_ p: String) -> String? { FileIO.isRegularFile(p) ? load(p) : nil }

    static func load(_ p: String) -> String? {
        guard let s = FileIO.readText(p, limit: 1 << 20) else {
            Log.error("\(p): File found, but could not be read")
            return nil
        }
        return s.isEmpty ? nil : s
    }
}
