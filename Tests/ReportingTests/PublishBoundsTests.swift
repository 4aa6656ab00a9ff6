import Testing
import Foundation
import Marking
import Config
@testable import Reporting
import ChalkTestSupport

/// Time bounds and the console sinks.
@Suite(.serialized) struct PublishBoundsTests {
    @Test func slowReceiverIsCutOffByTheDeadlineAndTheReportIsCached() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        let server = try HTTPReceiver(dir: dir, delaySeconds: 10)
        defer { server.stop() }
        var config = Fixtures.config(dir: dir)
        // The sink would wait 20 s per attempt; the caller's deadline is 500 ms.
        Fixtures.addSink(&config, "slow", "post", ["uri": .string("http://127.0.0.1:\(server.port)/"), "timeout": 20000])
        let start = Date()
        let outcome = publishReports(Fixtures.run(id: "slow"), config: config,
                                     options: PublishOptions(deadline: .after(milliseconds: 500), stdoutIsTerminal: false))
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed < 3, "publishing took \(elapsed) s")
        #expect(outcome.delivered.isEmpty)
        #expect(outcome.cachedReports == 1)
        #expect(Fixtures.lines(config.reportCacheLocation).count == 1)
    }

    @Test func postTimeoutBoundsEachAttempt() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        let server = try HTTPReceiver(dir: dir, delaySeconds: 10)
        defer { server.stop() }
        var config = Fixtures.config(dir: dir)
        Fixtures.addSink(&config, "slow", "post", ["uri": .string("http://127.0.0.1:\(server.port)/"), "timeout": 300])
        let start = Date()
        let outcome = publishReports(Fixtures.run(), config: config, options: PublishOptions(stdoutIsTerminal: false))
        let elapsed = Date().timeIntervalSince(start)
        // 3 attempts of 300 ms plus 100 + 200 ms of backoff, with slack.
        #expect(elapsed < 4, "publishing took \(elapsed) s")
        #expect(outcome.failed.first?.error?.contains("curl error 28") == true)  // timeout
        #expect(outcome.cachedReports == 1)
    }

    @Test func caBundleProbeOrder() {
        let env = ["SSL_CERT_FILE": "/ssl.pem", "CURL_CA_BUNDLE": "/curl.pem"]
        #expect(CABundle.path(env: { env.merging(["CHALK_CA_BUNDLE": "/chalk.pem"]) { a, _ in a }[$0] }, readable: { _ in true }) == "/chalk.pem")
        #expect(CABundle.path(env: { env[$0] }, readable: { _ in true }) == "/ssl.pem")
        #expect(CABundle.path(env: { _ in nil }, readable: { $0 == "/etc/pki/tls/certs/ca-bundle.crt" }) == "/etc/pki/tls/certs/ca-bundle.crt")
        #expect(CABundle.path(env: { _ in nil }, readable: { _ in false }) == nil)
    }

    @Test func streamSinkWritesTheMessageWithATrailingNewline() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let sink = StreamSink(configName: "console", fd: fds[1])
        try sink.send("[ { \"a\" : 1 } ]", context: SendContext(operation: "env", topic: "report"))
        try sink.send("line\n", context: SendContext(operation: "env", topic: "report"))
        close(fds[1])
        let data = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true).readDataToEndOfFile()
        #expect(String(decoding: data, as: UTF8.self) == "[ { \"a\" : 1 } ]\nline\n")
    }

    @Test func unknownSinkTypesAndMissingConfigsAreLoggedNotFatal() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        var config = Fixtures.config(dir: dir)
        let good = dir.appendingPathComponent("good.log").path
        Fixtures.addSink(&config, "weird", "carrier_pigeon", [:])
        Fixtures.addSink(&config, "dns", "dns", [:])
        config.subscriptions["report", default: []].append("never_defined")
        Fixtures.addSink(&config, "plain_http", "post", ["uri": "http://127.0.0.1:9/", "disallow_http": true])
        Fixtures.addSink(&config, "bad_s3", "s3", ["uri": "https://bucket/x", "uid": "a", "secret": "b"])
        Fixtures.addSink(&config, "good", "file", ["filename": .string(good)])
        let outcome = publishReports(Fixtures.run(), config: config, options: PublishOptions(stdoutIsTerminal: false))
        #expect(outcome.delivered.map(\.sinkConfig) == ["good"])
        #expect(Fixtures.lines(good).count == 1)
        // Config problems are not retried later: nothing goes to the cache.
        #expect(outcome.cachedReports == 0)
        #expect(!FileManager.default.fileExists(atPath: config.reportCacheLocation))
    }

    @Test func otherTopicsCarryTheirMessageAsIs() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        var config = Fixtures.config(dir: dir)
        let path = dir.appendingPathComponent("virtual-chalk.json").path
        Fixtures.addSink(&config, "virtual_chalk_log", "file", topic: "virtual", filters: ["fix_new_line"],
                         ["filename": .string(path)])
        let outcome = publishMessage("{ \"CHALK_ID\" : \"X\" }", topic: "virtual", config: config)
        #expect(outcome.delivered.map(\.sinkConfig) == ["virtual_chalk_log"])
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{ \"CHALK_ID\" : \"X\" }\n")
        #expect(publishMessage("x", topic: "nobody_listens", config: config).delivered.isEmpty)
    }

    @Test func higherPrioritySinksRunFirst() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        var config = Fixtures.config(dir: dir)
        for (name, prio) in [("low", 0), ("high", 10), ("mid", 5)] {
            Fixtures.addSink(&config, name, "file", ["filename": .string(dir.appendingPathComponent(name).path), "priority": .int(Int64(prio))])
        }
        let outcome = publishReports(Fixtures.run(), config: config, options: PublishOptions(stdoutIsTerminal: false))
        #expect(outcome.delivered.map(\.sinkConfig) == ["high", "mid", "low"])
    }
}
