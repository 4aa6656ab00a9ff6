import Foundation
import Testing
@testable import Config

/// Writes `text` as DIR/name and returns the directory.
func tempConfigDir(_ text: String, name: String = "chalk.c4m") throws -> URL {
    let dir = URL(fileURLWithPath: "/tmp").appendingPathComponent("chalk-config-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    return dir
}

/// Loads `text` as an external config file and returns the error text (or "loaded").
func externalError(_ text: String) throws -> String {
    let dir = try tempConfigDir(text)
    defer { try? FileManager.default.removeItem(at: dir) }
    do {
        _ = try ConfigLoader.load(ConfigLoadRequest(configFile: dir.appendingPathComponent("chalk.c4m").path,
                                                    useEmbeddedConfig: false, command: "insert", startDirectory: dir.path))
        return "loaded"
    } catch {
        return error.description.replacingOccurrences(of: dir.path + "/", with: "")
    }
}

@Suite struct BrokenConfigTests {
    @Test func misspelledNamesGetSuggestions() throws {
        #expect(try externalError("log_levl: \"info\"") == "chalk.c4m:1:1: unknown attribute 'log_levl' in the top level (did you mean log_level?)")
        #expect(try externalError("\nsink_confg x {\n sink: \"stdout\"\n}") == "chalk.c4m:2:1: unknown section 'sink_confg' (did you mean sink_config?)")
        #expect(try externalError("outconf insert { mark_template: \"mark_defualt\" }")
            == "chalk.c4m:1:18: outconf 'insert' names the mark_template 'mark_defualt', but no such template exists (did you mean mark_default?)")
        #expect(try externalError("report_template r {\n  key.CHALK_IDD.use = true\n}")
            == "chalk.c4m:2:3: report_template 'r' uses the key 'CHALK_IDD', which does not exist (no keyspec) (did you mean CHALK_ID?)")
        #expect(try externalError("custom_report c {\n report_template: \"report_defalt\"\n sink_configs: [\"console_out\"]\n}")
            == "chalk.c4m:2:2: custom_report 'c' names the report_template 'report_defalt', but no such template exists (did you mean report_default?)")
        #expect(try externalError("custom_report c {\n report_template: \"report_default\"\n sink_configs: [\"consol_out\"]\n}")
            == "chalk.c4m:3:2: custom_report 'c' names the sink_config 'consol_out', but no such sink_config exists (did you mean console_out?)")
        #expect(try externalError("sink_config s {\n  sink: \"s4\"\n}")
            == "chalk.c4m:2:3: sink_config 's' uses the sink 's4', which does not exist: expected one of stdout, stderr, file, rotating_log, s3, post, presign, dns (did you mean s3?)")
        #expect(try externalError("sink_config s {\n  sink: \"file\"\n  filname: \"x\"\n}")
            == "chalk.c4m:3:3: sink_config 's': the file sink has no parameter 'filname' (did you mean filename?)")
        #expect(try externalError("exec {\n  heartbeat {\n    rat: <<1 min>>\n  }\n}")
            == "chalk.c4m:3:5: unknown attribute 'rat' in 'exec.heartbeat' (did you mean rate?)")
    }

    @Test func wrongTypesAndValues() throws {
        #expect(try externalError("log_level: \"loud\"")
            == "chalk.c4m:1:1: 'log_level' must be one of \"verbose\", \"trace\", \"debug\", \"info\", \"warn\", \"error\", \"none\", found string \"loud\"")
        #expect(try externalError("exec.reporting_probability: 101")
            == "chalk.c4m:1:1: 'exec.reporting_probability' must be an int from 0 to 100, found int 101")
        #expect(try externalError("exec.heartbeat.rate: \"20s\"")
            == "chalk.c4m:1:1: 'exec.heartbeat.rate' must be a Duration such as <<30 sec>> (or an int of microseconds), found string \"20s\"")
        #expect(try externalError("sink_config s {\n  sink: \"rotating_log\"\n  filename: \"/tmp/x\"\n  max: \"big\"\n}")
            == "chalk.c4m:4:3: sink_config 's': 'max' must be a Size such as <<10mb>> (or an int of bytes), found string")
        #expect(try externalError("sink_config s {\n  sink: \"file\"\n}") == "chalk.c4m:1:1: sink_config 's' is missing the required file parameter 'filename'")
        #expect(try externalError("custom_report c {\n  report_template: \"report_default\"\n}")
            == "chalk.c4m:1:1: custom_report 'c' is missing required field 'sink_configs'")
        #expect(try externalError("config_path: [\"/x\"]")
            == "chalk.c4m:1:1: attribute 'config_path' is locked and can't be set (locked at <base:init>:1:1)")
        #expect(try externalError("outconf extract { mark_template: \"mark_default\" }")
            == "chalk.c4m:1:19: outconf 'extract' cannot have a mark_template: only insert, build, push, load and setup write marks")
        #expect(try externalError("keyspec MY_KEY {\n kind: ChalkTimeArtifact\n type: string\n value: \"x\"\n}")
            == "chalk.c4m:1:1: custom key 'MY_KEY' must be named X_… (chalk-time keys of users start with X_)")
        #expect(try externalError("keyspec X_K {\n kind: ChalkTimeArtifact\n type: int\n value: \"x\"\n}")
            == "chalk.c4m:4:2: keyspec 'X_K' is declared as int, but its value is a string")
        #expect(try externalError("mark_template m {\n key._OPERATION.use = true\n}")
            == "chalk.c4m:2:2: mark_template 'm' uses the run-time key '_OPERATION': marks can only hold chalk-time keys (no leading '_')")
    }

    @Test func syntaxErrorsNameTheFile() throws {
        #expect(try externalError("sink_config x { enabled: true sink: \"s3\" }")
            == "chalk.c4m:1:31: expected end of statement here (a newline or ';'), found 'sink'")
        #expect(try externalError("use thing") == "chalk.c4m:1:1: 'use thing' without 'from' needs a component store, which is not supported yet: expected 'use thing from \"DIRECTORY\"'")
    }

    @Test func missingConfigFile() {
        do {
            _ = try ConfigLoader.load(ConfigLoadRequest(configFile: "nope.c4m", useEmbeddedConfig: false, command: "insert", startDirectory: "/tmp"))
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "/tmp/nope.c4m: cannot read the config file given with --config-file: no such file")
        }
    }
}

@Suite struct LoadOrderTests {
    @Test func externalOverridesEmbeddedAndFlagsDisableEmbedded() throws {
        let dir = try tempConfigDir("log_level: \"warn\"\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("chalk.c4m").path
        let embedded = "log_level: \"trace\"\nexec.reporting_probability: 25\n"
        let both = try ConfigLoader.load(ConfigLoadRequest(configFile: file, embeddedSource: embedded, command: "insert", startDirectory: dir.path))
        #expect(both.logLevel == "warn")
        #expect(both.exec.reportingProbability == 25)
        #expect(both.embeddedConfigSource == embedded)
        #expect(both.externalConfigPath == file)
        let noEmbedded = try ConfigLoader.load(ConfigLoadRequest(configFile: file, useEmbeddedConfig: false, embeddedSource: embedded,
                                                                 command: "insert", startDirectory: dir.path))
        #expect(noEmbedded.exec.reportingProbability == 100)
    }

    @Test func embeddedErrorsNameTheEmbeddedConfig() {
        do {
            _ = try ConfigLoader.load(ConfigLoadRequest(configFile: "/dev/null", embeddedSource: "\nlog_level: 3", command: "insert", startDirectory: "/tmp"))
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "<embedded config>:2:1: 'log_level' must be one of \"verbose\", \"trace\", \"debug\", \"info\", \"warn\", \"error\", \"none\", found int 3")
        }
    }

    @Test func searchPathFindsChalkC4mInTheStartDirectory() throws {
        guard !FileManager.default.fileExists(atPath: "/etc/chalk/chalk.c4m"), !FileManager.default.fileExists(atPath: "/etc/chalk.c4m") else {
            return  // a system-wide config would win; nothing to test here
        }
        let dir = try tempConfigDir("exec.reporting_probability: 7\nartifact_search_path: [\"./src\"]\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try ConfigLoader.load(ConfigLoadRequest(command: "insert", startDirectory: dir.path))
        #expect(c.exec.reportingProbability == 7)
        #expect(c.externalConfigPath == dir.path + "/chalk.c4m")
    }

    @Test func relativeUseFromLoadsAComponent() throws {
        let dir = try tempConfigDir("exec.reporting_probability: 9\n", name: "part.c4m")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "use part from \".\"\n".write(to: dir.appendingPathComponent("chalk.c4m"), atomically: true, encoding: .utf8)
        let c = try ConfigLoader.load(ConfigLoadRequest(configFile: dir.appendingPathComponent("chalk.c4m").path,
                                                        useEmbeddedConfig: false, command: "insert", startDirectory: "/"))
        #expect(c.exec.reportingProbability == 9)
    }

    @Test func relativePathsResolveAgainstTheStartDirectory() throws {
        let dir = try tempConfigDir("report_cache_location: \"./cache.jsonl\"\nsink_config f {\n sink: \"file\"\n filename: \"./out/r.log\"\n priority: 5\n}\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try ConfigLoader.load(ConfigLoadRequest(configFile: dir.appendingPathComponent("chalk.c4m").path,
                                                        useEmbeddedConfig: false, command: "insert", startDirectory: "/srv/work"))
        #expect(c.reportCacheLocation == "/srv/work/cache.jsonl")
        #expect(c.sinkConfigs["f"]?.params["filename"] == "/srv/work/out/r.log")
        #expect(c.sinkConfigs["f"]?.priority == 5)
        #expect(c.sinkConfigs["f"]?.params["priority"] == 5)
    }

    @Test func execSupervisorOptions() throws {
        let dir = try tempConfigDir("""
        exec {
          reporting_probability: 0
          report_deadline: <<2 sec>>
          subreaper: true
          signal_group: true
          remap_exit: [143]
          rewrite_signal: {"TERM": "SIGINT", 10: 12}
          parent_death_signal: "KILL"
          warn_reaped: true
          heartbeat { run: true; rate: <<10m>> }
        }
        """)
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try ConfigLoader.load(ConfigLoadRequest(configFile: dir.appendingPathComponent("chalk.c4m").path,
                                                        useEmbeddedConfig: false, command: "exec", startDirectory: dir.path))
        #expect(c.exec.reportingProbability == 0)
        #expect(c.exec.reportDeadline == 2_000_000)
        #expect(c.exec.subreaper && c.exec.signalGroup && c.exec.warnReaped && c.exec.heartbeatRun)
        #expect(c.exec.heartbeatRate == 600_000_000)  // <<10m>> is ten minutes
        #expect(c.exec.remapExit == [143])
        #expect(c.exec.rewriteSignal == [15: 2, 10: 12])
        #expect(c.exec.parentDeathSignal == 9)
    }
}

@Suite struct SectionTypingTests {
    @Test func dockerAuthAndCacheSettings() throws {
        let dir = try tempConfigDir("""
        docker_exe: "/usr/local/bin/docker"
        docker {
          wrap_entrypoint: true
          label_prefix: "org.example."
          custom_labels: {"team": "infra", "tier": "1"}
          additional_env_vars: {"A": "b"}
        }
        auth_config ci {
          auth: "jwt"
          token: "abc"
        }
        report_cache_lock_timeout_sec: 3
        """)
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try ConfigLoader.load(ConfigLoadRequest(configFile: dir.appendingPathComponent("chalk.c4m").path,
                                                        useEmbeddedConfig: false, command: "insert", startDirectory: dir.path))
        #expect(c.docker.dockerExe == "/usr/local/bin/docker")
        #expect(c.docker.wrapEntrypoint && c.docker.wrapCmd)
        #expect(c.docker.labelPrefix == "org.example.")
        #expect(c.docker.labelTemplate == "chalk_labels")
        #expect(c.docker.customLabels.map { "\($0.0)=\($0.1)" } == ["team=infra", "tier=1"])
        #expect(c.docker.additionalEnvVars.map { "\($0.0)=\($0.1)" } == ["A=b"])
        #expect(c.authConfigs["ci"] == ["auth": "jwt", "token": "abc"])
        #expect(c.reportCacheLockTimeoutSec == 3)
        #expect(try externalError("auth_config a {\n  auth: \"jwt\"\n  tokn: \"x\"\n}")
            == "chalk.c4m:3:3: auth_config 'a': the jwt auth has no field 'tokn' (did you mean token?)")
        #expect(try externalError("auth_config a {\n  auth: \"basic\"\n  username: \"u\"\n}")
            == "chalk.c4m:1:1: auth_config 'a' is missing the required basic field 'password'")
        #expect(try externalError("sink_config p {\n  sink: \"post\"\n  uri: \"https://127.0.0.1/\"\n  auth: \"cj\"\n}\nauth_config ci { auth: \"jwt\"; token: \"t\" }")
            == "chalk.c4m:4:3: sink_config 'p' names the auth_config 'cj', but no such auth_config exists (did you mean ci?)")
        #expect(try externalError("docker.label_template: \"chalk_label\"")
            == "chalk.c4m:1:1: docker.label_template names the mark_template 'chalk_label', but no such template exists (did you mean chalk_labels?)")
    }
}

@Suite(.serialized) struct CustomKeyTests {
    @Test func customKeysFromValuesEnvCommandsAndCallbacks() throws {
        setenv("CHALK_TEST_ENV_VAR", "earth", 1)
        let dir = try tempConfigDir("""
        keyspec X_VALUE {
          kind: ChalkTimeArtifact
          type: string
          value: "hello"
        }
        keyspec X_ENV {
          kind: ChalkTimeHost
          type: string
          value: env("CHALK_TEST_ENV_VAR")
        }
        keyspec X_CMD {
          kind: ChalkTimeArtifact
          type: string
          value: strip(run("echo mars"))
        }
        keyspec X_FUNC {
          kind: ChalkTimeArtifact
          type: string
          callback: func key_callback
        }
        keyspec _X_RUN {
          kind: RunTimeHost
          type: list[string]
          value: ["a", "b"]
        }
        keyspec.CHALK_PTR.value = "https://example.invalid/meta"
        func key_callback(context) {
          return "hello " + env("CHALK_TEST_ENV_VAR")
        }
        mark_template.mark_default.key.X_VALUE.use = true
        report_template.insertion_default.key._X_RUN.use = true
        """)
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try ConfigLoader.load(ConfigLoadRequest(configFile: dir.appendingPathComponent("chalk.c4m").path,
                                                        useEmbeddedConfig: false, command: "insert", startDirectory: dir.path))
        #expect(c.customKeys["X_VALUE"] == "hello")
        #expect(c.customKeys["X_ENV"] == "earth")
        #expect(c.customKeys["X_CMD"] == "mars")
        #expect(c.customKeys["X_FUNC"] == "hello earth")
        #expect(c.customKeys["_X_RUN"] == ["a", "b"])
        #expect(c.customKeys["CHALK_PTR"] == "https://example.invalid/meta")
        #expect(c.customKeys["MAGIC"] == nil)  // system keys are not config-supplied
        #expect(c.keyspecs["X_VALUE"]?.kind == .chalkTimeArtifact)
        #expect(c.keyspecs["_X_RUN"]?.kind == .runTimeHost)
        #expect(c.markTemplate(for: "insert")?.uses("X_VALUE") == true)
        #expect(c.reportTemplate(for: "insert")?.uses("_X_RUN") == true)
    }
}
