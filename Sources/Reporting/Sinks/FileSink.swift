#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Config

/// The `file` sink: appends each message as-is (spec/config.md §5.1). Each append is one
/// write(2) under an exclusive flock, so concurrent chalk runs never interleave lines.
final class FileSink: ReportSink {
    let configName: String
    private let locator: LogFileLocator

    init(config: SinkConfig, defaultSearchPath: [String]) throws(SinkError) {
        let p = SinkParams(config: config)
        configName = config.name
        locator = LogFileLocator(filename: try p.required("filename"),
                                 searchPath: p.stringList("log_search_path") ?? defaultSearchPath,
                                 useSearchPath: p.bool("use_search_path") ?? true)
    }

    func send(_ message: String, context: SendContext) throws(SinkError) {
        let (fd, path) = try locator.openForAppend()
        defer { close(fd) }
        _ = flock(fd, LOCK_EX)
        guard FileSystem.writeAll(fd, Array(message.utf8)) else {
            throw SinkError.failed("can't append to \(path): \(FileSystem.errorText())")
        }
    }
}
