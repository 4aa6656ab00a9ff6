import Marking

/// How a publish should behave beyond what the config says.
public struct PublishOptions: Sendable {
    /// Bound on network work (the exec reporter passes its report deadline). Reports a sink
    /// couldn't send in time go to the report cache.
    public var deadline: Deadline?
    /// Whether stdout is a terminal (the summary reports print only then); nil = ask isatty(1).
    public var stdoutIsTerminal: Bool?
    /// Sent as `X-Chalk-Version` by the post sink.
    public var chalkVersion: String

    public init(deadline: Deadline? = nil, stdoutIsTerminal: Bool? = nil, chalkVersion: String = "") {
        self.deadline = deadline; self.stdoutIsTerminal = stdoutIsTerminal; self.chalkVersion = chalkVersion
    }
}

/// One message handed to one sink.
public struct Delivery: Sendable, Equatable {
    public var topic: String
    public var sinkConfig: String
    /// Reports in the envelope (1 + cached reports flushed with it).
    public var reports: Int
    /// Why it failed (nil when delivered).
    public var error: String?
}

/// What `publishReports` did. Failures are already logged on stderr; the operation never fails
/// because of them.
public struct PublishOutcome: Sendable {
    /// Report objects built this run, by topic (`report` for the primary report, else the
    /// custom report's name).
    public var reports: [(topic: String, report: ChalkObject)] = []
    public var delivered: [Delivery] = []
    public var failed: [Delivery] = []
    /// Reports of this run written to the report cache.
    public var cachedReports = 0
    /// Reports from earlier runs delivered from the cache.
    public var flushedFromCache = 0
    /// Reports dropped this run (refused as too large).
    public var droppedReports = 0

    /// The report published on `topic`, if any.
    public func report(on topic: String) -> ChalkObject? { reports.first { $0.topic == topic }?.report }
}
