import Foundation
import Testing
import ChalkTestSupport

/// chalk finds its own embedded config (read from its self-mark without reading the whole
/// binary) in every command, `exec`'s background reporter included. Runs on a private copy of
/// the binary, since `chalk load` rewrites its own executable.
@Suite struct SelfMarkConfigTests {
    @Test func execReporterUsesTheConfigEmbeddedByLoad() throws {
        let home = try TestSupport.makeTempDir("selfmark-config")
        defer { TestSupport.removeTree(home) }
        let chalk = home.appendingPathComponent("chalk").path
        try FileManager.default.copyItem(atPath: TestSupport.chalkBinary, toPath: chalk)
        // The embedded config sends reports to a sink of its own (besides the default log) and
        // gives the reporter a deadline long enough for a loaded machine.
        let sinkFile = home.appendingPathComponent("embedded-reports.jsonl")
        let config = """
            sink_config embedded_out {
              sink: "file"
              filename: "\(sinkFile.path)"
            }
            subscribe("report", "embedded_out")
            exec {
              report_deadline: <<5 sec>>
            }

            """
        let file = ExecTest.write(config, to: home, name: "embedded.c4m")
        let load = try TestSupport.chalk(["load", file], home: home, cwd: home, binary: chalk)
        try #require(load.status == 0, "chalk load failed: \(load.stderr)")
        #expect(try TestSupport.chalk(["dump"], home: home, cwd: home, binary: chalk).stdout == config)

        let r = try TestSupport.run(chalk, ["exec", "--", "sh", "-c", "sleep 0.3; exit 7"],
                                    environment: ExecTest.environment(home: home), timeout: 60)
        #expect(r.status == 7)
        let sent = (try? String(contentsOf: sinkFile, encoding: .utf8)) ?? ""
        #expect(sent.contains(#""_OPERATION" : "exec""#), "the embedded config's sink got the exec report: \(sent)")
        #expect(sent.contains(#""_OPERATION" : "postexec""#))

        // The same binary with --no-use-embedded-config: reports only in the default log. (An
        // external config gives this run, too, a deadline long enough for a loaded machine.)
        ExecTest.writeGenerousDeadlineConfig(home: home)
        try? FileManager.default.removeItem(at: sinkFile)
        try? FileManager.default.removeItem(at: home.appendingPathComponent(".local/chalk/chalk.log"))
        let plain = try TestSupport.run(chalk, ["exec", "--no-use-embedded-config", "--", "sh", "-c", "sleep 0.3; exit 7"],
                                        environment: ExecTest.environment(home: home), timeout: 60)
        #expect(plain.status == 7)
        #expect(!ExecTest.reports(home: home).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: sinkFile.path))
    }
}
