import Testing
import Foundation
import Marking
import Config
@testable import Reporting
import ChalkTestSupport

/// The post sink against a real HTTPS receiver on 127.0.0.1 with a self-signed certificate.
@Suite(.serialized) struct PostSinkTests {
    func sha256Hex(_ s: String) -> String { SHA256.hexDigest(Array(s.utf8)) }

    @Test func httpsPostWithPinnedCertCarriesTheEnvelopeAndCoreHeaders() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        let tls = try TLSFiles.make(in: dir)
        let server = try HTTPReceiver(dir: dir, tls: tls)
        defer { server.stop() }
        var config = Fixtures.config(dir: dir)
        Fixtures.addSink(&config, "https", "post", ["uri": .string("https://127.0.0.1:\(server.port)/report"),
                                                     "pinned_cert_file": .string(tls.cert),
                                                     "headers": .object(["X-Team": "infra"])])
        let outcome = publishReports(Fixtures.run(id: "post-1"), config: config,
                                     options: PublishOptions(stdoutIsTerminal: false, chalkVersion: "0.1.0"))
        #expect(outcome.delivered.map(\.sinkConfig) == ["https"])
        let reqs = server.requests
        #expect(reqs.count == 1)
        let r = try #require(reqs.first)
        #expect(r.status == 200)
        #expect(r.body.hasPrefix("[ { \"_OPERATION\" : \"insert\""))
        #expect(r.body.hasSuffix(" } ]\n"))
        #expect(try Fixtures.reports(inEnvelope: r.body)[0]["_ACTION_ID"] == "post-1")
        #expect(r.headers["content-type"] == "application/json")
        #expect(r.headers["x-chalk-digest-sha256"] == sha256Hex(r.body))
        #expect(r.headers["x-content-length"] == String(r.body.utf8.count))
        #expect(r.headers["x-chalk-operation"] == "insert")
        #expect(r.headers["x-chalk-action-id"] == "post-1")
        #expect(r.headers["x-chalk-version"] == "0.1.0")
        #expect(r.headers["x-chalk-attempt"] == "1")
        #expect(r.headers["x-team"] == "infra")
        #expect(!FileManager.default.fileExists(atPath: config.reportCacheLocation))
    }

    @Test func bearerTokenFromHeadersOrJWTAuthConfig() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        let tls = try TLSFiles.make(in: dir)
        let server = try HTTPReceiver(dir: dir, tls: tls, bearer: "s3cr3t")
        defer { server.stop() }
        let uri = ChalkValue.string("https://127.0.0.1:\(server.port)/report")

        // Without a token: 401, a hard error (no retries), and the report is kept.
        var none = Fixtures.config(dir: dir)
        Fixtures.addSink(&none, "no_token", "post", ["uri": uri, "pinned_cert_file": .string(tls.cert)])
        let refused = publishReports(Fixtures.run(id: "no-token"), config: none, options: PublishOptions(stdoutIsTerminal: false))
        #expect(refused.delivered.isEmpty)
        #expect(refused.failed.first?.error?.contains("HTTP 401") == true)
        #expect(refused.cachedReports == 1)
        #expect(server.requests.count == 1)
        try? FileManager.default.removeItem(atPath: none.reportCacheLocation)

        var headers = Fixtures.config(dir: dir)
        Fixtures.addSink(&headers, "hdr", "post", ["uri": uri, "pinned_cert_file": .string(tls.cert),
                                                   "headers": .object(["Authorization": "Bearer s3cr3t"])])
        #expect(publishReports(Fixtures.run(id: "hdr"), config: headers, options: PublishOptions(stdoutIsTerminal: false)).delivered.count == 1)

        var jwt = Fixtures.config(dir: dir)
        jwt.authConfigs["token"] = ["auth": "jwt", "token": "s3cr3t"]
        Fixtures.addSink(&jwt, "jwt", "post", ["uri": uri, "pinned_cert_file": .string(tls.cert), "auth": "token"])
        #expect(publishReports(Fixtures.run(id: "jwt"), config: jwt, options: PublishOptions(stdoutIsTerminal: false)).delivered.count == 1)

        let accepted = server.requests.filter { $0.status == 200 }
        #expect(accepted.map { $0.headers["authorization"] } == ["Bearer s3cr3t", "Bearer s3cr3t"])
    }

    @Test func selfSignedCertWithoutCAFileFailsAndIsCached() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        let tls = try TLSFiles.make(in: dir)
        let server = try HTTPReceiver(dir: dir, tls: tls)
        defer { server.stop() }
        var config = Fixtures.config(dir: dir)
        Fixtures.addSink(&config, "untrusted", "post", ["uri": .string("https://127.0.0.1:\(server.port)/")])
        let outcome = publishReports(Fixtures.run(), config: config, options: PublishOptions(stdoutIsTerminal: false))
        #expect(outcome.delivered.isEmpty)
        let error = try #require(outcome.failed.first?.error)
        #expect(error.contains("curl error 60"))
        #expect(outcome.cachedReports == 1)
        #expect(server.requests.isEmpty)
    }

    @Test func sinkThatIsDownGetsTheCachedReportWhenItComesBack() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        let port = freeLoopbackPort()
        var config = Fixtures.config(dir: dir)
        Fixtures.addSink(&config, "collector", "post", ["uri": .string("http://127.0.0.1:\(port)/r"), "timeout": 2000])
        let down = publishReports(Fixtures.run(id: "while-down"), config: config, options: PublishOptions(stdoutIsTerminal: false))
        #expect(down.delivered.isEmpty)
        #expect(down.failed.first?.error?.contains("curl error 7") == true)  // connection refused
        #expect(Fixtures.lines(config.reportCacheLocation).count == 1)

        let server = try HTTPReceiver(dir: dir, port: port)
        defer { server.stop() }
        let up = publishReports(Fixtures.run(id: "back-up"), config: config, options: PublishOptions(stdoutIsTerminal: false))
        #expect(up.flushedFromCache == 1)
        let reqs = server.requests
        #expect(reqs.count == 1)
        let ids = try Fixtures.reports(inEnvelope: try #require(reqs.first).body).map { $0["_ACTION_ID"]?.stringValue }
        #expect(ids == ["back-up", "while-down"])
        #expect(!FileManager.default.fileExists(atPath: config.reportCacheLocation))
    }

    @Test func oversizedReportIsDroppedAndCountedNotRetriedForever() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        let port = freeLoopbackPort()
        var config = Fixtures.config(dir: dir)
        Fixtures.addSink(&config, "collector", "post", ["uri": .string("http://127.0.0.1:\(port)/r")])
        // While down: a big report and a small one go to the cache.
        _ = publishReports(Fixtures.run(id: "big", big: 20_000), config: config, options: PublishOptions(stdoutIsTerminal: false))
        _ = publishReports(Fixtures.run(id: "small"), config: config, options: PublishOptions(stdoutIsTerminal: false))
        #expect(Fixtures.lines(config.reportCacheLocation).count == 2)

        // Back up, refusing bodies over 8000 bytes with 413.
        let server = try HTTPReceiver(dir: dir, port: port, maxBody: 8000)
        defer { server.stop() }
        let up = publishReports(Fixtures.run(id: "now"), config: config, options: PublishOptions(stdoutIsTerminal: false))
        #expect(up.droppedReports == 1)
        #expect(up.failed.first?.error?.contains("bytes is too large") == true)
        let accepted = server.requests.filter { $0.status == 200 }
        let delivered = try accepted.flatMap { try Fixtures.reports(inEnvelope: $0.body) }.map { $0["_ACTION_ID"]?.stringValue }
        #expect(Set(delivered) == ["now", "small"])
        // The big report left the cache; only the count of dropped reports remains.
        let rows = Fixtures.lines(config.reportCacheLocation)
        #expect(rows == ["{ \"$dropped\" : 1 }"])

        // The next report says one was dropped, once.
        _ = publishReports(Fixtures.run(id: "next"), config: config, options: PublishOptions(stdoutIsTerminal: false))
        let last = try Fixtures.reports(inEnvelope: try #require(server.requests.last).body)
        #expect(last.count == 1)
        #expect(last[0]["_ACTION_ID"] == "next")
        #expect(last[0]["_OP_REPORTS_DROPPED"] == 1)
        #expect(!FileManager.default.fileExists(atPath: config.reportCacheLocation))
    }

    @Test func cachedReportsGoOutInPostsOfAtMost8MiB() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        let port = freeLoopbackPort()
        var config = Fixtures.config(dir: dir)
        config.reportCacheMaxBytes = 40_000_000
        Fixtures.addSink(&config, "collector", "post", ["uri": .string("http://127.0.0.1:\(port)/r"), "timeout": 20000])
        for i in 1...3 {
            _ = publishReports(Fixtures.run(id: "cached-\(i)", big: 3_000_000), config: config, options: PublishOptions(stdoutIsTerminal: false))
        }
        let server = try HTTPReceiver(dir: dir, port: port)
        defer { server.stop() }
        let up = publishReports(Fixtures.run(id: "now"), config: config, options: PublishOptions(stdoutIsTerminal: false))
        #expect(up.flushedFromCache == 3)
        let reqs = server.requests
        #expect(reqs.count == 2)
        for r in reqs { #expect(r.body.utf8.count <= 8 * 1024 * 1024) }
        let ids = try reqs.flatMap { try Fixtures.reports(inEnvelope: $0.body) }.map { $0["_ACTION_ID"]?.stringValue }
        #expect(ids == ["now", "cached-1", "cached-2", "cached-3"])
        #expect(!FileManager.default.fileExists(atPath: config.reportCacheLocation))
    }
}
