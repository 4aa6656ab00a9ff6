import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Chalk's log levels, most severe first (RULINGS 8). `debug` is accepted as `trace`.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case none = 0, error, warn, info, trace, verbose

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }

    /// Parses a level name as users write it (`debug` is a synonym of `trace`).
    public init?(name: String) {
        switch name.lowercased() {
        case "none": self = .none
        case "error": self = .error
        case "warn", "warning": self = .warn
        case "info": self = .info
        case "trace", "debug": self = .trace
        case "verbose": self = .verbose
        default: return nil
        }
    }

    public var name: String {
        switch self {
        case .none: "none"
        case .error: "error"
        case .warn: "warn"
        case .info: "info"
        case .trace: "trace"
        case .verbose: "verbose"
        }
    }
}

/// Process-wide logger. Writes `chalk: <level>: <message>` lines to fd 2 (never stdout), or
/// JSON lines when `jsonFormat` is set. Thread-safe: the level and format are atomics, and each
/// line is a single write(2).
public final class Log: Sendable {
    public static let shared = Log()

    private let levelRaw = Atomic<Int>(LogLevel.warn.rawValue)
    private let json = Atomic<Bool>(false)

    public var level: LogLevel {
        get { LogLevel(rawValue: levelRaw.load(ordering: .relaxed)) ?? .warn }
        set { levelRaw.store(newValue.rawValue, ordering: .relaxed) }
    }

    public var jsonFormat: Bool {
        get { json.load(ordering: .relaxed) }
        set { json.store(newValue, ordering: .relaxed) }
    }

    public func enabled(_ l: LogLevel) -> Bool { l != .none && l <= level }

    /// Logs `message` if `l` is enabled. The message is built lazily. On a thread that called
    /// `demoteProblemsOnThisThread()`, errors and warnings are logged at trace level.
    public func log(_ l: LogLevel, _ message: @autoclosure () -> String) {
        let effective = (l == .error || l == .warn) && Log.isDemotedThread ? LogLevel.trace : l
        guard enabled(effective) else { return }
        emit(effective, message())
    }

    // A per-thread flag (pthread key): the exec reporter thread fails open and silently, so
    // what it runs (config loading, collectors, sinks, the report cache) says why at trace
    // level only (exec issue: "chalk says why at debug level"), without changing what the same
    // code logs in insert or extract.
    private static let demotionKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Makes errors and warnings logged on the calling thread trace-level messages.
    public static func demoteProblemsOnThisThread() {
        pthread_setspecific(demotionKey, UnsafeRawPointer(bitPattern: 1))
    }

    static var isDemotedThread: Bool { pthread_getspecific(demotionKey) != nil }

    /// Writes a line regardless of the configured level (used for `--warn-reaped`).
    public func emit(_ l: LogLevel, _ message: String) {
        let line: String
        if jsonFormat {
            line = "{\"level\":\"\(l.name)\",\"message\":\(Log.jsonQuote(message))}\n"
        } else {
            line = "chalk: \(l.name): \(message)\n"
        }
        Log.writeStderr(line)
    }

    public static func error(_ m: @autoclosure () -> String) { shared.log(.error, m()) }
    public static func warn(_ m: @autoclosure () -> String) { shared.log(.warn, m()) }
    public static func info(_ m: @autoclosure () -> String) { shared.log(.info, m()) }
    public static func trace(_ m: @autoclosure () -> String) { shared.log(.trace, m()) }

    /// Writes raw text to fd 2, retrying on EINTR and short writes.
    public static func writeStderr(_ s: String) {
        var bytes = Array(s.utf8)
        bytes.withUnsafeMutableBytes { buf in
            var off = 0
            while off < buf.count {
                let n = write(2, buf.baseAddress! + off, buf.count - off)
                if n < 0 { if errno == EINTR { continue }; return }
                off += n
            }
        }
    }

    static func jsonQuote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
