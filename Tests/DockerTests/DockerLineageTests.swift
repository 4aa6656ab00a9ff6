import Foundation
import Testing
import ChalkTestSupport
import Marking
@testable import Docker

/// The build keys that link an image to what it was built from, against a real dockerd:
/// DOCKER_BASE_IMAGE_METADATA_ID / _CHALK / _CONFIG_DIGEST, DOCKER_BASE_IMAGES,
/// DOCKER_COPY_IMAGES, DOCKER_PLATFORM(S).
@Suite(.serialized, .enabled(if: DockerEnvironment.available, "needs root, docker.io (dockerd 20.10) and busybox-static"))
struct DockerLineageTests {
    let env = DockerEnvironment.shared!

    /// `chalk docker build` in a fresh HOME; returns the one build report's item and the
    /// image's `/chalk.json` parsed.
    func chalkBuild(_ dockerfile: String, tag: String, flags: [String] = [], files: [String: String] = [:], buildkit: Bool = false) throws
        -> (item: [String: Any], mark: ChalkObject) {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        var all = files
        all["Dockerfile"] = dockerfile
        let ctx = try DockerEnvironment.makeContext(all); defer { TestSupport.removeTree(ctx) }
        let r = try env.chalk(["docker", "build", "-t", tag] + flags + (buildkit ? ["--network", "host"] : []) + ["."], home: home, cwd: ctx,
                              extra: buildkit ? ["DOCKER_BUILDKIT": "1"] : [:])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("chalk: warn"), "\(r.stderr)")
        let reports = DockerEnvironment.reports(home: home)
        #expect(reports.count == 1)
        let item = try #require((reports.first?["_CHALKS"] as? [[String: Any]])?.first)
        let text = try env.dockerRun(["run", "--rm", "--entrypoint", "cat", tag, "/chalk.json"], home: home).stdout
        let mark = try MarkParser.parseWholeObject(Array(text.utf8))
        #expect(MarkValidation.validate(mark, currentHash: nil).valid)
        return (item, mark)
    }

    func imageID(_ ref: String) throws -> String {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        return try #require(try env.inspect(ref, home: home)?["Id"] as? String)
    }

    @Test func childOfAChalkedBaseRecordsTheBaseMark() throws {
        let baseTag = "chalk-test/lineage-base:1"
        let base = try chalkBuild("FROM \(DockerEnvironment.busybox)\nCMD [\"echo\", \"base\"]\n", tag: baseTag)
        let baseID = try #require(base.mark["METADATA_ID"]?.stringValue)
        #expect(base.item["METADATA_ID"] as? String == baseID)
        // The busybox under it is not marked: no lineage keys at all (absent, not null).
        for k in ["DOCKER_BASE_IMAGE_METADATA_ID", "DOCKER_BASE_IMAGE_CHALK"] {
            #expect(base.item[k] == nil && base.mark[k] == nil, "\(k)")
        }
        #expect(base.item["DOCKER_BASE_IMAGE_CONFIG_DIGEST"] as? String == (try imageID(DockerEnvironment.busybox)))

        let child = try chalkBuild("FROM \(baseTag)\nCMD [\"echo\", \"child\"]\n", tag: "chalk-test/lineage-child:1")
        // The report and the child's own mark both name the base's mark.
        #expect(child.item["DOCKER_BASE_IMAGE_METADATA_ID"] as? String == baseID)
        #expect(child.mark["DOCKER_BASE_IMAGE_METADATA_ID"]?.stringValue == baseID)
        #expect(child.mark["DOCKER_BASE_IMAGE_CHALK"] == .object(base.mark))
        let reported = try #require(child.item["DOCKER_BASE_IMAGE_CHALK"] as? [String: Any])
        #expect(reported["METADATA_ID"] as? String == baseID)
        #expect(reported["CHALK_ID"] as? String == base.mark["CHALK_ID"]?.stringValue)
        #expect(child.item["DOCKER_BASE_IMAGE_CONFIG_DIGEST"] as? String == (try imageID(baseTag)))
        #expect(child.item["DOCKER_BASE_IMAGE"] as? String == baseTag)
        #expect(child.mark["METADATA_ID"]?.stringValue != baseID)

        // BuildKit finds the same base in the local store.
        let bk = try chalkBuild("FROM \(baseTag)\nCMD [\"echo\", \"child\"]\n", tag: "chalk-test/lineage-child:bk", buildkit: true)
        #expect(bk.item["DOCKER_BASE_IMAGE_METADATA_ID"] as? String == baseID)
        #expect(bk.mark["DOCKER_BASE_IMAGE_CHALK"] == .object(base.mark))

        // `chalk extract` of the child validates its mark and shows the lineage.
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let x = try env.chalk(["extract", "chalk-test/lineage-child:1"], home: home)
        #expect(x.status == 0, "\(x.stderr)")
        let extracted = try #require((DockerEnvironment.reports(home: home).first?["_CHALKS"] as? [[String: Any]])?.first)
        #expect(extracted["_VALIDATED_METADATA"] as? Bool == true)
        #expect(extracted["DOCKER_BASE_IMAGE_METADATA_ID"] as? String == baseID)

        // The containers made to read the base's mark are gone (removed in the background).
        var left = ""
        try TestSupport.waitUntil(timeout: 5, every: 0.1) {
            left = try env.dockerRun(["ps", "-aq", "--filter", "ancestor=\(baseTag)"], home: home).stdout
            return left.isEmpty
        }
        #expect(left.isEmpty)
    }

    @Test func multiStageBaseAndCopyImages() throws {
        let bb = DockerEnvironment.busybox
        let dockerfile = """
            ARG BASE=\(bb)
            FROM ${BASE} AS builder
            RUN echo built > /artifact.txt
            FROM scratch AS empty
            COPY --from=builder /artifact.txt /from-builder.txt
            FROM builder
            RUN echo unnamed > /unnamed.txt
            FROM ${BASE}
            COPY --from=builder /artifact.txt /artifact.txt
            COPY --from=2 ["/unnamed.txt", "/u.txt"]
            COPY --from=\(bb) /bin/busybox /bb
            CMD ["cat", "/artifact.txt", "/u.txt"]
            """
        let tag = "chalk-test/multistage:1"
        let (item, mark) = try chalkBuild(dockerfile, tag: tag)
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        #expect(try env.dockerRun(["run", "--rm", tag], home: home).stdout == "built\nunnamed\n")
        let bbID = try imageID(bb)

        let bases = try #require(item["DOCKER_BASE_IMAGES"] as? [String: [String: String]])
        let bbEntry = ["from": bb, "uri": bb, "name": "chalk-test/busybox", "repo": "chalk-test/busybox", "tag": "latest",
                       "config_digest": bbID]
        #expect(Set(bases.keys) == ["builder", "empty", "2", ""])
        #expect(bases["builder"] == bbEntry)
        #expect(bases["empty"] == ["from": "scratch", "uri": "scratch"])
        var viaStage = bbEntry
        viaStage["from"] = "builder"
        #expect(bases["2"] == viaStage)
        #expect(bases[""] == bbEntry)

        let copies = try #require(item["DOCKER_COPY_IMAGES"] as? [String: [[String: Any]]])
        #expect(Set(copies.keys) == ["empty", ""])
        #expect(copies["empty"]?.count == 1)
        #expect(copies["empty"]?.first?["from"] as? String == "builder" && copies["empty"]?.first?["uri"] as? String == bb)
        #expect(copies["empty"]?.first?["src"] as? [String] == ["/artifact.txt"])
        let last = copies[""] ?? []
        #expect(last.map { $0["from"] as? String } == ["builder", "2", bb])
        #expect(last.map { $0["uri"] as? String } == [bb, bb, bb])
        #expect(last.map { $0["src"] as? [String] } == [["/artifact.txt"], ["/unnamed.txt"], ["/bin/busybox"]])
        #expect(last.map { $0["dest"] as? String } == ["/artifact.txt", "/u.txt", "/bb"])

        // The mark (mark_default) carries both, the same as the report.
        #expect(mark["DOCKER_BASE_IMAGES"]?.objectValue?.keys == ["builder", "empty", "2", ""])
        #expect(mark["DOCKER_COPY_IMAGES"]?.objectValue?["empty"]?.arrayValue?.count == 1)
        #expect(mark["DOCKER_TARGET"] == "")
        #expect(item["DOCKER_BASE_IMAGE"] as? String == bb)
    }

    @Test func requestedPlatform() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let insp = try #require(try env.inspect(DockerEnvironment.busybox, home: home))
        let platform = "\(insp["Os"] as? String ?? "")/\(insp["Architecture"] as? String ?? "")"
        let df = "FROM \(DockerEnvironment.busybox)\nCMD [\"true\"]\n"
        let given = try chalkBuild(df, tag: "chalk-test/platform:1", flags: ["--platform", platform])
        #expect(given.item["DOCKER_PLATFORMS"] as? [String] == [platform])
        #expect(given.item["DOCKER_PLATFORM"] as? String == platform)
        // Without --platform: the one platform that was built.
        let plain = try chalkBuild(df, tag: "chalk-test/platform:2")
        #expect(plain.item["DOCKER_PLATFORM"] as? String == platform)
        #expect(plain.item["DOCKER_PLATFORMS"] as? [String] == [platform])
    }
}
