import Testing
import Config
import Marking
@testable import Docker

/// DOCKER_BASE_IMAGES / DOCKER_COPY_IMAGES from Dockerfile text, and the build keys that come
/// from the command line alone (no docker needed).
@Suite struct LineageParsingTests {
    static let multiStage = """
        ARG BASE=127.0.0.1:5000/team/base:1.2
        FROM ${BASE} AS Builder
        RUN make
        FROM scratch AS empty
        COPY --from=builder --chown=1:1 /out/app /app
        FROM builder
        RUN true
        FROM alpine@sha256:abc
        COPY --from=builder /a /b /dest/
        COPY --link --from=2 ["/x y", "/z"]
        COPY --from=busybox:1.36 /bin/busybox /bb
        COPY --from=extra /ctx /ctx
        COPY --from=img /i /i
        COPY plain.txt /plain.txt
        """

    @Test func copyFromForms() {
        let c = Dockerfile.parseCopyFrom("--chmod=755 --from=\"$SRC\" a b /d/", vars: ["SRC": "img:1"])
        #expect(c == .init(from: "img:1", sources: ["a", "b"], dest: "/d/"))
        #expect(Dockerfile.parseCopyFrom("--from=x [\"/a b\", \"/c\"]", vars: [:]) == .init(from: "x", sources: ["/a b"], dest: "/c"))
        #expect(Dockerfile.parseCopyFrom("a /b", vars: [:]) == nil)
        #expect(Dockerfile.parseCopyFrom("--from=x /only", vars: [:]) == nil)
        #expect(Dockerfile.parseCopyFrom("--from= a /b", vars: [:]) == nil)
    }

    @Test func stageKeysAndReferences() {
        let d = Dockerfile(Self.multiStage)
        #expect((0..<4).map { d.stageKey($0) } == ["Builder", "empty", "2", ""])
        #expect(d.stageIndex(named: "BUILDER", before: 3, allowIndex: false) == 0)
        #expect(d.stageIndex(named: "2", before: 3, allowIndex: true) == 2)
        #expect(d.stageIndex(named: "3", before: 3, allowIndex: true) == nil)  // only earlier stages
        #expect(d.stageIndex(named: "02", before: 3, allowIndex: true) == nil)
        #expect(d.externalBases(contexts: []) == ["127.0.0.1:5000/team/base:1.2", "alpine@sha256:abc"])
        #expect(d.externalBases(contexts: [("alpine@sha256:abc", "docker-image://other:2")]) == ["127.0.0.1:5000/team/base:1.2", "other:2"])
    }

    @Test func baseImagesOfEveryStage() {
        let d = Dockerfile(Self.multiStage)
        let v = d.baseImagesValue(contexts: [], configDigests: ["127.0.0.1:5000/team/base:1.2": "sha256:11"])
        #expect(v.keys == ["Builder", "empty", "2", ""])
        let base: ChalkObject = ["from": "127.0.0.1:5000/team/base:1.2", "uri": "127.0.0.1:5000/team/base:1.2",
                                 "registry": "127.0.0.1:5000", "name": "team/base", "repo": "127.0.0.1:5000/team/base",
                                 "tag": "1.2", "config_digest": "sha256:11"]
        #expect(v["Builder"] == .object(base))
        #expect(v["empty"] == .object(["from": "scratch", "uri": "scratch"]))
        var viaStage = base
        viaStage["from"] = "builder"
        #expect(v["2"] == .object(viaStage))
        #expect(v[""] == .object(["from": "alpine@sha256:abc", "uri": "alpine@sha256:abc", "name": "alpine", "repo": "alpine",
                                  "digest": "sha256:abc"]))
    }

    @Test func copyImagesPerStage() {
        let d = Dockerfile(Self.multiStage)
        let v = d.copyImagesValue(contexts: [("extra", "/some/dir"), ("img", "docker-image://busybox:1.35")])
        #expect(v.keys == ["empty", ""])
        let empty = v["empty"]?.arrayValue ?? []
        #expect(empty.count == 1)
        #expect(empty.first?.objectValue?["from"] == "builder" && empty.first?.objectValue?["uri"] == "127.0.0.1:5000/team/base:1.2")
        #expect(empty.first?.objectValue?["src"] == ["/out/app"] && empty.first?.objectValue?["dest"] == "/app")
        let last = (v[""]?.arrayValue ?? []).compactMap(\.objectValue)
        // The directory context `extra` is not an image: left out; `img` names one.
        #expect(last.map { $0["from"]?.stringValue } == ["builder", "2", "busybox:1.36", "img"])
        #expect(last[0]["src"] == ["/a", "/b"] && last[0]["dest"] == "/dest/")
        #expect(last[1]["uri"] == "127.0.0.1:5000/team/base:1.2" && last[1]["src"] == ["/x y"] && last[1]["dest"] == "/z")
        #expect(last[2]["tag"] == "1.36" && last[2]["name"] == "busybox" && last[2]["registry"] == nil)
        #expect(last[3]["uri"] == "busybox:1.35")
    }

    @Test func commandLineKeys() throws {
        let cfg = try ConfigLoader.load(ConfigLoadRequest(useEmbeddedConfig: false, command: "docker", startDirectory: "/"))
        let dctx = DockerContext(docker: "/nonexistent/docker", globals: [], config: cfg,
                                 identity: ChalkIdentity(version: "0.1.0", commit: "", implementationName: "chalk-swift"),
                                 argv: ["chalk"], env: [])
        let cl = DockerCommandLine(["buildx", "build", "--platform", "linux/arm64", "--annotation", "index:org.example=1",
                                    "--annotation=plain", "--build-context", "extra=/some/dir", "--build-context=img=docker-image://busybox:1.35",
                                    "--label", "team=x", "-t", "app:1", "ctx"])
        let b = DockerBuild(dctx, commandLine: cl)
        let text = "FROM img\nCOPY --from=extra /a /a\n"
        let o = b.dockerKeysBeforeBuild(dockerfile: Dockerfile(text), dockerfileText: text, dockerfilePath: "/ctx/Dockerfile")
        #expect(o["DOCKER_PLATFORMS"] == ["linux/arm64"])
        #expect(o["DOCKER_ANNOTATIONS"] == .object(["index:org.example": "1", "plain": ""]))
        #expect(o["DOCKER_ADDITIONAL_CONTEXTS"] == .object(["extra": "/some/dir", "img": "docker-image://busybox:1.35"]))
        #expect(o["DOCKER_LABELS"] == .object(["team": "x"]))
        #expect(o["DOCKER_TAGS"] == ["app:1"] && o["DOCKER_CONTEXT"] == "ctx" && o["DOCKER_FILE"] == .string(text))
        #expect(o["DOCKER_TARGET"] == "")  // an unnamed target stage
        // FROM a build context that names an image: the base is that image.
        #expect(o["DOCKER_BASE_IMAGE"] == "busybox:1.35" && o["DOCKER_BASE_IMAGE_TAG"] == "1.35")
        #expect(o["DOCKER_COPY_IMAGES"] == nil)  // copies only from a directory context
        // Nothing given: the keys are absent, not empty.
        let plain = DockerBuild(dctx, commandLine: DockerCommandLine(["build", "."]))
            .dockerKeysBeforeBuild(dockerfile: nil, dockerfileText: nil, dockerfilePath: "/ctx/Dockerfile")
        #expect(plain.keys == ["DOCKERFILE_PATH", "DOCKER_CONTEXT"])
    }
}
