import Foundation
import Testing
import ChalkTestSupport
@testable import Config

/// The configuration quoted in issue item 9, verbatim.
let seedConfig = SeedConfig.verbatim

@Suite(.serialized) struct SeedConfigTests {
    func loadSeed(command: String = "insert") throws -> ChalkConfig {
        let dir = try FileManager.default.url(for: .itemReplacementDirectory, in: .userDomainMask,
                                              appropriateFor: URL(fileURLWithPath: "/tmp"), create: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("chalk.c4m")
        try seedConfig.write(to: file, atomically: true, encoding: .utf8)
        return try ConfigLoader.load(ConfigLoadRequest(configFile: file.path, useEmbeddedConfig: false, command: command,
                                                       startDirectory: dir.path))
    }

    @Test func seedLoadsWithModernSpellings() throws {
        setenv("AWS_S3_BUCKET_URI", "s3://bucket/prefix", 1)
        setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1)
        setenv("AWS_SECRET_ACCESS_KEY", "secret-test", 1)
        unsetenv("AWS_REGION")
        let c = try loadSeed()
        #expect(c.logLevel == "error")
        #expect(c.customReports["terminal_chalk_time"]?.enabled == false)
        #expect(c.customReports["terminal_other_op"]?.enabled == false)
        #expect(c.subscriptions["report"] == [])  // unsubscribed from default_out

        let t = c.reportTemplates["report_localdisk"]!
        #expect(Set(t.usedKeys) == [
            "CHALK_VERSION", "DATETIME_WHEN_CHALKED", "HOST_SYSNAME_WHEN_CHALKED", "HOST_RELEASE_WHEN_CHALKED",
            "HOST_VERSION_WHEN_CHALKED", "HOST_MACHINE_WHEN_CHALKED", "HOST_NODENAME_WHEN_CHALKED", "_DATETIME", "_CHALKS",
            "_OP_ERRORS", "CHALK_ID", "PATH_WHEN_CHALKED", "ARTIFACT_TYPE", "OLD_CHALK_METADATA_ID", "EMBEDDED_CHALK",
            "METADATA_ID", "DOCKER_FILE", "DOCKERFILE_PATH", "DOCKER_LABELS", "DOCKER_TAGS", "_CURRENT_HASH", "_VIRTUAL",
            "_IMAGE_CONFIG_DIGEST", "_INSTANCE_CONTAINER_ID", "_INSTANCE_CREATION_DATETIME", "_REPO_TAGS",
        ])

        let s3 = c.sinkConfigs["s3_sink_config"]!
        #expect(s3.sink == "s3" && s3.enabled)
        #expect(s3.params["uri"] == "s3://bucket/prefix")
        #expect(s3.params["uid"] == "AKIDTEST")
        #expect(s3.params["secret"] == "secret-test")
        #expect(s3.params["region"] == "us-east-1")

        let log = c.sinkConfigs["chalk_log_file"]!
        #expect(log.sink == "rotating_log")
        #expect(log.params["max"] == .int(10_000_000))
        #expect(log.params["filename"] == "/tmp/chalk_insert_build")

        #expect(c.customReports["chalk_localdisk_logger"] == CustomReport(
            name: "chalk_localdisk_logger", enabled: true, reportTemplate: "report_localdisk",
            sinkConfigs: ["chalk_log_file"], useWhen: ["insert", "build"]))
        #expect(c.customReports["chalk_s3_logger"] == CustomReport(
            name: "chalk_s3_logger", enabled: true, reportTemplate: "report_all", sinkConfigs: ["s3_sink_config"],
            useWhen: ["extract"]))

        #expect(c.outconf["insert"] == OutConf(markTemplate: "minimal", reportTemplate: "insertion_default"))
        #expect(c.markTemplate(for: "insert")?.name == "minimal")
        #expect(c.configNotices.count == 4)
        #expect(c.configNotices.contains { $0.hasSuffix("key 'HOSTINFO_WHEN_CHALKED' in report_template 'report_localdisk' is now spelled HOST_SYSNAME_WHEN_CHALKED, HOST_RELEASE_WHEN_CHALKED, HOST_VERSION_WHEN_CHALKED, HOST_MACHINE_WHEN_CHALKED; using that") })
        #expect(c.configNotices.contains { $0.hasSuffix("mark_template 'mark_minimal' is now called 'minimal'; using 'minimal' for outconf 'insert'") })
        #expect(c.configNotices.contains { $0.contains(":26:3: key '_IMAGE_ID' in report_template 'report_localdisk' is now spelled _IMAGE_CONFIG_DIGEST") })
    }

    @Test func regionComesFromAWSRegion() throws {
        setenv("AWS_REGION", "eu-west-3", 1)
        defer { unsetenv("AWS_REGION") }
        #expect(try loadSeed(command: "extract").sinkConfigs["s3_sink_config"]?.params["region"] == "eu-west-3")
    }
}
