#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Config

/// The `rotating_log` sink (spec/config.md §5.1): appends each message (adding a newline if it
/// lacks one). When the file grows past `max` bytes, whole lines are dropped from the front
/// until at least `truncation_amount` bytes (default `max/4`) are gone and the rest fits in
/// `max`; the kept lines are copied to a temp file that is renamed into place. The newest line
/// is always kept, even if it alone is larger than `max`.
final class RotatingLogSink: ReportSink {
    let configName: String
    private let locator: LogFileLocator
    let maxBytes: Int64
    let truncationAmount: Int64

    init(config: SinkConfig, defaultSearchPath: [String]) throws(SinkError) {
        let p = SinkParams(config: config)
        configName = config.name
        locator = LogFileLocator(filename: try p.required("filename"),
                                 searchPath: p.stringList("log_search_path") ?? defaultSearchPath,
                                 useSearchPath: true)
        guard let max = try p.size("max") else {
            throw SinkError.failed("sink config '\(config.name)' (rotating_log) is missing required field 'max'")
        }
        guard max >= 1024 else {
            throw SinkError.failed("sink config '\(config.name)': 'max' must be at least 1024 bytes, got \(max)")
        }
        let trunc = try p.size("truncation_amount") ?? max / 4
        guard trunc > 0, trunc < max else {
            throw SinkError.failed("sink config '\(config.name)': 'truncation_amount' must be between 1 and max-1, got \(trunc)")
        }
        maxBytes = max
        truncationAmount = trunc
    }

    /// Opens the log and takes its lock. A truncation by another process replaces the file
    /// (rename), so after waiting for the lock, check that the fd is still the file at `path`;
    /// otherwise a line appended to the replaced inode would be lost.
    private func openLocked() throws(SinkError) -> (fd: Int32, path: String) {
        for _ in 0..<20 {
            let (fd, path) = try locator.openForAppend()
            _ = flock(fd, LOCK_EX)
            var open = stat(), named = stat()
            if fstat(fd, &open) == 0, stat(path, &named) == 0, open.st_ino == named.st_ino, open.st_dev == named.st_dev {
                return (fd, path)
            }
            close(fd)
        }
        throw SinkError.failed("rotating log '\(locator.filename)' keeps being replaced; giving up")
    }

    func send(_ message: String, context: SendContext) throws(SinkError) {
        // The lock covers append and truncation, so concurrent runs never lose each other's lines.
        let (fd, path) = try openLocked()
        defer { close(fd) }
        var bytes = Array(message.utf8)
        if bytes.last != 0x0A { bytes.append(0x0A) }
        guard FileSystem.writeAll(fd, bytes) else {
            throw SinkError.failed("can't append to \(path): \(FileSystem.errorText())")
        }
        if let size = FileSystem.fileSize(path), Int64(size) > maxBytes {
            try truncate(path)
        }
    }

    private func truncate(_ path: String) throws(SinkError) {
        guard let content = FileSystem.readFile(path) else {
            throw SinkError.failed("can't read \(path) to truncate it: \(FileSystem.errorText())")
        }
        let kept = RotatingLogSink.linesToKeep(content, max: maxBytes, truncationAmount: truncationAmount)
        var st = stat()
        let mode = stat(path, &st) == 0 ? st.st_mode & 0o7777 : 0o644
        try FileSystem.writeFileAtomically(path, Array(content[kept...]), mode: mode)
    }

    /// Index of the first byte to keep: drop whole lines from the front until at least
    /// `truncationAmount` bytes are gone and the rest is ≤ `max`, but never the last line.
    static func linesToKeep(_ content: [UInt8], max: Int64, truncationAmount: Int64) -> Int {
        // Start of the last line (the one just written).
        var lastStart = content.count
        if lastStart > 0 { lastStart -= 1 }  // skip the final newline
        while lastStart > 0 && content[lastStart - 1] != 0x0A { lastStart -= 1 }
        var cut = 0
        while cut < lastStart {
            let removed = Int64(cut)
            let remaining = Int64(content.count - cut)
            if removed >= truncationAmount && remaining <= max { break }
            // Advance past the next newline.
            while cut < lastStart && content[cut] != 0x0A { cut += 1 }
            if cut < lastStart { cut += 1 }
        }
        return cut
    }
}
