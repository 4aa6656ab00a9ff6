import Foundation
import Testing
import ChalkTestSupport
import Config
@testable import Docker

/// `chalk docker push` to a local registry, and extraction from images and containers.
@Suite(.serialized, .enabled(if: DockerEnvironment.available, "needs root, docker.io (dockerd 20.10), docker-registry and busybox-static"))
struct DockerPushExtractTests {
    let env = DockerEnvironment.shared!

    func build(_ tag: String, home: URL, dockerfile: String) throws {
        let ctx = try DockerEnvironment.makeContext(["Dockerfile": dockerfile]); defer { TestSupport.removeTree(ctx) }
        let r = try env.chalk(["docker", "build", "-t", tag, "."], home: home, cwd: ctx)
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func pushReportsTheRegistryDigest() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let repo = "127.0.0.1:\(env.registryPort)/chalk/pushed"
        try build(repo + ":1", home: home, dockerfile: "FROM \(DockerEnvironment.busybox)\nCMD [\"true\"]\n")
        let built = try #require((DockerEnvironment.reports(home: home).first?["_CHALKS"] as? [[String: Any]])?.first)
        let r = try env.chalk(["docker", "push", repo + ":1"], home: home)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("digest: sha256:"))
        // The registry's own manifest digest.
        let head = try TestSupport.run("/usr/bin/curl", ["-sfI", "--noproxy", "*", "-H", "Accept: application/vnd.docker.distribution.manifest.v2+json",
                                                        "http://127.0.0.1:\(env.registryPort)/v2/chalk/pushed/manifests/1"])
        let digest = try #require(head.stdout.split(whereSeparator: \.isNewline).first { $0.lowercased().hasPrefix("docker-content-digest:") }?
            .split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        let reports = DockerEnvironment.reports(home: home)
        #expect(reports.count == 2)
        let push = try #require(reports.last)
        #expect(push["_OPERATION"] as? String == "push")
        let item = try #require((push["_CHALKS"] as? [[String: Any]])?.first)
        #expect(item["_OP_ARTIFACT_PATH"] as? String == repo + ":1")
        let digests = item["_REPO_DIGESTS"] as? [String: [String: [String]]]
        #expect(digests?["127.0.0.1:\(env.registryPort)"]?["chalk/pushed"] == [digest])
        let tags = item["_REPO_TAGS"] as? [String: [String: [String: String]]]
        #expect(tags?["127.0.0.1:\(env.registryPort)"]?["chalk/pushed"]?["1"] != nil)
        #expect(item["METADATA_ID"] as? String == built["METADATA_ID"] as? String)
        // A failed push: docker's exit code, and a report saying so.
        let bad = try env.chalk(["docker", "push", "127.0.0.1:1/nothing/here:1"], home: home)
        #expect(bad.status != 0)
    }

    func context() -> DockerContext {
        var c = ChalkConfig()
        c.docker.dockerExe = env.docker
        return DockerContext(docker: env.docker, globals: ["-H", env.host], config: c,
                             identity: ChalkIdentity(version: "0.1.0", commit: String(repeating: "0", count: 40), implementationName: "chalk-swift"),
                             argv: ["chalk", "extract"], env: ["PATH=/usr/bin:/bin"])
    }

    @Test func extractFromImagesAndRunningContainers() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        // The entry point would leave a trace if extraction ran it.
        try build("chalk-test/extract:1", home: home,
                  dockerfile: "FROM \(DockerEnvironment.busybox)\nENTRYPOINT [\"sh\", \"-c\", \"echo RAN >> /tmp/ran; sleep 30\"]\n")
        let built = try #require((DockerEnvironment.reports(home: home).first?["_CHALKS"] as? [[String: Any]])?.first)
        let ctx = context()
        let ex = DockerExtractor(ctx)
        let img = ex.collect(["chalk-test/extract:1", DockerEnvironment.busybox])
        #expect(img.errors.isEmpty, "\(img.errors)")
        #expect(img.unmarked == [DockerEnvironment.busybox])
        let item = try #require(img.chalks.first)
        #expect(item["_OP_ARTIFACT_TYPE"] == "Docker Image")
        #expect(item["_OP_ARTIFACT_PATH"] == "chalk-test/extract:1")
        #expect(item["_VALIDATED_METADATA"] == .bool(true))
        #expect(item["_CURRENT_HASH"]?.stringValue == built["_CURRENT_HASH"] as? String)
        #expect(item["METADATA_ID"]?.stringValue == built["METADATA_ID"] as? String)
        // No container is left behind by the extraction.
        #expect(try env.dockerRun(["ps", "-aq", "--filter", "ancestor=chalk-test/extract:1"], home: home).stdout.isEmpty)

        let run = try env.dockerRun(["run", "-d", "--network", "none", "chalk-test/extract:1"], home: home)
        let cid = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? env.dockerRun(["rm", "-f", cid], home: home) }
        let cont = ex.collect([cid])
        let citem = try #require(cont.chalks.first)
        #expect(citem["_OP_ARTIFACT_TYPE"] == "Docker Container")
        #expect(citem["_CURRENT_HASH"]?.stringValue == cid)
        #expect(citem["_OP_ARTIFACT_PATH"]?.stringValue == cid)
        #expect(citem["_VALIDATED_METADATA"] == .bool(true))
        #expect(citem["CHALK_ID"]?.stringValue == built["CHALK_ID"] as? String)
        // `containers` and `images` and `all` list them.
        #expect(ex.collect(["containers"]).chalks.count == 1)
        let all = ex.collect(["all"])
        #expect(all.chalks.contains { $0["_OP_ARTIFACT_TYPE"] == "Docker Container" })
        #expect(all.chalks.contains { $0["_OP_ARTIFACT_PATH"] == "chalk-test/extract:1" })
        #expect(all.unmarked.contains(DockerEnvironment.busybox))
        // The public entry point the extract command calls.
        var cfg = ChalkConfig(); cfg.docker.dockerExe = env.docker
        setenv("DOCKER_HOST", env.host, 1)
        let pub = try #require(DockerExtract.collect(["chalk-test/extract:1"], config: cfg, identity: ctx.identity))
        #expect(pub.operation == "extract" && pub.chalks.count == 1)
        // A tampered mark doesn't validate.
        let tctx = try DockerEnvironment.makeContext([
            "Dockerfile": "FROM chalk-test/extract:1\nRUN sed -i 's/Docker Image/Docker Imagf/' /chalk.json\n"])
        defer { TestSupport.removeTree(tctx) }
        #expect(try env.dockerRun(["build", "-t", "chalk-test/tampered:1", "."], home: home, cwd: tctx).status == 0)
        let tampered = ex.collect(["chalk-test/tampered:1"])
        #expect(tampered.chalks.first?["_VALIDATED_METADATA"] == .bool(false))
        #expect(tampered.errors.contains { $0.contains("does not validate") })
        #expect(ex.collect(["no-such-image:404"]).errors.first?.contains("no such docker image or container") == true)
    }
}
