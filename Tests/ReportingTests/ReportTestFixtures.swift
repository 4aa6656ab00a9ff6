import Foundation
import Marking
import Config
@testable import Reporting

/// Configs and runs for the reporting tests, built in code (the con4m loader is another module).
enum Fixtures {
    static let reportKeys = ["_OPERATION", "_TIMESTAMP", "_DATETIME", "_CHALKS", "_UNMARKED", "_OP_ERRORS",
                             "_ACTION_ID", "_OP_CHALK_COUNT", "_OP_UNMARKED_COUNT", "_OP_HOSTNAME", "_BIG",
                             "CHALK_ID", "HASH", "METADATA_ID", "_OP_ARTIFACT_PATH", "ARTIFACT_TYPE"]

    /// A config with one report template `all` for every operation, nothing subscribed, and the
    /// report cache in `dir`.
    static func config(dir: URL) -> ChalkConfig {
        var c = ChalkConfig()
        c.reportTemplates["all"] = Template(name: "all", keys: reportKeys)
        c.reportTemplates["small"] = Template(name: "small", keys: ["_OPERATION", "_CHALKS", "CHALK_ID"])
        for op in ["insert", "extract", "delete", "env", "exec", "heartbeat", "postexec"] {
            c.outconf[op] = OutConf(reportTemplate: "all")
        }
        let orders: [(String, Int64)] = [("_OPERATION", 0), ("_TIMESTAMP", 1), ("_DATETIME", 5), ("_CHALKS", 6),
                                         ("CHALK_ID", 1), ("METADATA_ID", Int64.max - 200),
                                         ("_OP_CHALK_COUNT", Int64.max - 100), ("_OP_UNMARKED_COUNT", Int64.max - 90)]
        for (k, o) in orders { c.keyspecs[k] = KeySpec(name: k, kind: .runTimeHost, normalizedOrder: o) }
        c.reportCacheLocation = dir.appendingPathComponent("cache/chalk-reports.jsonl").path
        c.logSearchPath = [dir.appendingPathComponent("logs").path]
        return c
    }

    static func run(_ op: String = "insert", id: String = "run-1", big: Int = 0) -> CollectedRun {
        var host: ChalkObject = ["_ACTION_ID": .string(id), "_OP_HOSTNAME": "host1", "_TIMESTAMP": 1_700_000_000_000,
                                 "_NOT_IN_TEMPLATE": "x"]
        if big > 0 { host["_BIG"] = .string(String(repeating: "b", count: big)) }
        return CollectedRun(operation: op, host: host,
                            chalks: [["CHALK_ID": "C4TPCR-SSCH-GKJR-V46DGK", "HASH": "abc", "_OP_ARTIFACT_PATH": "/tmp/a.sh",
                                      "NOT_USED": "y"]],
                            unmarked: ["/tmp/b.txt"])
    }

    static func addSink(_ c: inout ChalkConfig, _ name: String, _ sink: String, topic: String? = "report",
                        filters: [String] = [], _ params: ChalkObject) {
        c.sinkConfigs[name] = SinkConfig(name: name, sink: sink, filters: filters, params: params)
        if let topic { c.subscriptions[topic, default: []].append(name) }
    }

    /// Lines of a file (empty when it doesn't exist).
    static func lines(_ path: String) -> [String] {
        guard let t = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return t.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// The report objects of one envelope line.
    static func reports(inEnvelope line: String) throws -> [ChalkObject] {
        guard case .array(let a) = try ReportJSONParser.parse(line) else { return [] }
        return a.compactMap(\.objectValue)
    }

    static func cachePath(_ c: ChalkConfig) -> String { c.reportCacheLocation }
}
