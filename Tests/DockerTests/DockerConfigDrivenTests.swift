import Foundation
import Testing
import ChalkTestSupport
import Config
@testable import Docker

/// Config-driven build behaviour (`docker.custom_labels`, `docker.additional_env_vars`,
/// `docker.wrap_cmd`), run in-process with a typed config until the con4m loader fills it.
@Suite(.serialized, .enabled(if: DockerEnvironment.available, "needs root, docker.io (dockerd 20.10) and busybox-static"))
struct DockerConfigDrivenTests {
    let env = DockerEnvironment.shared!

    @Test func customLabelsAndEnvVars() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let ctx = try DockerEnvironment.makeContext(["Dockerfile": "FROM \(DockerEnvironment.busybox)\nCMD [\"true\"]\n"])
        defer { TestSupport.removeTree(ctx) }
        // The real base config (its report template and file sink), with docker settings changed.
        var cfg = try ConfigLoader.load(ConfigLoadRequest(useEmbeddedConfig: false, command: "docker", startDirectory: ctx.path))
        cfg.docker.customLabels = [("com.example.team", "platform"), ("com.example.note", "two\nlines")]
        cfg.docker.additionalEnvVars = [("CHALKED_BY", "chalk \"swift\"")]
        cfg.markTemplates["chalk_labels"] = Template(name: "chalk_labels", keys: ["MAGIC", "CHALK_ID", "DOCKER_TAGS", "ARTIFACT_TYPE"])
        cfg.docker.labelTemplate = "chalk_labels"
        setenv("HOME", home.path, 1)
        let dctx = DockerContext(docker: env.docker, globals: ["-H", env.host], config: cfg,
                                 identity: ChalkIdentity(version: "0.1.0", commit: String(repeating: "0", count: 40), implementationName: "chalk-swift"),
                                 argv: ["chalk", "docker", "build"], env: ["PATH=/usr/bin:/bin", "HOME=\(home.path)"])
        let status = DockerBuild(dctx, commandLine: DockerCommandLine(["build", "-q", "-t", "chalk-test/labels:1", ctx.path])).run()
        #expect(status == 0)
        let insp = try #require(try env.inspect("chalk-test/labels:1", home: home))
        let cfgOut = try #require(insp["Config"] as? [String: Any])
        let labels = try #require(cfgOut["Labels"] as? [String: String])
        #expect(labels["com.example.team"] == "platform")
        #expect(labels["com.example.note"] == "two\nlines")
        let report = try #require(DockerEnvironment.reports(home: home).last)
        let item = try #require((report["_CHALKS"] as? [[String: Any]])?.first)
        #expect(item["CHALK_ID"] != nil)
        #expect(labels["run.crashoverride.chalk-id"] == nil && labels["run.crashoverride.magic"] == nil)
        #expect(labels["run.crashoverride.artifact-type"] == "Docker Image")
        #expect(labels["run.crashoverride.docker-tags"] == "[\"chalk-test/labels:1\"]")
        #expect((cfgOut["Env"] as? [String])?.contains("CHALKED_BY=chalk \"swift\"") == true)
    }

    @Test func wrapCmdOffLeavesCmdOnlyImageUnwrapped() throws {
        guard let chalk = DockerWrapTests.staticChalk else { print("skipped: no static chalk at dist/chalk"); return }
        _ = chalk
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let ctx = try DockerEnvironment.makeContext(["Dockerfile": "FROM \(DockerEnvironment.busybox)\nCMD [\"echo\", \"x\"]\n"])
        defer { TestSupport.removeTree(ctx) }
        var cfg = ChalkConfig()
        cfg.docker.wrapEntrypoint = true
        cfg.docker.wrapCmd = false
        let dctx = DockerContext(docker: env.docker, globals: ["-H", env.host], config: cfg,
                                 identity: ChalkIdentity(version: "0.1.0", commit: String(repeating: "0", count: 40), implementationName: "chalk-swift"),
                                 argv: ["chalk", "docker", "build"], env: ["PATH=/usr/bin:/bin", "HOME=\(home.path)"])
        // The test process is not static, so wrapping stops at the binary check before wrap_cmd
        // matters; the rule itself is pinned by EntrypointWrapTests. Here: the image is marked
        // and its ENTRYPOINT/CMD are untouched.
        #expect(DockerBuild(dctx, commandLine: DockerCommandLine(["build", "-q", "-t", "chalk-test/nowrapcmd:1", ctx.path])).run() == 0)
        let cfgOut = try #require(try env.inspect("chalk-test/nowrapcmd:1", home: home)?["Config"] as? [String: Any])
        #expect(cfgOut["Entrypoint"] == nil || cfgOut["Entrypoint"] is NSNull)
        #expect(cfgOut["Cmd"] as? [String] == ["echo", "x"])
    }

    @Test func multiPlatformBuildRunsUnmodifiedWithReason() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let ctx = try DockerEnvironment.makeContext(["Dockerfile": "FROM \(DockerEnvironment.busybox)\nCMD [\"true\"]\n"])
        defer { TestSupport.removeTree(ctx) }
        let args = ["build", "--platform", "linux/amd64,linux/arm64", "-t", "chalk-test/multi:1", "."]
        let plain = try env.dockerRun(args, home: home, cwd: ctx)
        let r = try env.chalk(["docker"] + args, home: home, cwd: ctx)
        #expect(r.status == plain.status)
        #expect(r.stderr.contains("multi-platform builds are not marked yet"))
        #expect(DockerEnvironment.reports(home: home).first?["_OPERATION"] as? String == "build")
    }
}
