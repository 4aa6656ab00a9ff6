#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `stdout` / `stderr` sinks: the message, plus a newline if it lacks one (spec/config.md §5.1).
final class StreamSink: ReportSink {
    let configName: String
    private let fd: Int32

    init(configName: String, fd: Int32) { self.configName = configName; self.fd = fd }

    func send(_ message: String, context: SendContext) throws(SinkError) {
        var bytes = Array(message.utf8)
        if bytes.last != 0x0A { bytes.append(0x0A) }
        guard FileSystem.writeAll(fd, bytes) else {
            throw SinkError.failed("can't write to \(fd == 1 ? "stdout" : "stderr"): \(FileSystem.errorText())")
        }
    }
}
