import Marking
import Config

/// Why a sink could not take a message.
public enum SinkError: Error, Sendable, CustomStringConvertible {
    /// The write or request failed; the report goes to the report cache.
    case failed(String)
    /// The receiver refused the message as too large (HTTP 413); `bytes` is the message size.
    case tooLarge(bytes: Int, detail: String)
    /// The sink can't run here (e.g. a `~` path without a usable HOME, RULINGS 11); logged at
    /// trace level, and the report goes to the cache.
    case skipped(String)

    public var description: String {
        switch self {
        case .failed(let m), .skipped(let m): m
        case .tooLarge(let bytes, let detail): "report of \(bytes) bytes is too large for the receiver (\(detail))"
        }
    }
}

/// What a sink knows about the message besides its text.
struct SendContext {
    var operation: String
    var actionID: String?
    var topic: String
    /// Bound on network work (exec's report deadline).
    var deadline: Deadline?

    init(operation: String, actionID: String? = nil, topic: String, deadline: Deadline? = nil) {
        self.operation = operation; self.actionID = actionID; self.topic = topic; self.deadline = deadline
    }

    /// The timeout to use for one network attempt: the configured one, capped by the deadline.
    func timeoutMilliseconds(configured: Int64) -> Int64 {
        var t = configured > 0 ? configured : SinkDefaults.unboundedCapMilliseconds
        if let deadline { t = min(t, deadline.remainingMilliseconds) }
        return t
    }
}

enum SinkDefaults {
    /// A `timeout` ≤ 0 means "none" in Chalk; chalk still bounds every network call.
    static let unboundedCapMilliseconds: Int64 = 60_000
    /// The largest POST the post sink sends (RULINGS 16).
    static let maxPostBytes = 8 * 1024 * 1024
}

/// A configured sink instance (one per `sink_config`), built lazily by the publisher.
protocol ReportSink: AnyObject {
    /// The `sink_config` name, for messages.
    var configName: String { get }
    /// Largest message this sink takes in one send; nil = no limit. The publisher splits cached
    /// reports into several envelopes to stay under it.
    var maxMessageBytes: Int? { get }
    /// Delivers one envelope.
    func send(_ message: String, context: SendContext) throws(SinkError)
}

extension ReportSink {
    var maxMessageBytes: Int? { nil }
}

/// Typed reads of sink_config parameters (values come from con4m as strings, ints, bools,
/// lists, dicts).
struct SinkParams {
    let config: SinkConfig

    func string(_ key: String) -> String? {
        switch config.params[key] {
        case .string(let s)?: return s
        case .int(let i)?: return String(i)
        case .bool(let b)?: return b ? "true" : "false"
        default: return nil
        }
    }

    /// A non-empty string parameter, or a config error naming it.
    func required(_ key: String) throws(SinkError) -> String {
        guard let s = string(key), !s.isEmpty else {
            throw SinkError.failed("sink config '\(config.name)' (\(config.sink)) is missing required field '\(key)'")
        }
        return s
    }

    func bool(_ key: String) -> Bool? {
        switch config.params[key] {
        case .bool(let b)?: return b
        case .string(let s)?: return s == "true" ? true : s == "false" ? false : nil
        default: return nil
        }
    }

    func stringList(_ key: String) -> [String]? {
        guard case .array(let a)? = config.params[key] else { return nil }
        return a.compactMap(\.stringValue)
    }

    func stringDict(_ key: String) -> [(String, String)] {
        guard case .object(let o)? = config.params[key] else { return [] }
        return o.entries.compactMap { e in
            switch e.value {
            case .string(let s): (e.key, s)
            case .int(let i): (e.key, String(i))
            default: nil
            }
        }
    }

    /// A size or int parameter in bytes: ints as-is; strings like `10mb`, `512 kb`, `1024`.
    func size(_ key: String) throws(SinkError) -> Int64? {
        switch config.params[key] {
        case nil, .null?: return nil
        case .int(let i)?: return i
        case .string(let s)?:
            guard let v = SinkParams.parseSize(s) else {
                throw SinkError.failed("sink config '\(config.name)': '\(key)' must be a size, got '\(s)'")
            }
            return v
        default:
            throw SinkError.failed("sink config '\(config.name)': '\(key)' must be a size or int")
        }
    }

    /// Parses con4m-style sizes (`10mb` = 10,000,000; `1kib` = 1024; `b`, `k`, `kb`, `m`, `g`, ...).
    static func parseSize(_ text: String) -> Int64? {
        let s = text.lowercased().filter { $0 != " " && $0 != "<" && $0 != ">" }
        let digits = s.prefix { $0.isNumber }
        guard let n = Int64(digits) else { return nil }
        let unit = s.dropFirst(digits.count)
        let mult: Int64
        switch unit {
        case "", "b": mult = 1
        case "k", "kb": mult = 1_000
        case "kib": mult = 1_024
        case "m", "mb": mult = 1_000_000
        case "mib": mult = 1_048_576
        case "g", "gb": mult = 1_000_000_000
        case "gib": mult = 1_073_741_824
        default: return nil
        }
        return n * mult
    }
}
