import Testing
import Foundation
import ChalkTestSupport

/// The seed config (Chalk's old custom-template guide), loaded as `./chalk.c4m`:
/// `chalk insert` prints nothing on stdout and appends one report line per run with only the
/// template's keys; `chalk extract` puts a `report_all` report into the S3 bucket (moto, with
/// signatures checked). The rotating log's filename is moved from /tmp/chalk_insert_build into
/// the test's directory so that parallel runs can't collide; everything else is verbatim.
@Suite(.serialized) struct ReportingSeedConfigTests {
    static func seedConfig(logFile: String) -> String { SeedConfig.withLogFile(logFile) }

    /// The keys report_localdisk turns on, with the renamed ones in their modern spelling.
    static let templateKeys: Set<String> = [
        "CHALK_VERSION", "DATETIME_WHEN_CHALKED", "HOST_SYSNAME_WHEN_CHALKED", "HOST_RELEASE_WHEN_CHALKED",
        "HOST_VERSION_WHEN_CHALKED", "HOST_MACHINE_WHEN_CHALKED", "HOST_NODENAME_WHEN_CHALKED", "_DATETIME", "_CHALKS",
        "_OP_ERRORS", "CHALK_ID", "PATH_WHEN_CHALKED", "ARTIFACT_TYPE", "OLD_CHALK_METADATA_ID", "EMBEDDED_CHALK",
        "METADATA_ID", "DOCKER_FILE", "DOCKERFILE_PATH", "DOCKER_LABELS", "DOCKER_TAGS", "_CURRENT_HASH", "_VIRTUAL",
        "_IMAGE_CONFIG_DIGEST", "_INSTANCE_CONTAINER_ID", "_INSTANCE_CREATION_DATETIME", "_REPO_TAGS",
        // Added by this project to any report after the report cache had to drop reports.
        "_OP_REPORTS_DROPPED",
    ]

    @Test(.enabled(if: MotoS3.available, "moto_server is not installed"))
    func insertLogsTemplateKeysOnlyAndExtractReportsToS3() throws {
        let dir = try TestSupport.makeTempDir("chalk-seed")
        defer { TestSupport.removeTree(dir) }
        let moto = try MotoS3(dir: dir, bucket: "seed-bucket")
        defer { moto.stop() }
        let work = dir.appendingPathComponent("work"), home = dir.appendingPathComponent("home")
        let art = work.appendingPathComponent("art")
        try FileManager.default.createDirectory(at: art, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        try "#!/bin/sh\necho hello\n".write(to: art.appendingPathComponent("hello.sh"), atomically: true, encoding: .utf8)
        let log = dir.appendingPathComponent("chalk_insert_build").path
        try Self.seedConfig(logFile: log).write(to: work.appendingPathComponent("chalk.c4m"), atomically: true, encoding: .utf8)
        let env = ["AWS_S3_BUCKET_URI": "s3://seed-bucket/chalk/report.json", "AWS_ACCESS_KEY_ID": moto.accessKey,
                   "AWS_SECRET_ACCESS_KEY": moto.secretKey, "AWS_ENDPOINT_URL": moto.endpoint]

        for run in 1...2 {
            let r = try TestSupport.chalk(["insert", "art"], home: home, cwd: work, extraEnvironment: env)
            #expect(r.status == 0, "stderr: \(r.stderr)")
            #expect(r.stdout.isEmpty)
            let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == run)
        }
        for line in try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n") {
            let reports = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [[String: Any]])
            #expect(reports.count == 1)
            let report = try #require(reports.first)
            #expect(Set(report.keys).isSubset(of: Self.templateKeys), "\(report.keys.sorted())")
            let chalks = try #require(report["_CHALKS"] as? [[String: Any]])
            #expect(chalks.count == 1)
            #expect(Set(chalks[0].keys).isSubset(of: Self.templateKeys), "\(chalks[0].keys.sorted())")
            #expect(chalks[0]["CHALK_ID"] is String)
        }
        // The primary report was unsubscribed from default_out.
        #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent(".local/chalk/chalk.log").path))

        let x = try TestSupport.chalk(["extract", "art"], home: home, cwd: work, extraEnvironment: env)
        #expect(x.status == 0, "stderr: \(x.stderr)")
        #expect(x.stdout.isEmpty)
        let objects = try moto.objects()
        #expect(objects.count == 1)
        let obj = try #require(objects.first)
        #expect(obj.key.hasPrefix("chalk/") && obj.key.hasSuffix("-report.json"))
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(obj.body.utf8)) as? [[String: Any]])
        let report = try #require(reports.first)
        #expect(report["_OPERATION"] as? String == "extract")
        let chalks = try #require(report["_CHALKS"] as? [[String: Any]])
        #expect(chalks.first?["_OP_ARTIFACT_PATH"] as? String == art.appendingPathComponent("hello.sh").path)
        // report_all: far more than report_localdisk's keys.
        #expect(report["_OP_HOSTNAME"] != nil || report["_OP_HOST_NODENAME"] != nil)
    }
}
