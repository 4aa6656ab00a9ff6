import Testing
import Foundation
import ChalkTestSupport

/// Sinks configured in a con4m file, driven through the built binary (`chalk env`), against real
/// receivers on 127.0.0.1: an HTTPS listener with a self-signed certificate and moto's S3 with
/// signature checking.
@Suite(.serialized) struct ReportingSinkCLITests {
    func write(_ text: String, to url: URL) throws { try text.write(to: url, atomically: true, encoding: .utf8) }

    func envelope(_ body: String) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]])
    }

    @Test func postSinkOverHTTPSWithBearerHeaderAndCABundleFromTheEnvironment() throws {
        let dir = try TestSupport.makeTempDir("chalk-post-cli")
        defer { TestSupport.removeTree(dir) }
        let tls = try TLSFiles.make(in: dir)
        let server = try HTTPReceiver(dir: dir, tls: tls, bearer: "s3cr3t")
        defer { server.stop() }
        let config = dir.appendingPathComponent("post.c4m")
        try write("""
            sink_config collector {
              sink:    "post"
              uri:     "https://127.0.0.1:\(server.port)/report"
              headers: { "Authorization" : "Bearer s3cr3t" }
            }
            subscribe("report", "collector")
            report_cache_location: "\(dir.path)/cache.jsonl"
            """, to: config)

        // The CA is found through CHALK_CA_BUNDLE (chalk's own probe, no pinned_cert_file).
        let ok = try TestSupport.chalk(["env", "--config-file", config.path], home: dir, cwd: dir,
                                       extraEnvironment: ["CHALK_CA_BUNDLE": tls.cert])
        #expect(ok.status == 0, "stderr: \(ok.stderr)")
        #expect(ok.stdout.isEmpty)
        let reqs = server.requests
        #expect(reqs.count == 1)
        let req = try #require(reqs.first)
        #expect(req.status == 200)
        #expect(req.headers["authorization"] == "Bearer s3cr3t")
        #expect(try envelope(req.body).first?["_OPERATION"] as? String == "env")

        // Without the CA the certificate is refused: the error names the sink, the command still
        // succeeds, and the report waits in the cache; the next good run delivers both.
        let refused = try TestSupport.chalk(["env", "--config-file", config.path], home: dir, cwd: dir)
        #expect(refused.status == 0)
        #expect(refused.stderr.contains("curl error 60"))
        #expect(refused.stderr.contains("sink conf='collector'"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("cache.jsonl").path))
        let again = try TestSupport.chalk(["env", "--config-file", config.path], home: dir, cwd: dir,
                                          extraEnvironment: ["CHALK_CA_BUNDLE": tls.cert])
        #expect(again.status == 0)
        #expect(try envelope(try #require(server.requests.last).body).count == 2)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("cache.jsonl").path))
    }

    @Test(.enabled(if: MotoS3.available, "moto_server is not installed"))
    func seedStyleS3SinkUsesTheAWSEnvironment() throws {
        let dir = try TestSupport.makeTempDir("chalk-s3-cli")
        defer { TestSupport.removeTree(dir) }
        let moto = try MotoS3(dir: dir, bucket: "chalk-cli")
        defer { moto.stop() }
        let config = dir.appendingPathComponent("s3.c4m")
        // As the configuration guide writes it: credentials and bucket from env(), no region.
        try write("""
            sink_config s3_sink_config {
              enabled: true
              sink:    "s3"
              uri:     env("AWS_S3_BUCKET_URI")
              secret:  env("AWS_SECRET_ACCESS_KEY")
              uid:     env("AWS_ACCESS_KEY_ID")
            }
            custom_report chalk_s3_logger {
              report_template: "report_all"
              sink_configs: ["s3_sink_config"]
              use_when: ["env"]
            }
            report_cache_location: "\(dir.path)/cache.jsonl"
            """, to: config)
        var env = ["AWS_S3_BUCKET_URI": "s3://chalk-cli/reports/env.json", "AWS_ACCESS_KEY_ID": moto.accessKey,
                   "AWS_SECRET_ACCESS_KEY": moto.secretKey, "AWS_ENDPOINT_URL": moto.endpoint]
        let ok = try TestSupport.chalk(["env", "--config-file", config.path], home: dir, cwd: dir, extraEnvironment: env)
        #expect(ok.status == 0, "stderr: \(ok.stderr)")
        let objects = try moto.objects()
        #expect(objects.count == 1)
        let obj = try #require(objects.first)
        #expect(obj.key.hasPrefix("reports/"))
        #expect(obj.key.hasSuffix("-env.json"))
        #expect(try envelope(obj.body).first?["_OPERATION"] as? String == "env")

        // A wrong secret: moto answers 403, chalk says so on stderr and keeps the report.
        env["AWS_SECRET_ACCESS_KEY"] = "wrong-secret"
        let bad = try TestSupport.chalk(["env", "--config-file", config.path], home: dir, cwd: dir, extraEnvironment: env)
        #expect(bad.status == 0)
        #expect(bad.stderr.contains("HTTP 403"))
        #expect(bad.stderr.contains("sink conf='s3_sink_config'"))
        #expect(try moto.objects().count == 1)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("cache.jsonl").path))

        env["AWS_SECRET_ACCESS_KEY"] = moto.secretKey
        #expect(try TestSupport.chalk(["env", "--config-file", config.path], home: dir, cwd: dir, extraEnvironment: env).status == 0)
        let bodies = try moto.objects().map(\.body)
        #expect(bodies.count == 2)
        #expect(try bodies.map { try envelope($0).count }.sorted() == [1, 2])
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("cache.jsonl").path))
    }
}
