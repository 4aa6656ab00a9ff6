import Foundation
import Testing
import ChalkTestSupport
import Marking
@testable import Docker

/// `chalk docker build` against a real dockerd, both builders.
@Suite(.serialized, .enabled(if: DockerEnvironment.available, "needs root, docker.io (dockerd 20.10) and busybox-static"))
struct DockerBuildTests {
    let env = DockerEnvironment.shared!

    static let dockerfile = """
        FROM \(DockerEnvironment.busybox)
        COPY hello.txt /hello.txt
        RUN echo built > /built.txt
        CMD ["cat", "/hello.txt"]
        """

    func checkMarkedBuild(buildkit: Bool) throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let ctx = try DockerEnvironment.makeContext(["Dockerfile": Self.dockerfile, "hello.txt": "hello from the image\n"])
        defer { TestSupport.removeTree(ctx) }
        let tag = "chalk-test/marked-\(buildkit ? "bk" : "legacy"):1"
        var args = ["docker", "build", "-t", tag, "--iidfile", "iid.txt"]
        if buildkit { args += ["--network", "host"] }
        let extra = buildkit ? ["DOCKER_BUILDKIT": "1"] : [:]
        let r = try env.chalk(args + ["."], home: home, cwd: ctx, extra: extra)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("chalk: warn"), "\(r.stderr)")

        // The image runs as before and holds /chalk.json, mode 0444.
        let run = try env.dockerRun(["run", "--rm", tag], home: home)
        #expect(run.stdout == "hello from the image\n")
        let mode = try env.dockerRun(["run", "--rm", "--entrypoint", "stat", tag, "-c", "%a", "/chalk.json"], home: home)
        #expect(mode.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "444")
        let markText = try env.dockerRun(["run", "--rm", "--entrypoint", "cat", tag, "/chalk.json"], home: home).stdout
        #expect(markText.hasPrefix(#"{ "MAGIC" : "dadfedabbadabbed", "CHALK_ID" : "#))

        // One build report whose _CHALKS item is this image and this mark.
        let reports = DockerEnvironment.reports(home: home)
        #expect(reports.count == 1)
        let report = try #require(reports.first)
        #expect(report["_OPERATION"] as? String == "build")
        let item = try #require((report["_CHALKS"] as? [[String: Any]])?.first)
        let insp = try #require(try env.inspect(tag, home: home))
        let id = try #require(insp["Id"] as? String)
        #expect(item["_CURRENT_HASH"] as? String == String(id.dropFirst(7)))
        #expect(item["_IMAGE_CONFIG_DIGEST"] as? String == id)
        #expect(try String(contentsOf: ctx.appendingPathComponent("iid.txt"), encoding: .utf8) == id)
        #expect(item["DOCKER_TAGS"] as? [String] == [tag])
        #expect(item["DOCKER_FILE"] as? String == Self.dockerfile)
        #expect(item["DOCKERFILE_PATH"] as? String == ctx.resolvingSymlinksInPath().appendingPathComponent("Dockerfile").path
                || (item["DOCKERFILE_PATH"] as? String)?.hasSuffix("/Dockerfile") == true)
        #expect(item["DOCKER_BASE_IMAGE"] as? String == DockerEnvironment.busybox)
        #expect(item["ARTIFACT_TYPE"] as? String == "Docker Image")
        let mark = try MarkParser.parseWholeObject(Array(markText.utf8))
        #expect(mark["METADATA_ID"]?.stringValue == item["METADATA_ID"] as? String)
        #expect(item["METADATA_HASH"] as? String == MarkNormalization.current.metadataIdentity(mark).hash)
        #expect(mark["CHALK_ID"]?.stringValue == item["CHALK_ID"] as? String)
        #expect(MarkValidation.validate(mark, currentHash: nil).valid)
        #expect(mark["HASH"] == nil)
        // Labels: a label given by the user is kept; the tag points at the final image.
        #expect((insp["RepoTags"] as? [String])?.contains(tag) == true)
        // No temporary tag is left behind (it is removed in the background, at once).
        var images = ""
        try TestSupport.waitUntil(timeout: 5, every: 0.1) {
            images = try env.dockerRun(["images", "--format", "{{.Repository}}"], home: home).stdout
            return !images.contains("chalk-intermediate")
        }
        #expect(!images.contains("chalk-intermediate"))
    }

    @Test func legacyBuilderMarksImage() throws { try checkMarkedBuild(buildkit: false) }

    @Test func buildKitMarksImage() throws { try checkMarkedBuild(buildkit: true) }

    @Test func contextAndDockerignoreUntouched() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let ctx = try DockerEnvironment.makeContext([
            "Dockerfile": "FROM \(DockerEnvironment.busybox)\nCOPY . /ctx/\nCMD [\"ls\", \"/ctx\"]\n",
            ".dockerignore": "secret.txt\n*.log\n", "secret.txt": "s", "a.log": "l", "keep.txt": "k", "sub/chalk": "user's own file",
        ])
        defer { TestSupport.removeTree(ctx) }
        let before = DockerEnvironment.snapshot(ctx)
        let r = try env.chalk(["docker", "build", "-t", "chalk-test/ctx:1", "."], home: home, cwd: ctx)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(DockerEnvironment.snapshot(ctx) == before)
        // docker's own .dockerignore filtering applied: ignored files are not in the image.
        let ls = try env.dockerRun(["run", "--rm", "chalk-test/ctx:1"], home: home).stdout
        #expect(ls.split(separator: "\n").sorted() == ["Dockerfile", "keep.txt", "sub"])
        // A failed build leaves it untouched too.
        try "FROM \(DockerEnvironment.busybox)\nRUN false\n".write(to: ctx.appendingPathComponent("Dockerfile.bad"), atomically: true, encoding: .utf8)
        let before2 = DockerEnvironment.snapshot(ctx)
        let bad = try env.chalk(["docker", "build", "-f", "Dockerfile.bad", "."], home: home, cwd: ctx)
        #expect(bad.status != 0)
        #expect(DockerEnvironment.snapshot(ctx) == before2)
    }

    @Test func failingRunBuildsOnceWithDockersExitCode() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let ctx = try DockerEnvironment.makeContext(["Dockerfile": "FROM \(DockerEnvironment.busybox)\nRUN echo RUN-STEP-MARKER && exit 3\n"])
        defer { TestSupport.removeTree(ctx) }
        let plain = try env.dockerRun(["build", "--no-cache", "."], home: home, cwd: ctx)
        let r = try env.chalk(["docker", "build", "--no-cache", "-t", "chalk-test/fail:1", "."], home: home, cwd: ctx)
        #expect(plain.status != 0)
        #expect(r.status == plain.status)
        #expect((r.stdout + r.stderr).components(separatedBy: "RUN-STEP-MARKER").count - 1
                == (plain.stdout + plain.stderr).components(separatedBy: "RUN-STEP-MARKER").count - 1)
        let reports = DockerEnvironment.reports(home: home)
        #expect(reports.count == 1)
        #expect(reports.first?["_OPERATION"] as? String == "build")
        #expect((reports.first?["_OP_ERRORS"] as? [String])?.first?.contains("exit code \(plain.status)") == true)
        #expect(reports.first?["_CHALKS"] == nil)
    }

    @Test func stdinContextBuildsUnmodifiedAndReportsUnmarked() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let df = "FROM \(DockerEnvironment.busybox)\nCMD [\"echo\", \"from stdin\"]\n"
        let r = try env.chalk(["docker", "build", "-t", "chalk-test/stdin:1", "-"], home: home, stdin: Data(df.utf8))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("the build context is read from stdin"))
        #expect(try env.dockerRun(["run", "--rm", "chalk-test/stdin:1"], home: home).stdout == "from stdin\n")
        let cat = try env.dockerRun(["run", "--rm", "--entrypoint", "cat", "chalk-test/stdin:1", "/chalk.json"], home: home)
        #expect(cat.status != 0)
        let report = try #require(DockerEnvironment.reports(home: home).first)
        #expect(report["_UNMARKED"] as? [String] == ["chalk-test/stdin:1"])
    }

    @Test func dockerfileFromStdinIsMarked() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let ctx = try DockerEnvironment.makeContext(["x.txt": "x"]); defer { TestSupport.removeTree(ctx) }
        let df = "FROM \(DockerEnvironment.busybox)\nCOPY x.txt /x.txt\nCMD [\"cat\", \"/x.txt\"]\n"
        let r = try env.chalk(["docker", "build", "-q", "-t", "chalk-test/dfstdin:1", "-f", "-", "."], home: home, cwd: ctx, stdin: Data(df.utf8))
        #expect(r.status == 0, "\(r.stderr)")
        let id = try #require(try env.inspect("chalk-test/dfstdin:1", home: home)?["Id"] as? String)
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == id)  // -q prints the final image's ID only
        let item = try #require((DockerEnvironment.reports(home: home).first?["_CHALKS"] as? [[String: Any]])?.first)
        #expect(item["DOCKER_FILE"] as? String == df)
        #expect(try env.dockerRun(["run", "--rm", "chalk-test/dfstdin:1"], home: home).stdout == "x")
    }

    @Test func brokenConfigStillRunsTheBuild() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let ctx = try DockerEnvironment.makeContext(["Dockerfile": "FROM \(DockerEnvironment.busybox)\nCMD [\"echo\", \"ok\"]\n",
                                                     "broken.c4m": "docker { wrap_entrypoint = \n"])
        defer { TestSupport.removeTree(ctx) }
        let r = try env.chalk(["--config-file", ctx.appendingPathComponent("broken.c4m").path, "docker", "build", "-t", "chalk-test/cfg:1", "."],
                              home: home, cwd: ctx)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try env.dockerRun(["run", "--rm", "chalk-test/cfg:1"], home: home).stdout == "ok\n")
    }
}

/// Signals sent to chalk during a build reach docker.
@Suite(.serialized, .enabled(if: DockerEnvironment.available, "needs root, docker.io (dockerd 20.10) and busybox-static"))
struct DockerBuildSignalTests {
    let env = DockerEnvironment.shared!

    @Test func sigtermReachesDocker() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let ctx = try DockerEnvironment.makeContext(["Dockerfile": "FROM \(DockerEnvironment.busybox)\nRUN echo SLEEPING && sleep 60\n"])
        defer { TestSupport.removeTree(ctx) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestSupport.chalkBinary)
        p.arguments = ["docker", "build", "--no-cache", "."]
        p.environment = env.environment(home: home)
        p.currentDirectoryURL = ctx
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Wait until the RUN step has started.
        var seen = Data()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !String(decoding: seen, as: UTF8.self).contains("SLEEPING") {
            seen += out.fileHandleForReading.availableData
        }
        #expect(String(decoding: seen, as: UTF8.self).contains("SLEEPING"))
        let t0 = Date()
        p.terminate()  // SIGTERM to chalk only; docker must get it from chalk
        while p.isRunning && Date().timeIntervalSince(t0) < 20 { usleep(50_000) }
        #expect(!p.isRunning)
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        #expect(Date().timeIntervalSince(t0) < 20)
        #expect(p.terminationStatus != 0)
    }
}
