import Testing
import Marking
@testable import Docker

@Suite struct BuildOptionsTests {
    @Test func knownAndUnknownFlags() {
        let o = BuildOptions(["-t", "a:1", "--tag=b", "-fsub/Dockerfile", "--build-arg", "X=1", "--build-arg", "Y",
                              "--target", "final", "--label", "k=v", "--platform", "linux/amd64", "--iidfile", "id.txt",
                              "-q", "--pull", "--no-cache", "--weird-new-flag", "ctx"])
        #expect(o.tags == ["a:1", "b"])
        #expect(o.dockerfile == "sub/Dockerfile")
        #expect(o.buildArgs.map(\.0) == ["X", "Y"] && o.buildArgs[0].1 == "1" && o.buildArgs[1].1 == nil)
        #expect(o.target == "final" && o.iidfile == "id.txt" && o.quiet && o.pull && o.noCache)
        #expect(o.labels.map { $0.0 + "=" + $0.1 } == ["k=v"])
        #expect(o.platforms == ["linux/amd64"])
        #expect(o.context == "ctx")
        #expect(o.unmarkableReason == nil)
        #expect(o.arguments(dropping: ["-t", "--tag", "--iidfile"])
            == ["-fsub/Dockerfile", "--build-arg", "X=1", "--build-arg", "Y", "--target", "final", "--label", "k=v",
                "--platform", "linux/amd64", "-q", "--pull", "--no-cache", "--weird-new-flag", "ctx"])
    }

    @Test func unmarkableContexts() {
        #expect(BuildOptions(["-t", "x", "-"]).unmarkableReason == "the build context is read from stdin")
        #expect(BuildOptions(["https://example.invalid/repo.git"]).unmarkableReason == "the build context is a URL")
        #expect(BuildOptions(["--platform", "linux/amd64,linux/arm64", "."]).unmarkableReason != nil)
        #expect(BuildOptions(["-t", "x"]).unmarkableReason == "no build context given")
    }

    @Test func dockerGlobalsAndSubcommands() {
        let c = DockerCommandLine(["-H", "unix:///x.sock", "--context=default", "-D", "image", "build", "-t", "x", "."])
        #expect(c.globals == ["-H", "unix:///x.sock", "--context=default", "-D"])
        #expect(c.command == ["image", "build"] && c.operation == "build" && c.rest == ["-t", "x", "."])
        #expect(DockerCommandLine(["buildx", "build", "."]).operation == "build")
        #expect(DockerCommandLine(["image", "push", "r"]).operation == "push")
        #expect(DockerCommandLine(["run", "--rm", "x"]).operation == nil)
        #expect(DockerCommandLine(["--help"]).operation == nil)
    }
}

@Suite struct DockerfileTests {
    let text = """
        ARG BASE=debian:12-slim
        # comment
        FROM --platform=linux/amd64 ${BASE} AS one
        ENTRYPOINT ["one", \\
            "entrypoint"]
        FROM one AS two
        CMD two cmd
        FROM scratch AS other
        ENTRYPOINT
        """

    @Test func stagesTargetsAndBase() {
        let d = Dockerfile(text)
        #expect(d.stages.map(\.from) == ["debian:12-slim", "one", "scratch"])
        #expect(d.stages.map(\.name) == ["one", "two", "other"])
        #expect(d.targetIndex(nil) == 2 && d.targetIndex("TWO") == 1 && d.targetIndex("nope") == nil)
        #expect(d.baseImage(1) == "debian:12-slim")
        #expect(d.stages[0].instructions.first == .init(keyword: "ENTRYPOINT", arguments: "[\"one\", \"entrypoint\"]"))
        #expect(d.lastEntrypointIsBare(2) && !d.lastEntrypointIsBare(1))
        #expect(Dockerfile(text, buildArgs: [("BASE", "alpine:3")]).stages[0].from == "alpine:3")
    }

    @Test func imageReferences() {
        let r = ImageReference("127.0.0.1:5000/team/app:1.2@sha256:abc")
        #expect(r.registry == "127.0.0.1:5000" && r.name == "team/app" && r.tag == "1.2" && r.digest == "sha256:abc")
        #expect(ImageReference("busybox").tag == "latest" && ImageReference("busybox").registry.isEmpty)
        #expect(ImageReference("localhost/x").registry == "localhost")
        #expect(ImageReference("scratch").tag.isEmpty)
    }
}

@Suite struct DockerJSONTests {
    @Test func parserAndWriter() {
        let v: ChalkValue = .array([.object(["Id": "sha256:ab", "RepoTags": ["a:1"], "Size": 5, "Config": .object(["Entrypoint": .null])])])
        #expect(DockerJSONParser.parse(DockerJSONWriter.write(v)) == v)
        #expect(DockerJSONWriter.write(.array(["/bin/sh", "-c", "echo \"hi\"\n"])) == #"["/bin/sh", "-c", "echo \"hi\"\n"]"#)
        #expect(DockerJSONParser.parse("{\"a\": [1, 2.5, null, true, \"\\u00e9\\ud83d\\ude00\"]}")?.objectValue?["a"]
            == .array([.int(1), .float(2.5), .null, .bool(true), .string("é😀")]))
        #expect(DockerJSONParser.parse("{\"a\": }") == nil)
        #expect(DockerJSONParser.parse("[1] x") == nil)
    }

    @Test func tarReaderReadsFirstFile() {
        var tar = [UInt8](repeating: 0, count: 512)
        let name = Array("chalk.json".utf8); tar.replaceSubrange(0..<name.count, with: name)
        let size = Array("00000000005\0".utf8); tar.replaceSubrange(124..<136, with: size)
        tar[156] = UInt8(ascii: "0")
        tar += Array("hello".utf8) + [UInt8](repeating: 0, count: 507) + [UInt8](repeating: 0, count: 1024)
        #expect(TarReader.firstFile(tar) == Array("hello".utf8))
        #expect(TarReader.firstFile([1, 2, 3]) == nil)
    }

    @Test func elfStaticDetection() {
        #expect(!ElfInfo.isStatic(FS.readFile("/bin/sh") ?? []))
        #expect(!ElfInfo.isStatic(Array("#!/bin/sh\n".utf8)))
        if let b = FS.readFile("/bin/busybox") { #expect(ElfInfo.isStatic(b)) }  // busybox-static
    }
}
