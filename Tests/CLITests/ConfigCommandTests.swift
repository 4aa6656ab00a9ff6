import ChalkTestSupport
import Foundation
import Testing

/// `chalk load`, `chalk dump` and `chalk config`, driven through the built binary. `load` runs
/// on a private copy of the binary, since it rewrites its own executable.
@Suite struct ConfigCommandTests {
    /// The binary's bytes (compared whole, to prove it was not touched).
    func contents(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// A scratch directory with a copy of chalk in it.
    func sandbox() throws -> (dir: URL, chalk: String) {
        let dir = try TestSupport.makeTempDir("chalk-config-cli")
        let copy = dir.appendingPathComponent("chalk").path
        try FileManager.default.copyItem(atPath: TestSupport.chalkBinary, toPath: copy)
        return (dir, copy)
    }

    @Test func refusedLoadLeavesTheBinaryUnchangedAndUsable() throws {
        let (dir, chalk) = try sandbox()
        defer { TestSupport.removeTree(dir) }
        let before = try contents(chalk)
        let cases: [(String, String)] = [
            ("log_levl: \"info\"\n", "bad.c4m:1:1: unknown attribute 'log_levl' in the top level (did you mean log_level?)"),
            ("outconf insert {\n  mark_template: \"mark_defualt\"\n}\n",
             "bad.c4m:2:3: outconf 'insert' names the mark_template 'mark_defualt', but no such template exists (did you mean mark_default?)"),
            ("subscribe(\"report\", \"defualt_out\")\n",
             "bad.c4m:1:1: subscribe(\"report\", \"defualt_out\"): no sink_config named 'defualt_out' (did you mean default_out?)"),
            ("sink_config x { enabled: true sink: \"s3\" }\n",
             "bad.c4m:1:31: expected end of statement here (a newline or ';'), found 'sink'"),
        ]
        for (text, message) in cases {
            try text.write(to: dir.appendingPathComponent("bad.c4m"), atomically: true, encoding: .utf8)
            let r = try TestSupport.chalk(["load", "bad.c4m"], home: dir, cwd: dir, binary: chalk)
            #expect(r.status == 1)
            #expect(r.stderr == "chalk: error: \(message)\nchalk: error: config not loaded: \(chalk) is unchanged\n")
            #expect(try contents(chalk) == before)
        }
        // Still usable.
        let after = try TestSupport.chalk(["dump"], home: dir, cwd: dir, binary: chalk)
        #expect(after.status == 0)
        #expect(after.stdout == "# No embedded configuration: chalk uses its built-in defaults.\n")
    }

    @Test func loadOfAValidConfigEmbedsItOrSaysWhyNot() throws {
        let (dir, chalk) = try sandbox()
        defer { TestSupport.removeTree(dir) }
        let config = "log_level: \"error\"\nexec.reporting_probability: 50\n"
        try config.write(to: dir.appendingPathComponent("good.c4m"), atomically: true, encoding: .utf8)
        let before = try contents(chalk)
        let r = try TestSupport.chalk(["load", "good.c4m"], home: dir, cwd: dir, binary: chalk)
        if r.status == 0 {
            // The self-mark writer is wired: the config is embedded and dumps back verbatim.
            #expect(try contents(chalk) != before)
            let dump = try TestSupport.chalk(["dump"], home: dir, cwd: dir, binary: chalk)
            #expect(dump.stdout == config)
            let shown = try TestSupport.chalk(["config"], home: dir, cwd: dir, binary: chalk)
            #expect(shown.stdout.contains("embedded: yes"))
            #expect(shown.stdout.contains("reporting_probability 50"))
        } else {
            #expect(r.status == 1)
            #expect(r.stderr.contains("not available in this build yet"))
            #expect(try contents(chalk) == before)
        }
    }

    @Test func dumpToAFile() throws {
        let (dir, chalk) = try sandbox()
        defer { TestSupport.removeTree(dir) }
        let r = try TestSupport.chalk(["dump", "out.c4m"], home: dir, cwd: dir, binary: chalk)
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty)
        let text = try String(contentsOf: dir.appendingPathComponent("out.c4m"), encoding: .utf8)
        #expect(text == "# No embedded configuration: chalk uses its built-in defaults.\n")
    }

    @Test func configShowsTheEffectiveConfig() throws {
        let dir = try TestSupport.makeTempDir("chalk-config-cli")
        defer { TestSupport.removeTree(dir) }
        try """
        log_level: "error"
        unsubscribe("report", "default_out")
        sink_config mine {
          sink: "file"
          filename: "./reports.jsonl"
        }
        subscribe("report", "mine")
        """.write(to: dir.appendingPathComponent("chalk.c4m"), atomically: true, encoding: .utf8)
        let r = try TestSupport.chalk(["config", "--config-file", "chalk.c4m"], home: dir, cwd: dir)
        #expect(r.status == 0)
        #expect(r.stdout.contains("  external: \(dir.path)/chalk.c4m\n"))
        #expect(r.stdout.contains("Logging: log_level error,"))
        #expect(r.stdout.contains("  report -> [mine]\n"))
        #expect(r.stdout.contains("  mine: sink file, enabled filename=\"\(dir.path)/reports.jsonl\"\n"))
    }

    @Test func configRefusesABrokenConfig() throws {
        let dir = try TestSupport.makeTempDir("chalk-config-cli")
        defer { TestSupport.removeTree(dir) }
        try "custom_report r {\n  report_template: \"report_default\"\n  sink_configs: [\"nowhere\"]\n}\n"
            .write(to: dir.appendingPathComponent("chalk.c4m"), atomically: true, encoding: .utf8)
        let r = try TestSupport.chalk(["config", "-f", "chalk.c4m"], home: dir, cwd: dir)
        #expect(r.status == 1)
        #expect(r.stderr == """
            chalk: error: \(dir.path)/chalk.c4m:3:3: custom_report 'r' names the sink_config 'nowhere', but no such sink_config exists
            chalk: error: Could not load configuration files. exiting.

            """)
    }

    @Test func seedConfigLoadsThroughTheBinary() throws {
        let dir = try TestSupport.makeTempDir("chalk-config-cli")
        defer { TestSupport.removeTree(dir) }
        try SeedConfig.verbatim.write(to: dir.appendingPathComponent("chalk.c4m"), atomically: true, encoding: .utf8)
        let ok = try TestSupport.chalk(["config", "-f", "chalk.c4m"], home: dir, cwd: dir,
                                       extraEnvironment: ["AWS_REGION": "", "AWS_S3_BUCKET_URI": "s3://b/p"])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("  report -> []\n"))
        #expect(ok.stdout.contains("  chalk_localdisk_logger: enabled, template report_localdisk, sinks [chalk_log_file], use_when [insert, build]\n"))
        #expect(ok.stdout.contains("  chalk_s3_logger: enabled, template report_all, sinks [s3_sink_config], use_when [extract]\n"))
        #expect(ok.stdout.contains("  chalk_log_file: sink rotating_log, enabled max=10000000 filename=\"/tmp/chalk_insert_build\"\n"))
        #expect(ok.stdout.contains("uri=\"s3://b/p\""))
        #expect(ok.stdout.contains("region=\"us-east-1\""))
        #expect(ok.stdout.contains("secret=<redacted>"))
        #expect(ok.stdout.contains("  insert     mark_template: minimal        report_template: insertion_default\n"))
        #expect(ok.stdout.contains("Logging: log_level error,"))
    }
}
