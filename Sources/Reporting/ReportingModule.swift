import Marking
import Config

/// Reporting: collectors, report building from templates, topics and sinks, the report cache.
public enum Reporting {}

/// Everything one run of an operation collected, before templates pick keys. Operations build
/// this; Reporting turns it into the primary report and the custom reports and publishes them.
public struct CollectedRun: Sendable {
    /// `_OPERATION`: insert, extract, delete, exec, heartbeat, postexec, env, load, ...
    public var operation: String
    /// Host-level keys (chalk-time host and run-time host: `_OPERATION`, `_DATETIME`, `_OP_*`, ...).
    public var host: ChalkObject
    /// One object per artifact that carries a mark (mark keys plus run-time artifact keys).
    public var chalks: [ChalkObject]
    /// Paths of artifacts without a mark (`_UNMARKED`).
    public var unmarked: [String]
    /// Operation-level errors (`_OP_ERRORS`).
    public var errors: [String]

    public init(operation: String, host: ChalkObject = [:], chalks: [ChalkObject] = [], unmarked: [String] = [], errors: [String] = []) {
        self.operation = operation; self.host = host; self.chalks = chalks; self.unmarked = unmarked; self.errors = errors
    }
}
