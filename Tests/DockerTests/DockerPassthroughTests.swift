import Foundation
import Testing
import ChalkTestSupport

/// Commands chalk does not handle go to docker untouched; chalk named `docker` works the same.
@Suite(.serialized, .enabled(if: DockerEnvironment.available, "needs root, docker.io (dockerd 20.10) and busybox-static"))
struct DockerPassthroughTests {
    let env = DockerEnvironment.shared!

    @Test func stdinStdoutStderrAndExitCodePassThrough() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let cat = try env.chalk(["docker", "run", "-i", "--rm", "--network", "none", DockerEnvironment.busybox, "cat"],
                                home: home, stdin: Data("bytes on stdin\n".utf8))
        #expect(cat.status == 0)
        #expect(cat.stdout == "bytes on stdin\n")
        let code = try env.chalk(["docker", "run", "--rm", "--network", "none", DockerEnvironment.busybox,
                                  "sh", "-c", "echo out; echo err >&2; exit 7"], home: home)
        #expect(code.status == 7)
        #expect(code.stdout == "out\n")
        #expect(code.stderr == "err\n")
        // Unknown commands and --help behave exactly as docker's.
        let plain = try env.dockerRun(["no-such-command"], home: home)
        let viaChalk = try env.chalk(["docker", "no-such-command"], home: home)
        #expect(viaChalk.status == plain.status && viaChalk.stderr == plain.stderr && viaChalk.stdout == plain.stdout)
        let help = try env.chalk(["docker", "--help"], home: home)
        let plainHelp = try env.dockerRun(["--help"], home: home)
        #expect(help.status == 0 && help.stdout == plainHelp.stdout)
        // No report for unwrapped commands by default.
        #expect(DockerEnvironment.reports(home: home).isEmpty)
    }

    @Test func reportUnwrappedCommandsFromConfigFile() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let cfg = home.appendingPathComponent("docker.c4m")
        try "docker {\n  report_unwrapped_commands: true\n}\n".write(to: cfg, atomically: true, encoding: .utf8)
        let r = try env.chalk(["--config-file", cfg.path, "docker", "run", "--rm", "--network", "none", DockerEnvironment.busybox,
                               "sh", "-c", "echo still docker; exit 4"], home: home)
        #expect(r.status == 4)
        #expect(r.stdout == "still docker\n")
        let reports = DockerEnvironment.reports(home: home)
        #expect(reports.count == 1)
        #expect(reports.first?["_OPERATION"] as? String == "docker")
    }

    @Test func dockerGlobalFlagsAreKept() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let ctx = try DockerEnvironment.makeContext(["Dockerfile": "FROM \(DockerEnvironment.busybox)\nCMD [\"true\"]\n"])
        defer { TestSupport.removeTree(ctx) }
        // DOCKER_HOST points nowhere; -H names the daemon: every docker call chalk makes must use it.
        let r = try env.chalk(["docker", "-H", env.host, "build", "-t", "chalk-test/globals:1", "."], home: home, cwd: ctx,
                              extra: ["DOCKER_HOST": "unix:///nonexistent.sock"])
        #expect(r.status == 0, "\(r.stderr)")
        let item = (DockerEnvironment.reports(home: home).first?["_CHALKS"] as? [[String: Any]])?.first
        #expect(item?["_IMAGE_CONFIG_DIGEST"] as? String == (try env.inspect("chalk-test/globals:1", home: home))?["Id"] as? String)
    }

    @Test func chalkNamedDockerOnPath() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let bin = try TestSupport.makeTempDir("chalk-bin"); defer { TestSupport.removeTree(bin) }
        try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent("docker").path, withDestinationPath: TestSupport.chalkBinary)
        let ctx = try DockerEnvironment.makeContext(["Dockerfile": "FROM \(DockerEnvironment.busybox)\nCMD [\"echo\", \"sym\"]\n"])
        defer { TestSupport.removeTree(ctx) }
        let path = bin.path + ":/usr/bin:/bin"
        let docker = bin.appendingPathComponent("docker").path
        let b = try env.chalk(["build", "-t", "chalk-test/symlink:1", "."], home: home, cwd: ctx, binary: docker, path: path)
        #expect(b.status == 0, "\(b.stderr)")
        #expect(DockerEnvironment.reports(home: home).first?["_OPERATION"] as? String == "build")
        let run = try env.chalk(["run", "--rm", "chalk-test/symlink:1"], home: home, binary: docker, path: path)
        #expect(run.stdout == "sym\n" && run.status == 0)
        #expect(try env.chalk(["run", "--rm", "--entrypoint", "cat", "chalk-test/symlink:1", "/chalk.json"], home: home,
                              binary: docker, path: path).stdout.contains("dadfedabbadabbed"))
    }

    @Test func twoChalkCopiesNamedDockerDoNotRecurse() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let a = try TestSupport.makeTempDir("chalk-bin-a"), b = try TestSupport.makeTempDir("chalk-bin-b")
        defer { TestSupport.removeTree(a); TestSupport.removeTree(b) }
        for d in [a, b] {
            try FileManager.default.copyItem(atPath: TestSupport.chalkBinary, toPath: d.appendingPathComponent("docker").path)
        }
        let r = try env.chalk(["version", "--format", "{{.Client.Version}}"], home: home,
                              binary: a.appendingPathComponent("docker").path, path: "\(a.path):\(b.path):/usr/bin:/bin")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("20.10"))
    }

    @Test func noRealDockerExits127WithOneLine() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let bin = try TestSupport.makeTempDir("chalk-bin"); defer { TestSupport.removeTree(bin) }
        let docker = bin.appendingPathComponent("docker").path
        try FileManager.default.createSymbolicLink(atPath: docker, withDestinationPath: TestSupport.chalkBinary)
        let r = try env.chalk(["ps"], home: home, binary: docker, path: bin.path)
        #expect(r.status == 127)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("no docker found"))
    }
}
