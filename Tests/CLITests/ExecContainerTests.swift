import Foundation
import Testing
import ChalkTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `chalk exec` as the ENTRYPOINT of a real container under a private dockerd: a `FROM scratch`
/// image holding only the static chalk and busybox-static (RULINGS 24).
@Suite(.enabled(if: ContainerEnvironment.available && SignalStateHelper.path != nil,
                "needs root, dockerd (docker.io), busybox-static, dist/chalk and a C compiler"),
       .serialized)
struct ExecContainerTests {
    static var dockerCLI: String? { ContainerEnvironment.dockerCLI }

    /// A dockerd of our own, everything under a scratch directory, no networking.
    final class Daemon {
        let dir: URL
        let process: Process
        var host: String { "unix://\(dir.path)/docker.sock" }

        init() throws {
            dir = try TestSupport.makeTempDir("exec-dockerd")
            process = Process()
            // Through the signal-state helper: containers inherit dockerd's signal mask, and a
            // test runner thread's mask blocks most signals (chalk would faithfully pass it on).
            let (exe, prefix) = SignalStateHelper.wrap([TestSupport.which("dockerd")!])
            process.executableURL = URL(fileURLWithPath: exe)
            process.arguments = prefix + ["--host", "unix://\(dir.path)/docker.sock", "--data-root", dir.path + "/root",
                                 "--exec-root", dir.path + "/exec", "--pidfile", dir.path + "/pid",
                                 "--bridge=none", "--iptables=false", "--ip-masq=false"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let end = Date().addingTimeInterval(30)
            while Date() < end {
                if let r = try? docker(["version"]), r.status == 0 { return }
                usleep(100_000)
            }
            throw CocoaError(.fileReadUnknown)
        }

        @discardableResult
        func docker(_ args: [String], timeout: TimeInterval = 60) throws -> TestSupport.ProcessResult {
            try TestSupport.run(ExecContainerTests.dockerCLI!, args, extraEnvironment: ["DOCKER_HOST": host], timeout: timeout)
        }

        func stop() {
            process.terminate()
            let end = Date().addingTimeInterval(15)
            while process.isRunning && Date() < end { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            _ = umount2(dir.path + "/exec/netns/default", Int32(MNT_DETACH))
            _ = try? TestSupport.run("/bin/umount", ["-R", "-l", dir.path + "/root"], timeout: 15)
            TestSupport.removeTree(dir)
        }
    }

    /// Builds `chalk-exec-test:1`: FROM scratch, /chalk, busybox, ENTRYPOINT chalk exec --.
    static func buildImage(_ d: Daemon) throws {
        let root = d.dir.appendingPathComponent("rootfs")
        for sub in ["bin", "tmp", "proc", "dev", "sys", "etc", "out"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: root.appendingPathComponent("bin/busybox").path)
        try FileManager.default.copyItem(atPath: TestSupport.staticChalkBinary!, toPath: root.appendingPathComponent("chalk").path)
        let list = try TestSupport.run("/bin/busybox", ["--list"])
        for applet in list.stdout.split(separator: "\n") where applet != "busybox" {
            try? FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("bin/\(applet)").path,
                                                        withDestinationPath: "busybox")
        }
        let script = "tar -C '\(root.path)' -c . | '\(dockerCLI!)' import --change 'ENTRYPOINT [\"/chalk\",\"exec\",\"--\"]' - chalk-exec-test:1"
        let r = try TestSupport.run("/bin/sh", ["-c", script], extraEnvironment: ["DOCKER_HOST": d.host], timeout: 120)
        #expect(r.status == 0, "docker import: \(r.stderr)")
    }

    @Test func chalkAsContainerEntrypoint() throws {
        let d = try Daemon()
        defer { d.stop() }
        try Self.buildImage(d)
        let out = try TestSupport.makeTempDir("exec-container-out")
        defer { TestSupport.removeTree(out) }
        ExecTest.writeGenerousDeadlineConfig(home: out)
        let run = ["run", "--network", "none", "-v", "\(out.path):/out", "-e", "HOME=/out"]

        // Exit codes pass through, and the exec report is written (HOME is a bind mount).
        for code in [0, 1, 42] {
            // The workload lives a moment so that the reporter can read its /proc entry (a
            // workload that is already gone is reported without _PROCESS_* keys).
            let r = try d.docker(run + ["--rm", "chalk-exec-test:1", "sh", "-c", "sleep 1; exit \(code)"])
            #expect(r.status == Int32(code), "\(r.stderr)")
        }
        let reports = ExecTest.reports(home: out)
        #expect(reports.filter { $0["_OPERATION"] as? String == "exec" }.count == 3)
        #expect(reports.filter { $0["_OPERATION"] as? String == "postexec" }.count == 3)
        let item = (reports.first?["_CHALKS"] as? [[String: Any]])?.first
        #expect((item?["_PROCESS_PID"] as? Int ?? 0) > 1)
        #expect(item?["_PROCESS_PARENT_PID"] as? Int == 1, "chalk is PID 1 in the container")

        // docker stop: SIGTERM to PID 1 reaches the workload; exit 143 well within the grace period.
        let cid = try d.docker(run + ["-d", "chalk-exec-test:1", "sh", "-c", "echo ready; exec sleep 100"])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(waitForLog(d, cid, "ready"))
        let start = Date()
        try d.docker(["stop", "-t", "10", cid])
        #expect(Date().timeIntervalSince(start) < 5, "docker stop took \(Date().timeIntervalSince(start)) s")
        #expect(try d.docker(["inspect", "-f", "{{.State.ExitCode}}", cid]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "143")
        try d.docker(["rm", cid])

        // docker kill -s USR1 reaches the workload.
        let usr1 = try d.docker(run + ["-d", "chalk-exec-test:1", "sh", "-c",
                                       "trap 'echo got-usr1; exit 0' USR1; echo ready; while :; do sleep 0.05; done"])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(waitForLog(d, usr1, "ready"))
        try d.docker(["kill", "-s", "USR1", usr1])
        let got = waitForLog(d, usr1, "got-usr1")
        #expect(got, "logs: \((try? d.docker(["logs", usr1]).stdout) ?? "")")
        try d.docker(["wait", usr1])
        #expect(try d.docker(["inspect", "-f", "{{.State.ExitCode}}", usr1]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        try d.docker(["rm", usr1])

        // Orphans are reaped: no zombies left in the container.
        let script = ExecTest.orphanScript(count: 3, pidFile: "/tmp/orphans")
        let z = try d.docker(run + ["--rm", "--entrypoint", "/chalk", "chalk-exec-test:1",
                                    "exec", "--warn-reaped", "--", "sh", "-c", script])
        #expect(z.status == 0)
        #expect(z.stdout.contains("zombies=0"), "\(z.stdout) \(z.stderr)")
        #expect(z.stderr.components(separatedBy: "Reaped zombie process with pid=").count - 1 == 3, "\(z.stderr)")
    }

    func waitForLog(_ d: Daemon, _ cid: String, _ text: String, timeout: TimeInterval = 15) -> Bool {
        TestSupport.waitUntil(timeout: timeout, every: 0.05) {
            (try? d.docker(["logs", cid]))?.stdout.contains(text) == true
        }
    }
}

/// What the container tests need on this machine.
enum ContainerEnvironment {
    /// The docker.io client (20.10, matching dockerd), else any docker client on PATH.
    static var dockerCLI: String? {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/docker") ? "/usr/bin/docker" : TestSupport.which("docker")
    }

    static var available: Bool {
        TestSupport.isRoot && TestSupport.which("dockerd") != nil && dockerCLI != nil
            && FileManager.default.isExecutableFile(atPath: "/bin/busybox") && TestSupport.staticChalkBinary != nil
    }
}
