#if canImport(Glibc)
import Glibc
#endif

/// Turns PROGRAM into the files to try with execve (spec/exec.md §1.4, with the changes of §10.6).
///
/// - A name with a `/` is used as written (relative to the working directory): no fallback to
///   another file of the same base name, so `chalk exec ./x` never runs something else.
/// - A bare name is looked up in each `$PATH` directory in order (an empty entry is the working
///   directory); `.` is not added. Every regular file with an execute bit that applies is a
///   candidate, in order (a later one is tried when execve of an earlier one fails).
/// - Never find ourself: a directory is skipped when the name equals chalk's own file name and
///   the directory is chalk's own, so chalk can be installed under the workload's name earlier
///   on PATH.
public enum ProgramResolver {
    /// The candidates, or why there are none.
    public static func resolve(_ program: String, path: String?, selfExe: String?) -> Result<[String], LaunchError> {
        if program.isEmpty {
            return .failure(LaunchError(kind: .notFound, program: program, reason: "No such file or directory"))
        }
        if program.contains("/") {
            var st = stat()
            if stat(program, &st) != 0 {
                return .failure(LaunchError(kind: errno == EACCES ? .notExecutable : .notFound, program: program,
                                            reason: errnoText(errno)))
            }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                return .failure(LaunchError(kind: .notExecutable, program: program, reason: "Is a directory"))
            }
            if !isExecutable(st) {
                return .failure(LaunchError(kind: .notExecutable, program: program, reason: "Permission denied"))
            }
            return .success([program])
        }
        let (selfDir, selfName) = split(selfExe ?? "")
        var found: [String] = []
        var sawNonExecutable = false
        let dirs = (path ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
            .split(separator: ":", omittingEmptySubsequences: false)
        for d in dirs {
            let dir = d.isEmpty ? "." : String(d)
            if program == selfName && normalizedDir(dir) == selfDir { continue }
            let candidate = dir.hasSuffix("/") ? dir + program : dir + "/" + program
            var st = stat()
            guard stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            if isExecutable(st) { found.append(candidate) } else { sawNonExecutable = true }
        }
        if found.isEmpty {
            return .failure(sawNonExecutable
                ? LaunchError(kind: .notExecutable, program: program, reason: "Permission denied")
                : LaunchError(kind: .notFound, program: program, reason: "command not found"))
        }
        return .success(found)
    }

    /// The execute bit that applies to this process (root: any x bit), as spec §1.4 says.
    static func isExecutable(_ st: stat) -> Bool {
        let mode = st.st_mode
        let euid = geteuid()
        if euid == 0 { return mode & 0o111 != 0 }
        if st.st_uid == euid { return mode & 0o100 != 0 }
        if inGroup(st.st_gid) { return mode & 0o010 != 0 }
        return mode & 0o001 != 0
    }

    static func inGroup(_ gid: gid_t) -> Bool {
        if getegid() == gid { return true }
        var groups = [gid_t](repeating: 0, count: 256)
        let n = getgroups(Int32(groups.count), &groups)
        return n > 0 && groups[0..<Int(n)].contains(gid)
    }

    /// (directory, file name) of an absolute path.
    static func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        let dir = String(path[..<slash])
        return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
    }

    /// An absolute, symlink-free directory path, for the never-find-ourself comparison.
    static func normalizedDir(_ dir: String) -> String {
        guard let p = realpath(dir, nil) else { return dir }
        defer { free(p) }
        return String(cString: p)
    }

    /// strerror as a String.
    public static func errnoText(_ e: Int32) -> String { String(cString: strerror(e)) }
}
