import Testing
import Foundation
import Marking
import Config
@testable import Reporting

/// Publishing to real files: the primary report, custom reports, summary reports, rotating logs.
@Suite struct PublisherFileSinkTests {
    @Test func primaryReportIsOneEnvelopeLinePerRun() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        var config = Fixtures.config(dir: dir)
        let log = dir.appendingPathComponent("new/dirs/chalk.log").path
        Fixtures.addSink(&config, "out", "file", ["filename": .string(log)])
        let first = publishReports(Fixtures.run(id: "r1"), config: config, options: PublishOptions(stdoutIsTerminal: false))
        _ = publishReports(Fixtures.run(id: "r2"), config: config, options: PublishOptions(stdoutIsTerminal: false))
        #expect(first.delivered.map(\.sinkConfig) == ["out"])
        let lines = Fixtures.lines(log)
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("[ { \"_OPERATION\" : \"insert\", "))
        #expect(lines[0].hasSuffix(" } ]"))
        let r = try Fixtures.reports(inEnvelope: lines[0])
        #expect(r.count == 1)
        #expect(r[0]["_ACTION_ID"] == "r1")
        #expect(r[0]["_NOT_IN_TEMPLATE"] == nil)
        #expect(try Fixtures.reports(inEnvelope: lines[1])[0]["_ACTION_ID"] == "r2")
        // Nothing failed, so no report cache was written.
        #expect(!FileManager.default.fileExists(atPath: config.reportCacheLocation))
    }

    @Test func customReportsRunWhenUseWhenMatches() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        var config = Fixtures.config(dir: dir)
        let path = { (n: String) in dir.appendingPathComponent("\(n).log").path }
        for n in ["insert_only", "any_op", "disabled", "extract_only"] {
            Fixtures.addSink(&config, n + "_sink", "file", topic: nil, ["filename": .string(path(n))])
        }
        config.customReports["insert_only"] = CustomReport(name: "insert_only", reportTemplate: "small",
                                                           sinkConfigs: ["insert_only_sink"], useWhen: ["insert", "build"])
        config.customReports["any_op"] = CustomReport(name: "any_op", reportTemplate: "all", sinkConfigs: ["any_op_sink"])
        config.customReports["disabled"] = CustomReport(name: "disabled", enabled: false, reportTemplate: "all",
                                                        sinkConfigs: ["disabled_sink"])
        config.customReports["extract_only"] = CustomReport(name: "extract_only", reportTemplate: "all",
                                                            sinkConfigs: ["extract_only_sink"], useWhen: ["extract"])
        let outcome = publishReports(Fixtures.run("insert"), config: config, options: PublishOptions(stdoutIsTerminal: false))
        #expect(Set(outcome.reports.map(\.topic)) == ["report", "insert_only", "any_op"])
        let small = try Fixtures.reports(inEnvelope: try #require(Fixtures.lines(path("insert_only")).first))
        #expect(small[0].keys == ["_OPERATION", "_CHALKS"])  // the custom report's own template
        #expect(Fixtures.lines(path("any_op")).count == 1)
        #expect(Fixtures.lines(path("disabled")).isEmpty)
        #expect(Fixtures.lines(path("extract_only")).isEmpty)
    }

    @Test func summaryReportsOnlyOnATerminalAndNeverForExec() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        var config = Fixtures.config(dir: dir)
        let summary = dir.appendingPathComponent("summary.log").path
        Fixtures.addSink(&config, "json_console_out", "file", topic: nil, filters: ["pretty_json", "fix_new_line"],
                         ["filename": .string(summary)])
        config.customReports["terminal_chalk_time"] = CustomReport(name: "terminal_chalk_time", reportTemplate: "small",
                                                                   sinkConfigs: ["json_console_out"], useWhen: ["*"])
        _ = publishReports(Fixtures.run("insert"), config: config, options: PublishOptions(stdoutIsTerminal: false))
        #expect(Fixtures.lines(summary).isEmpty)
        _ = publishReports(Fixtures.run("exec"), config: config, options: PublishOptions(stdoutIsTerminal: true))
        #expect(Fixtures.lines(summary).isEmpty)
        _ = publishReports(Fixtures.run("insert"), config: config, options: PublishOptions(stdoutIsTerminal: true))
        let text = try String(contentsOfFile: summary, encoding: .utf8)
        // pretty_json: the same array, indented by 2 spaces.
        #expect(text.hasPrefix("[\n  {\n    \"_OPERATION\": \"insert\",\n"))
        #expect(try ReportJSONParser.parse(text) == .array([.object(["_OPERATION": "insert",
            "_CHALKS": .array([.object(["CHALK_ID": "C4TPCR-SSCH-GKJR-V46DGK"])])])]))
        config.skipSummaryReport = true
        _ = publishReports(Fixtures.run("insert"), config: config, options: PublishOptions(stdoutIsTerminal: true))
        #expect(try String(contentsOfFile: summary, encoding: .utf8) == text)
    }

    @Test func rotatingLogDropsWholeOldLinesPastMax() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        var config = Fixtures.config(dir: dir)
        let log = dir.appendingPathComponent("rot/chalk_insert_build").path
        Fixtures.addSink(&config, "rot", "rotating_log", ["filename": .string(log), "max": 2048, "truncation_amount": 700])
        var sizes: [Int] = []
        var lineSize = 0
        for i in 1...12 {
            let outcome = publishReports(Fixtures.run(id: "rot-\(i)", big: 200), config: config, options: PublishOptions(stdoutIsTerminal: false))
            #expect(outcome.failed.isEmpty)
            let size = try #require(try FileManager.default.attributesOfItem(atPath: log)[.size] as? Int)
            sizes.append(size)
            if i == 1 { lineSize = size }
            #expect(size <= 2048)
        }
        let lines = Fixtures.lines(log)
        // Every remaining line is a whole envelope; the newest is last, the oldest are gone.
        let ids = try lines.map { try Fixtures.reports(inEnvelope: $0)[0]["_ACTION_ID"]?.stringValue ?? "" }
        #expect(ids.last == "rot-12")
        #expect(!ids.contains("rot-1"))
        #expect(ids == (12 - ids.count + 1...12).map { "rot-\($0)" })
        // The file did shrink at least once (rollover happened) by at least truncation_amount.
        let shrinks = zip(sizes, sizes.dropFirst()).filter { $0.1 < $0.0 }
        #expect(!shrinks.isEmpty)
        for (before, after) in shrinks { #expect(before + lineSize - after >= 700) }
    }

    @Test func plainFilenameGoesToTheFirstUsableSearchPathDirectory() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        var config = Fixtures.config(dir: dir)
        let blocker = dir.appendingPathComponent("not-a-dir").path
        try Data().write(to: URL(fileURLWithPath: blocker))
        let good = dir.appendingPathComponent("var/log/chalk").path
        Fixtures.addSink(&config, "plain", "file", ["filename": "plain.log",
                                                    "log_search_path": .array([.string(blocker + "/sub"), .string(good)])])
        let outcome = publishReports(Fixtures.run(), config: config, options: PublishOptions(stdoutIsTerminal: false))
        #expect(outcome.delivered.count == 1)
        #expect(Fixtures.lines(good + "/plain.log").count == 1)
    }

    @Test func concurrentWritersKeepTheRotatingLogWhole() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        var config = Fixtures.config(dir: dir)
        let big = dir.appendingPathComponent("big.log").path, small = dir.appendingPathComponent("small.log").path
        Fixtures.addSink(&config, "big", "rotating_log", ["filename": .string(big), "max": 10_000_000])
        Fixtures.addSink(&config, "small", "rotating_log", ["filename": .string(small), "max": 4096])
        let frozen = config
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for i in 0..<5 {
                _ = publishReports(Fixtures.run(id: "t\(t)-\(i)", big: 100), config: frozen, options: PublishOptions(stdoutIsTerminal: false))
            }
        }
        // No truncation: every line arrived, whole.
        let ids = try Fixtures.lines(big).map { try Fixtures.reports(inEnvelope: $0)[0]["_ACTION_ID"]?.stringValue ?? "" }
        #expect(Set(ids).count == 40)
        // With truncation: the file stays bounded and every line is still a whole envelope.
        let lines = Fixtures.lines(small)
        #expect(!lines.isEmpty)
        for line in lines { #expect(try Fixtures.reports(inEnvelope: line).count == 1) }
        let size = try #require(try FileManager.default.attributesOfItem(atPath: small)[.size] as? Int)
        #expect(size <= 4096)
    }

    @Test func rotatingLogRejectsBadSizes() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        var config = Fixtures.config(dir: dir)
        Fixtures.addSink(&config, "tiny", "rotating_log", ["filename": .string(dir.appendingPathComponent("x").path), "max": 100])
        let outcome = publishReports(Fixtures.run(), config: config, options: PublishOptions(stdoutIsTerminal: false))
        // A config problem: logged, nothing delivered, nothing cached (retrying can't help).
        #expect(outcome.delivered.isEmpty)
        #expect(outcome.cachedReports == 0)
        #expect(SinkParams.parseSize("10mb") == 10_000_000)
        #expect(SinkParams.parseSize("<<10mb>>") == 10_000_000)
        #expect(SinkParams.parseSize("1 KiB") == 1024)
        #expect(SinkParams.parseSize("ten") == nil)
    }
}
