import Testing
@testable import Config

@Suite struct BaseConfigTests {
    func load(command: String = "insert") throws -> ChalkConfig {
        try ConfigLoader.load(ConfigLoadRequest(configFile: "/dev/null", useEmbeddedConfig: false, command: command, startDirectory: "/tmp"))
    }

    @Test func baseConfigPassesItsOwnSchema() throws {
        // From the sources: the validator skips sections still in the base config snapshot.
        let s = try LoadSession(command: "insert", startDirectory: "/tmp", trial: true, useSnapshot: false)
        try Validator(root: s.interp.root).validate()
    }

    @Test func keyCatalog() throws {
        let c = try load()
        // Chalk's 534 keys plus this project's 3 (_VALIDATED_NORMALIZATION, _EXEC_REPORTING_PROBABILITY,
        // _OP_REPORTS_DROPPED: Sources/Config/BaseConfig/ProjectKeys.swift).
        #expect(c.keyspecs.count == 534 + 3)
        #expect(c.keyspecs["_VALIDATED_NORMALIZATION"]?.kind == .runTimeArtifact)
        #expect(c.keyspecs["MAGIC"]?.normalizedOrder == 0)
        #expect(c.keyspecs["MAGIC"]?.kind == .chalkTimeHost)
        #expect(c.keyspecs["CHALK_ID"]?.normalizedOrder == 1)
        #expect(c.keyspecs["_OPERATION"]?.normalizedOrder == 0)
        #expect(c.keyspecs["_OPERATION"]?.kind == .runTimeHost)
        #expect(c.keyspecs["SIGNATURE"]?.normalizedOrder == Int64.max)
        #expect(c.keyspecs["METADATA_ID"]?.normalizedOrder == Int64.max - 200)
        #expect(c.keyspecs["ERR_INFO"]?.normalizedOrder == Int64.max - 500)
        #expect(c.keyspecs["_OP_UNMARKED_COUNT"]?.normalizedOrder == Int64.max - 90)
        #expect(c.keyspecs["HASH"]?.codec == true)
        #expect(c.keyspecs["_CHALKS"]?.system == true)
        #expect(c.keyspecs["BUILD_CONTACT"]?.type == "list[string]")
        #expect(c.keyspecs["PATH_WHEN_CHALKED"]?.normalizedOrder == KeySpec.defaultOrder)
        #expect(c.keyspecs["_IMAGE_CONFIG_DIGEST"]?.kind == .runTimeArtifact)
    }

    @Test func reportTemplatesFollowTheSubtractionRules() throws {
        let c = try load()
        let all = c.reportTemplates["report_all"]!, large = c.reportTemplates["report_large"]!
        let def = c.reportTemplates["report_default"]!, ins = c.reportTemplates["insertion_default"]!
        // Chalk's counts plus the project keys each template reports.
        #expect(all.usedKeys.count == 524 + 3)
        #expect(large.usedKeys.count == 512 + 3)
        // _OP_ALL_PS_INFO is never on, so the count does not depend on being in a container.
        // ... and _OP_EXIT_CODE, which postexec reports carry (RULINGS 4).
        #expect(def.usedKeys.count == 482 + 3 + 1)
        #expect(ins.usedKeys.count == 470 + 2)
        #expect(Set(ins.usedKeys).isSubset(of: Set(def.usedKeys)))
        #expect(!all.uses("_HEARTBEAT_COUNT") && all.uses("_OPERATION"))
        #expect(!large.uses("MAGIC") && all.uses("MAGIC"))
        #expect(def.uses("_X509_SUBJECT") && !def.uses("_X509_SERIAL"))
        #expect(!ins.uses("DATETIME_WHEN_CHALKED") && def.uses("DATETIME_WHEN_CHALKED") && ins.uses("_DATETIME"))
        #expect(c.reportTemplates["heartbeat"]!.usedKeys.count == 9 + 2)
        #expect(c.reportTemplates["null"]!.usedKeys.isEmpty)
        #expect(c.reportTemplates["terminal_insert"]!.uses("_OP_CHALK_COUNT"))
        #expect(c.reportTemplates["terminal_rest"]!.uses("_OP_ARTIFACT_PATH") && !c.reportTemplates["terminal_rest"]!.uses("_VIRTUAL"))
    }

    @Test func markTemplatesIncludeForcedKeys() throws {
        let c = try load()
        let min = c.markTemplates["minimal"]!
        #expect(Set(min.usedKeys) == Set(["MAGIC", "CHALK_ID", "CHALK_VERSION", "METADATA_ID", "HASH", "DATETIME_WHEN_CHALKED",
                                          "CHALK_PTR", "SIGNATURE", "INJECTOR_PUBLIC_KEY", "$CHALK_CONFIG",
                                          "$CHALK_IMPLEMENTATION_NAME", "$CHALK_LOAD_COUNT", "$CHALK_PUBLIC_KEY",
                                          "$CHALK_ENCRYPTED_PRIVATE_KEY", "$CHALK_SAVED_COMPONENT_PARAMETERS",
                                          "$CHALK_COMPONENT_CACHE", "$CHALK_MEMOIZE"]))
        let def = c.markTemplates["mark_default"]!
        #expect(def.uses("COMMIT_ID") && def.uses("MAGIC") && !def.uses("DATE_CHALKED") && !def.uses("_OPERATION"))
        #expect(c.markTemplates["mark_default"]!.use["DATE_CHALKED"] == false)
        #expect(Set(c.markTemplates.keys) == ["mark_default", "reproducable", "minimal", "mark_large", "mark_all", "chalk_labels"])
    }

    @Test func outconfDefaults() throws {
        let c = try load()
        for op in ["insert", "build", "push", "load", "setup"] {
            #expect(c.outconf[op] == OutConf(markTemplate: "mark_default", reportTemplate: "insertion_default"))
        }
        for op in ["extract", "pull", "exec", "postexec", "delete", "env"] {
            #expect(c.outconf[op] == OutConf(markTemplate: nil, reportTemplate: "report_default"))
        }
        #expect(c.outconf["heartbeat"]?.reportTemplate == "heartbeat")
        #expect(c.markTemplate(for: "insert")?.name == "mark_default")
        #expect(c.reportTemplate(for: "extract")?.name == "report_default")
    }

    @Test func defaultSinksAndSubscriptions() throws {
        let c = try load()
        #expect(c.sinkConfigs["default_out"]?.sink == "file")
        #expect(c.sinkConfigs["default_out"]?.params["filename"] == "~/.local/chalk/chalk.log")
        #expect(c.sinkConfigs["virtual_chalk_log"]?.params["filename"] == "/tmp/virtual-chalk.json")  // start directory
        #expect(c.sinkConfigs["json_console_out"]?.filters == ["pretty_json", "fix_new_line"])
        #expect(c.sinkConfigs["dump_out"]?.enabled == false)
        #expect(c.subscriptions["report"] == ["default_out"])
        #expect(c.subscriptions["virtual"] == ["virtual_chalk_log"])
        #expect(c.subscriptions["audit"] == ["default_out"])
        #expect(c.customReports["terminal_chalk_time"]?.reportTemplate == "terminal_insert")
        #expect(c.customReports["terminal_other_op"]?.useWhen == ["extract", "delete", "env", "pull"])
        #expect(c.customReports["chalk_usage_stats"]?.enabled == false)
    }

    @Test func execAndLogDefaults() throws {
        let c = try load(command: "exec")
        #expect(c.logLevel == "error")
        #expect(c.exec.reportDeadline == 300_000)
        #expect(c.exec.reportingProbability == 100)
        #expect(c.exec.heartbeatRate == 20_000_000)
        #expect(c.exec.initialSleepTime == 50_000)
        #expect(try load(command: "insert").logLevel == "info")
        #expect(try load(command: "docker").logLevel == "error")
        #expect(c.reportCacheMaxBytes == 10_000_000)
        #expect(c.useReportCache)
    }
}
