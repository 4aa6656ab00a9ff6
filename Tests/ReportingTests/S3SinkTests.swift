import Testing
import Foundation
import Marking
import Config
@testable import Reporting
import ChalkTestSupport

/// The s3 sink against moto's S3 server on 127.0.0.1, with signatures checked.
@Suite(.serialized, .enabled(if: MotoS3.available, "moto_server is not installed (pip install 'moto[server]')"))
struct S3SinkTests {
    @Test func signedPutStoresTheEnvelopeAndAWrongSecretIsRefusedAndCached() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        let moto = try MotoS3(dir: dir)
        defer { moto.stop() }

        var config = Fixtures.config(dir: dir)
        Fixtures.addSink(&config, "s3_sink_config", "s3", [
            "uri": .string("s3://\(moto.bucket)/reports/chalk.json"), "uid": .string(moto.accessKey),
            "secret": .string(moto.secretKey), "region": "us-east-1", "endpoint": .string(moto.endpoint),
        ])
        let ok = publishReports(Fixtures.run("extract", id: "s3-ok"), config: config, options: PublishOptions(stdoutIsTerminal: false))
        #expect(ok.failed.isEmpty)
        #expect(ok.delivered.map(\.sinkConfig) == ["s3_sink_config"])
        let objects = try moto.objects()
        #expect(objects.count == 1)
        let obj = try #require(objects.first)
        // <dir>/<unix-ms>-<26 base32 chars>-<basename>
        let parts = obj.key.split(separator: "/")
        #expect(parts.count == 2 && parts[0] == "reports")
        let name = parts.last.map(String.init) ?? ""
        let fields = name.split(separator: "-")
        #expect(fields.count == 3)
        #expect(Int64(fields[0]) != nil)
        #expect(fields[1].count == 26)
        #expect(fields[2] == "chalk.json")
        #expect(obj.body.hasPrefix("[ { \"_OPERATION\" : \"extract\""))
        #expect(try Fixtures.reports(inEnvelope: obj.body)[0]["_ACTION_ID"] == "s3-ok")

        // A wrong secret: moto checks the signature and answers 403; the report is cached.
        var bad = config
        bad.sinkConfigs["s3_sink_config"]?.params["secret"] = "not-the-secret"
        let refused = publishReports(Fixtures.run("extract", id: "s3-bad"), config: bad, options: PublishOptions(stdoutIsTerminal: false))
        #expect(refused.delivered.isEmpty)
        let error = try #require(refused.failed.first?.error)
        #expect(error.contains("HTTP 403"))
        #expect(refused.cachedReports == 1)
        #expect(try moto.objects().count == 1)
        let cacheLine = try #require(Fixtures.lines(bad.reportCacheLocation).first)
        let row = try #require(try ReportJSONParser.parse(cacheLine).objectValue)
        #expect(row["$sinks"] == ["s3_sink_config"])

        // With the right secret again, the cached report goes out with the next one.
        let again = publishReports(Fixtures.run("extract", id: "s3-again"), config: config, options: PublishOptions(stdoutIsTerminal: false))
        #expect(again.flushedFromCache == 1)
        let bodies = try moto.objects().map(\.body)
        #expect(bodies.count == 2)
        let ids = try bodies.flatMap { try Fixtures.reports(inEnvelope: $0) }.compactMap { $0["_ACTION_ID"]?.stringValue }
        #expect(Set(ids) == ["s3-ok", "s3-again", "s3-bad"])
        #expect(!FileManager.default.fileExists(atPath: config.reportCacheLocation))
    }

    @Test func credentialsRegionAndEndpointDefaultFromTheAWSEnvironment() throws {
        let env = ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET",
                   "AWS_ENDPOINT_URL": "http://127.0.0.1:9000/", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9001"]
        // As the seed config writes it: env() of unset variables gives "", and no region.
        let sc = SinkConfig(name: "s3_env", sink: "s3", params: ["uri": "s3://env-bucket/chalk", "uid": "", "secret": ""])
        let sink = try S3Sink(config: sc, env: { env[$0] })
        #expect(sink.region == "us-east-1")
        #expect(sink.endpoint == "http://127.0.0.1:9001")  // the S3-specific variable wins
        #expect(sink.url(forKey: "a/b c") == "http://127.0.0.1:9001/env-bucket/a/b%20c")
        #expect(sink.objectKey(unixMilliseconds: 42, random: "R") == "42-R-chalk")
        let regional = try S3Sink(config: sc, env: { ["AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "S"][$0] })
        #expect(regional.region == "eu-west-1")
        #expect(regional.url(forKey: "k") == "https://env-bucket.s3.eu-west-1.amazonaws.com/k")
        let nested = try S3Sink(config: SinkConfig(name: "n", sink: "s3", params: ["uri": "s3://b/x/y/", "extra": "ci"]), env: { env[$0] })
        #expect(nested.objectKey(unixMilliseconds: 1, random: "R") == "x/y/1-R-ci")
        #expect(throws: SinkError.self) { try S3Sink(config: sc, env: { _ in nil }) }  // no credentials at all
    }
}
