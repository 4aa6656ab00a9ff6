import Testing
import Foundation
import Marking
import Config
@testable import Reporting

/// No lost reports: a sink that can't take a report hands it to the report cache; the next run
/// sends cached reports first; the bounded cache says how many it dropped.
@Suite struct ReportCacheTests {
    /// A file sink whose target can't be created: its parent is a regular file.
    static func brokenFileSink(_ config: inout ChalkConfig, dir: URL, name: String = "out") throws -> (blocker: String, log: String) {
        let blocker = dir.appendingPathComponent("blocker").path
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: blocker))
        let log = blocker + "/chalk.log"
        Fixtures.addSink(&config, name, "file", ["filename": .string(log), "use_search_path": false])
        return (blocker, log)
    }

    @Test func failedFileSinkReportIsCachedThenDeliveredFirstNextRun() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        var config = Fixtures.config(dir: dir)
        let (blocker, log) = try Self.brokenFileSink(&config, dir: dir)
        let down = publishReports(Fixtures.run(id: "while-down"), config: config, options: PublishOptions(stdoutIsTerminal: false))
        #expect(down.delivered.isEmpty)
        #expect(down.failed.first?.error?.contains(blocker) == true)
        #expect(down.cachedReports == 1)
        let rows = Fixtures.lines(config.reportCacheLocation)
        #expect(rows.count == 1)
        let row = try #require(try ReportJSONParser.parse(rows[0]).objectValue)
        #expect(row["$topic"] == "report")
        #expect(row["$sinks"] == ["out"])
        #expect(try Fixtures.reports(inEnvelope: row["$message"]?.stringValue ?? "")[0]["_ACTION_ID"] == "while-down")

        // The sink comes back: one envelope with the current report first, then the cached one.
        try FileManager.default.removeItem(atPath: blocker)
        let up = publishReports(Fixtures.run(id: "back-up"), config: config, options: PublishOptions(stdoutIsTerminal: false))
        #expect(up.flushedFromCache == 1)
        let lines = Fixtures.lines(log)
        #expect(lines.count == 1)
        #expect(try Fixtures.reports(inEnvelope: lines[0]).map { $0["_ACTION_ID"]?.stringValue } == ["back-up", "while-down"])
        #expect(!FileManager.default.fileExists(atPath: config.reportCacheLocation))
    }

    @Test func boundedCacheDropsOldestAndSaysSoInTheNextReport() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        var config = Fixtures.config(dir: dir)
        config.reportCacheMaxBytes = 4000
        let (blocker, log) = try Self.brokenFileSink(&config, dir: dir)
        for i in 1...10 {
            _ = publishReports(Fixtures.run(id: "down-\(i)", big: 300), config: config, options: PublishOptions(stdoutIsTerminal: false))
            let size = try #require(try FileManager.default.attributesOfItem(atPath: config.reportCacheLocation)[.size] as? Int)
            #expect(size <= 4000)
        }
        let rows = Fixtures.lines(config.reportCacheLocation)
        let dropRow = try #require(try ReportJSONParser.parse(rows[0]).objectValue)
        let dropped = try #require(dropRow["$dropped"]?.intValue)
        let kept = rows.count - 1
        #expect(dropped > 0)
        #expect(Int(dropped) + kept == 10)

        try FileManager.default.removeItem(atPath: blocker)
        _ = publishReports(Fixtures.run(id: "after"), config: config, options: PublishOptions(stdoutIsTerminal: false))
        let sent = try Fixtures.reports(inEnvelope: try #require(Fixtures.lines(log).first))
        #expect(sent.count == 1 + kept)
        #expect(sent[0]["_ACTION_ID"] == "after")
        #expect(sent[0]["_OP_REPORTS_DROPPED"] == .int(dropped))
        // The newest reports survived, the oldest were dropped.
        #expect(sent.last?["_ACTION_ID"] == "down-10")
        #expect(!sent.contains { $0["_ACTION_ID"] == "down-1" })
        // Reported once: the count is gone from the cache, and the next report doesn't repeat it.
        #expect(!FileManager.default.fileExists(atPath: config.reportCacheLocation))
        _ = publishReports(Fixtures.run(id: "later"), config: config, options: PublishOptions(stdoutIsTerminal: false))
        let later = try Fixtures.reports(inEnvelope: Fixtures.lines(log)[1])
        #expect(later.count == 1)
        #expect(later[0]["_OP_REPORTS_DROPPED"] == nil)
    }

    @Test func concurrentRunsLoseNoCachedReport() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        var config = Fixtures.config(dir: dir)
        _ = try Self.brokenFileSink(&config, dir: dir)
        let frozen = config
        let threads = 8
        DispatchQueue.concurrentPerform(iterations: threads) { i in
            _ = publishReports(Fixtures.run(id: "t\(i)"), config: frozen, options: PublishOptions(stdoutIsTerminal: false))
        }
        let ids = try Fixtures.lines(config.reportCacheLocation).map { line -> String in
            let row = try #require(try ReportJSONParser.parse(line).objectValue)
            return try Fixtures.reports(inEnvelope: row["$message"]?.stringValue ?? "")[0]["_ACTION_ID"]?.stringValue ?? ""
        }
        #expect(Set(ids) == Set((0..<threads).map { "t\($0)" }))
    }

    @Test func chalkWrittenRowsAreDeliveredAndGarbageLinesIgnored() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        var config = Fixtures.config(dir: dir)
        let log = dir.appendingPathComponent("out.log").path
        Fixtures.addSink(&config, "out", "file", ["filename": .string(log)])
        try FileManager.default.createDirectory(atPath: (config.reportCacheLocation as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        // A row as Chalk writes it (no $id), a row for another sink, and garbage.
        let chalkRow = #"{ "$message" : "[ { \"_OPERATION\" : \"extract\", \"_ACTION_ID\" : \"old\" } ]\n", "$topic" : "report", "$sinks" : ["out"] }"#
        let otherRow = #"{ "$message" : "[ { \"_ACTION_ID\" : \"other\" } ]", "$topic" : "report", "$sinks" : ["elsewhere"] }"#
        try (chalkRow + "\n\u{01}\u{FF}garbage{{\n" + otherRow + "\n").write(toFile: config.reportCacheLocation, atomically: true, encoding: .utf8)
        let outcome = publishReports(Fixtures.run(id: "new"), config: config, options: PublishOptions(stdoutIsTerminal: false))
        #expect(outcome.flushedFromCache == 1)
        let sent = try Fixtures.reports(inEnvelope: try #require(Fixtures.lines(log).first))
        #expect(sent.map { $0["_ACTION_ID"]?.stringValue } == ["new", "old"])
        // Only the other sink's row is left.
        let left = Fixtures.lines(config.reportCacheLocation)
        #expect(left.count == 1)
        #expect(left.first?.contains("elsewhere") == true)
    }

    @Test func unusableCacheLocationIsAnErrorNotACrash() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        var config = Fixtures.config(dir: dir)
        _ = try Self.brokenFileSink(&config, dir: dir)
        config.reportCacheLocation = dir.appendingPathComponent("blocker/cache.jsonl").path
        let outcome = publishReports(Fixtures.run(), config: config, options: PublishOptions(stdoutIsTerminal: false))
        #expect(outcome.failed.count == 1)
        #expect(!FileManager.default.fileExists(atPath: config.reportCacheLocation))
    }
}
