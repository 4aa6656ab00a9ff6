#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Finds where a `file` or `rotating_log` sink writes (spec/config.md §5.1): the filename's own
/// directory first when it contains a `/`, then each `log_search_path` directory (created when
/// needed). `~` needs a usable HOME; without one the sink is skipped (RULINGS 11).
/// Unlike Chalk there is no last-resort temp directory: a report there would be as good as lost,
/// so the sink fails and the report goes to the report cache instead.
struct LogFileLocator {
    var filename: String
    var searchPath: [String]
    var useSearchPath: Bool

    /// Opens the log file for appending (created with mode 0644) and returns the fd and path.
    func openForAppend() throws(SinkError) -> (fd: Int32, path: String) {
        var candidates: [String] = []
        var problems: [String] = []
        if filename.contains("/") || !useSearchPath {
            guard let p = FileSystem.expandTilde(filename) else {
                throw SinkError.skipped("'\(filename)' is under ~ but HOME is unset or not writable")
            }
            candidates.append(p)
            if filename.hasPrefix("~") {
                // A path under ~ means exactly that place; no search path fallback.
                return try open(candidates, problems: &problems)
            }
        }
        if useSearchPath {
            let base = FileSystem.basename(filename)
            for dir in searchPath {
                guard let d = FileSystem.expandTilde(dir) else { continue }
                candidates.append(d.hasSuffix("/") ? d + base : d + "/" + base)
            }
        }
        return try open(candidates, problems: &problems)
    }

    private func open(_ candidates: [String], problems: inout [String]) throws(SinkError) -> (fd: Int32, path: String) {
        for path in candidates {
            do throws(SinkError) {
                try FileSystem.makeDirectories(FileSystem.dirname(path))
            } catch {
                problems.append(error.description)
                continue
            }
            let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            if fd >= 0 { return (fd, path) }
            problems.append("can't open \(path): \(FileSystem.errorText())")
        }
        throw SinkError.failed(problems.isEmpty ? "no place to write '\(filename)'" : problems.joined(separator: "; "))
    }
}
