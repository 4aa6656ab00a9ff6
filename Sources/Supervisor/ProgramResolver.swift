import CChalkSys
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
    /// The candidates, or why there are none. The search itself is C (CChalkSys/resolve.c),
    /// shared with the pre-main launcher so both always pick the same files.
    public static func resolve(_ program: String, path: String?, selfExe: String?) -> Result<[String], LaunchError> {
        var found = chalk_candidates()
        let arenaSize = 16 * 1024
        let arena = UnsafeMutablePointer<CChar>.allocate(capacity: arenaSize)
        defer { arena.deallocate() }
        found.arena = arena
        found.arena_size = arenaSize
        var err: Int32 = 0
        let rc = withOptionalCString(path) { p in
            withOptionalCString(selfExe) { s in chalk_resolve_program(program, p, s, &found, &err) }
        }
        defer { chalk_candidates_free(&found) }
        switch rc {
        case Int32(CHALK_RESOLVE_OK):
            return .success(withUnsafeBytes(of: &found.paths) { raw in
                raw.bindMemory(to: UnsafeMutablePointer<CChar>?.self).prefix(Int(found.count)).map { String(cString: $0!) }
            })
        case Int32(CHALK_RESOLVE_IS_DIRECTORY):
            return .failure(LaunchError(kind: .notExecutable, program: program, reason: "Is a directory"))
        case Int32(CHALK_RESOLVE_NOT_EXECUTABLE):
            return .failure(LaunchError(kind: .notExecutable, program: program, reason: "Permission denied"))
        case Int32(CHALK_RESOLVE_NOT_FOUND):
            return .failure(LaunchError(kind: .notFound, program: program, reason: "command not found"))
        default:
            return .failure(LaunchError(kind: err == EACCES ? .notExecutable : .notFound, program: program,
                                        reason: errnoText(err)))
        }
    }

    /// strerror as a String.
    public static func errnoText(_ e: Int32) -> String { String(cString: strerror(e)) }
}
