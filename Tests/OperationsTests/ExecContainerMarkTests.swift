import Foundation
import Testing
@testable import Operations
import Config
import Marking
import Reporting

/// A container's `/chalk.json` in the exec report carries the same validation keys as
/// `chalk extract` gives an image's mark (RULINGS 6, 19).
@Suite struct ExecContainerMarkTests {
    /// A real mark as `docker build` writes it to /chalk.json (built by the insert code path).
    static func imageMark() throws -> [UInt8] {
        let config = try ConfigLoader.load(ConfigLoadRequest(command: "build", startDirectory: "/"))
        let ctx = OperationContext(operation: "build", chalkVersion: "9.9.9", config: config, startMillis: 1_700_000_000_123)
        let host = BuiltinChalkTimeMetadata().chalkTimeHost(ctx)
        let scan = CodecScan(artifactType: "Docker Image", unchalkedHash: SHA256.hexDigest(Array("image".utf8)))
        let mark = MarkOperation.buildMark(host: host, artifact: [:], scan: scan, config: config, operation: "build")
        return MarkSerializer.serialize(mark, order: config.order(of:))
    }

    @Test func validContainerMarkIsReportedValidated() throws {
        let item = try #require(ExecMarkReader.containerItem(markBytes: try Self.imageMark(), artifactType: "Docker Image"))
        #expect(item["_OP_ARTIFACT_PATH"] == "/chalk.json")
        #expect(item["_OP_ARTIFACT_TYPE"] == "Docker Image")
        #expect(item["MAGIC"] == nil)
        #expect(item["_VALIDATED_METADATA"] == true)
        #expect(item["_VALIDATED_NORMALIZATION"] == "current")
    }

    @Test func tamperedContainerMarkIsReportedNotValidated() throws {
        var text = String(decoding: try Self.imageMark(), as: UTF8.self)
        let r = try #require(text.range(of: #""CHALK_VERSION" : "9.9.9""#))
        text.replaceSubrange(r, with: #""CHALK_VERSION" : "9.9.8""#)
        let item = try #require(ExecMarkReader.containerItem(markBytes: Array(text.utf8), artifactType: "Docker Container"))
        #expect(item["CHALK_VERSION"] == "9.9.8")
        #expect(item["_VALIDATED_METADATA"] == false)
        #expect(item["_VALIDATED_NORMALIZATION"] == nil)
    }

    @Test func bytesThatAreNotAMarkGiveNoItem() {
        #expect(ExecMarkReader.containerItem(markBytes: Array("{ not json".utf8), artifactType: "Docker Image") == nil)
    }
}
