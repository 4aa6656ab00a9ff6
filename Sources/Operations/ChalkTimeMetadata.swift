#if canImport(Glibc)
import Glibc
#endif
import Marking
import Reporting
import Config
import CBuildInfo

/// The seam where metadata collectors plug into insert/extract/delete. The Reporting module's
/// collectors (git, CI, CODEOWNERS, host facts) implement this; until they are wired in,
/// `BuiltinChalkTimeMetadata` supplies the keys that need no collector.
public protocol ChalkTimeMetadataSource: Sendable {
    /// Chalk-time host keys (CHALK_VERSION, TIMESTAMP_WHEN_CHALKED, ...), collected once per run.
    func chalkTimeHost(_ context: OperationContext) -> ChalkObject
    /// Chalk-time artifact keys for one artifact (git keys of its repository, CODE_OWNERS, ...).
    func chalkTimeArtifact(path: String, _ context: OperationContext) -> ChalkObject
    /// Run-time host keys for the report (`_TIMESTAMP`, `_DATETIME`, `_OP_*`).
    func runTimeHost(_ context: OperationContext) -> ChalkObject
}

/// What every collector may need to know about the run.
public struct OperationContext: Sendable {
    /// `insert`, `extract` or `delete`.
    public var operation: String
    /// This chalk's version (CHALK_VERSION, `_OP_CHALKER_VERSION`).
    public var chalkVersion: String
    /// The typed configuration of the run.
    public var config: ChalkConfig
    /// Milliseconds since the epoch when the run started (one `opTime` per run, as in Chalk).
    public var startMillis: Int64
    /// The command line.
    public var argv: [String]
    /// The directory chalk was started in.
    public var startDirectory: String

    public init(operation: String, chalkVersion: String, config: ChalkConfig, startMillis: Int64 = OperationTime.now().milliseconds,
                argv: [String] = CommandLine.arguments, startDirectory: String = ArtifactDiscovery.currentDirectory()) {
        self.operation = operation; self.chalkVersion = chalkVersion; self.config = config
        self.startMillis = startMillis; self.argv = argv; self.startDirectory = startDirectory
    }
}

/// The keys the codec core fills itself (issue 3 §6) until the collectors land: they need no
/// configuration and no look-up outside this process.
public struct BuiltinChalkTimeMetadata: ChalkTimeMetadataSource {
    public init() {}

    /// The build platform, as Chalk writes it (`uname -o` + `uname -m`).
    public static var platform: String { SystemFacts.platform }

    /// The git commit chalk was built from (INJECTOR_COMMIT_ID; never from running git).
    public static var buildCommit: String { String(cString: chalk_build_commit()) }

    public func chalkTimeHost(_ c: OperationContext) -> ChalkObject {
        var o = ChalkObject()
        o["CHALK_VERSION"] = .string(c.chalkVersion)
        o["TIMESTAMP_WHEN_CHALKED"] = .int(c.startMillis)
        o["DATETIME_WHEN_CHALKED"] = .string(OperationTime(milliseconds: c.startMillis).dateTime)
        o["CHALK_RAND"] = .string(SystemFacts.randomHex64())
        o["PLATFORM_WHEN_CHALKED"] = .string(Self.platform)
        o["INJECTOR_COMMIT_ID"] = .string(Self.buildCommit)
        return o
    }

    public func chalkTimeArtifact(path: String, _ c: OperationContext) -> ChalkObject { [:] }

    public func runTimeHost(_ c: OperationContext) -> ChalkObject {
        var o = ChalkObject()
        o["_TIMESTAMP"] = .int(c.startMillis)
        o["_DATETIME"] = .string(OperationTime(milliseconds: c.startMillis).dateTime)
        o["_OP_CHALKER_VERSION"] = .string(c.chalkVersion)
        o["_OP_CHALKER_COMMIT_ID"] = .string(Self.buildCommit)
        o["_OP_PLATFORM"] = .string(Self.platform)
        o["_OP_ARGV"] = .array(c.argv.map { .string($0) })
        var host = [CChar](repeating: 0, count: 256)
        if gethostname(&host, host.count - 1) == 0 {
            o["_OP_HOSTNAME"] = .string(String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return o
    }
}
