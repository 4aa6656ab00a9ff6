import Foundation
import Testing
import ChalkTestSupport

/// The whole loop: the real `chalk` binary, configured with a `post` sink and a write token,
/// marks a script and runs it under `chalk exec` on two hosts (the second in its own UTS
/// namespace with another hostname); chalk-server then shows one build running in two places,
/// over the API and on the build's page.
@Suite(.serialized) struct ChalkEndToEndTests {
    @Test func chalkReportsShowOneBuildRunningInTwoPlaces() throws {
        guard TestSupport.isRoot, TestSupport.which("unshare") != nil else {
            print("skipped: needs root and unshare for the second host"); return
        }
        guard let h = try ServerHarness.make(.sqlite, label: "chalk-e2e") else { return }
        defer { h.stop() }
        let work = try TestSupport.makeTempDir("chalk-e2e-work")
        defer { TestSupport.removeTree(work) }
        let home = work.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)

        // chalk's config: every report also goes to chalk-server with the write token.
        let config = work.appendingPathComponent("chalk.c4m")
        try """
            sink_config chalk_server {
              sink:    "post"
              enabled: true
              uri:     "http://127.0.0.1:\(h.server.port)/report"
              headers: { "Authorization": "Bearer \(h.writeToken)" }
            }
            subscribe("report", "chalk_server")
            exec {
              report_deadline: <<5 sec>>
            }
            """.write(to: config, atomically: true, encoding: .utf8)

        let app = work.appendingPathComponent("app.sh")
        try "#!/bin/sh\nsleep 0.5\necho ran\n".write(to: app, atomically: true, encoding: .utf8)
        chmod(app.path, 0o755)

        let insert = try TestSupport.chalk(["insert", "--config-file", config.path, app.path], home: home)
        #expect(insert.status == 0, "\(insert.stderr)")
        let markLine = try String(contentsOf: app, encoding: .utf8).split(separator: "\n").last.map(String.init) ?? ""
        let mark = try #require(try JSONSerialization.jsonObject(with: Data(markLine.dropFirst(2).utf8)) as? [String: Any])
        let metadataID = try #require(mark["METADATA_ID"] as? String)

        // Host 1: this machine.
        let run1 = try TestSupport.chalk(["--config-file", config.path, "exec", "--", app.path], home: home)
        #expect(run1.status == 0 && run1.stdout == "ran\n", "\(run1.stderr)")
        // Host 2: a UTS namespace with its own hostname.
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = home.path
        let run2 = try TestSupport.run("/usr/bin/unshare", ["--uts", "/bin/sh", "-c",
            "hostname chalk-e2e-second-host && exec \"$0\" --config-file \"$1\" exec -- \"$2\"",
            TestSupport.chalkBinary, config.path, app.path], environment: env)
        #expect(run2.status == 0 && run2.stdout == "ran\n", "\(run2.stderr)")

        // The API: one build, from the insert report, with two runtime places.
        let builds = try #require(try h.getJSON("/v1/builds") as? [[String: Any]])
        #expect(builds.contains { $0["metadata_id"] as? String == metadataID })
        let build = try #require(try h.getJSON("/v1/builds/\(metadataID)") as? [String: Any])
        let runtime = try #require(build["runtime"] as? [[String: Any]])
        let hosts = Set(runtime.compactMap { $0["host"] as? String })
        #expect(runtime.count == 2, "\(runtime)")
        #expect(hosts.contains("chalk-e2e-second-host") && hosts.count == 2, "\(hosts)")
        let operations = Set(((build["reports"] as? [[String: Any]]) ?? []).compactMap { $0["operation"] as? String })
        #expect(operations.isSuperset(of: ["insert", "exec"]), "\(operations)")

        // The page a person opens shows both places.
        let page = try h.client.get("/builds/\(metadataID)", headers: ["Cookie": "chalk_server_token=\(h.readToken)"])
        #expect(page.status == 200)
        #expect(page.text.contains("chalk-e2e-second-host"))
        #expect(page.text.contains(metadataID))
    }
}
