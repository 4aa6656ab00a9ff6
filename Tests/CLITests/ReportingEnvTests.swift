import Testing
import Foundation
import ChalkTestSupport

/// `chalk env` from the built binary: the env report reaches the default file sink, nothing is
/// printed on stdout without a terminal, and with no usable HOME the report waits in the report
/// cache until a later run delivers it.
@Suite struct ReportingEnvTests {
    func envelopes(_ path: String) throws -> [[[String: Any]]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [[String: Any]])
        }
    }

    @Test func envReportGoesToTheDefaultLogAndNothingToStdout() throws {
        let home = try TestSupport.makeTempDir("chalk-env-home")
        defer { TestSupport.removeTree(home) }
        let r = try TestSupport.chalk(["env"], home: home, cwd: home)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.isEmpty)
        let log = home.appendingPathComponent(".local/chalk/chalk.log").path
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.hasPrefix("[ { "))
        #expect(text.hasSuffix(" } ]\n"))
        let env = try envelopes(log)
        #expect(env.count == 1)
        #expect(env[0].count == 1)
        let report = env[0][0]
        #expect(report["_OPERATION"] as? String == "env")
        var u = utsname()
        uname(&u)
        let node = withUnsafeBytes(of: u.nodename) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        #expect(report["_OP_HOSTNAME"] as? String == node)
        #expect(report["_OP_HOST_SYSNAME"] as? String == "Linux")
        #expect((report["_TIMESTAMP"] as? Int ?? 0) > 1_700_000_000_000)

        // A second run appends a second line.
        #expect(try TestSupport.chalk(["env"], home: home, cwd: home).status == 0)
        #expect(try envelopes(log).count == 2)
    }

    @Test func withoutUsableHomeTheReportIsCachedThenDelivered() throws {
        let home = try TestSupport.makeTempDir("chalk-env-home")
        let work = try TestSupport.makeTempDir("chalk-env-work")
        defer { TestSupport.removeTree(home); TestSupport.removeTree(work) }
        let cache = work.appendingPathComponent("reports-cache.jsonl").path
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "HOME")
        let noHome = try TestSupport.run(TestSupport.chalkBinary, ["env", "--report-cache-file", cache], environment: env, cwd: work)
        #expect(noHome.status == 0, "stderr: \(noHome.stderr)")
        #expect(noHome.stdout.isEmpty)
        let rows = try String(contentsOfFile: cache, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 1)
        let row = try #require(try JSONSerialization.jsonObject(with: Data(rows[0].utf8)) as? [String: Any])
        #expect(row["$sinks"] as? [String] == ["default_out"])

        // HOME is back: the next run sends its report and the cached one, in one envelope.
        let back = try TestSupport.chalk(["env", "--report-cache-file", cache], home: home, cwd: work)
        #expect(back.status == 0, "stderr: \(back.stderr)")
        let log = home.appendingPathComponent(".local/chalk/chalk.log").path
        let lines = try envelopes(log)
        #expect(lines.count == 1)
        #expect(lines[0].count == 2)
        #expect(lines[0].allSatisfy { $0["_OPERATION"] as? String == "env" })
        #expect(!FileManager.default.fileExists(atPath: cache))
    }

    @Test func withoutHomeOrCacheTheReportIsShownOnStderr() throws {
        let work = try TestSupport.makeTempDir("chalk-env-work")
        defer { TestSupport.removeTree(work) }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "HOME")
        let r = try TestSupport.run(TestSupport.chalkBinary, ["env", "--no-use-report-cache"], environment: env, cwd: work)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("undelivered report(s) lost"))
        #expect(r.stderr.contains("chalk: undelivered 'report' report:\n[ { \"_OPERATION\" : \"env\""))
    }
}
