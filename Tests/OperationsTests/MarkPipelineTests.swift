import Foundation
import Testing
@testable import Operations
import Config
import Marking
import Reporting
import ChalkTestSupport

/// The insert / extract / delete pipelines in-process, on real files.
@Suite struct MarkPipelineTests {
    static func context(_ op: String, config: ChalkConfig? = nil) throws -> OperationContext {
        let c = try config ?? ConfigLoader.load(ConfigLoadRequest(command: op, startDirectory: "/"))
        return OperationContext(operation: op, chalkVersion: "9.9.9", config: c, startMillis: 1_700_000_000_123)
    }

    @Test func markHasChalksKeysInChalksOrder() throws {
        let ctx = try Self.context("insert")
        let host = BuiltinChalkTimeMetadata().chalkTimeHost(ctx)
        let scan = CodecScan(artifactType: "ELF", unchalkedHash: SHA256.hexDigest([]),
                             extra: ["EMPTY": "", "$CHALK_IMPLEMENTATION_NAME": "chalk-swift", "NOT_IN_TEMPLATE": 1])
        let mark = MarkOperation.buildMark(host: host, artifact: [:], scan: scan, config: ctx.config, operation: "insert")
        let keys = MarkSerializer.orderedKeys(mark, order: ctx.config.order(of:))
        #expect(keys == ["MAGIC", "CHALK_ID", "CHALK_VERSION", "TIMESTAMP_WHEN_CHALKED", "DATETIME_WHEN_CHALKED",
                         "$CHALK_IMPLEMENTATION_NAME", "ARTIFACT_TYPE", "CHALK_RAND", "HASH", "INJECTOR_COMMIT_ID",
                         "PLATFORM_WHEN_CHALKED", "METADATA_ID"])
        #expect(mark["CHALK_ID"] == "CMSP4C-336G-T34E-9RCSHK")
        #expect(mark["TIMESTAMP_WHEN_CHALKED"] == 1_700_000_000_123)
        #expect(mark["CHALK_RAND"]?.stringValue?.count == 16)
        #expect(mark["INJECTOR_COMMIT_ID"]?.stringValue?.count == 40)
        let dt = try #require(mark["DATETIME_WHEN_CHALKED"]?.stringValue)
        #expect(dt.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.123[+-]\d\d:\d\d$"#, options: .regularExpression) != nil)
        let v = MarkValidation.validate(mark, currentHash: SHA256.hexDigest([]))
        #expect(v.valid && v.normalization == .current)
    }

    @Test func minimalTemplateStillForcesIdentityKeys() throws {
        var config = try ConfigLoader.load(ConfigLoadRequest(command: "insert", startDirectory: "/"))
        config.markTemplates["tiny"] = Template(name: "tiny", keys: ["ARTIFACT_TYPE"])
        config.outconf["insert"] = OutConf(markTemplate: "tiny", reportTemplate: "insertion_default")
        let ctx = try Self.context("insert", config: config)
        let mark = MarkOperation.buildMark(host: BuiltinChalkTimeMetadata().chalkTimeHost(ctx), artifact: [:],
                                           scan: CodecScan(artifactType: "sh", unchalkedHash: SHA256.hexDigest([1])),
                                           config: config, operation: "insert")
        #expect(Set(mark.keys) == ["MAGIC", "CHALK_ID", "CHALK_VERSION", "HASH", "ARTIFACT_TYPE", "METADATA_ID"])
    }

    @Test func legacyMarkValidatesThroughExtract() throws {
        let dir = try TestSupport.makeTempDir("chalk-ops-legacy")
        defer { TestSupport.removeTree(dir) }
        let original = "#!/usr/bin/env python\nprint('legacy')\n"
        let hash = SHA256.hexDigest(Array(original.utf8))
        var mark: ChalkObject = ["MAGIC": "dadfedabbadabbed", "CHALK_ID": .string(ChalkIdentifiers.chalkID(fromHash: hash)),
                                 "CHALK_VERSION": "0.2.2", "TIMESTAMP_WHEN_CHALKED": 1703173284113,
                                 "ARTIFACT_TYPE": "python", "HASH": .string(hash)]
        mark["METADATA_ID"] = .string(MarkNormalization.legacy.metadataIdentity(mark).id)
        let path = dir.resolvingSymlinksInPath().appendingPathComponent("old.py").path
        try Data((original + "# " + MarkSerializer.serializeString(mark) + "\n").utf8).write(to: URL(fileURLWithPath: path))
        let result = MarkOperation().run(MarkOperationRequest(kind: .extract, paths: [path], virtual: false,
                                                              context: try Self.context("extract")))
        #expect(!result.failed)
        let item = try #require(result.run.chalks.first)
        #expect(item["_VALIDATED_METADATA"] == true)
        #expect(item["_VALIDATED_NORMALIZATION"] == "legacy")
        #expect(item["_OP_ARTIFACT_PATH"] == .string(path))
        #expect(item["_CURRENT_HASH"] == .string(SHA256.hexDigest(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))))
        // delete removes it exactly.
        let del = MarkOperation().run(MarkOperationRequest(kind: .delete, paths: [path], virtual: false,
                                                           context: try Self.context("delete")))
        #expect(!del.failed && del.run.chalks.count == 1)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == original)
    }

    @Test func chalkBinariesAreProtected() throws {
        let dir = try TestSupport.makeTempDir("chalk-ops-self")
        defer { TestSupport.removeTree(dir) }
        let path = dir.resolvingSymlinksInPath().appendingPathComponent("chalkish.sh").path
        let text = "#!/bin/sh\n# { \"MAGIC\" : \"dadfedabbadabbed\", \"$CHALK_CONFIG\" : \"x\", \"$CHALK_IMPLEMENTATION_NAME\" : \"chalk-swift\" }\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let ins = MarkOperation().run(MarkOperationRequest(kind: .insert, paths: [path], virtual: false, context: try Self.context("insert")))
        #expect(ins.run.chalks.isEmpty)
        let del = MarkOperation().run(MarkOperationRequest(kind: .delete, paths: [path], virtual: false, context: try Self.context("delete")))
        #expect(del.failed && del.run.errors.first?.contains("chalk binary") == true)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
    }

    @Test func reportEnvelopeAndTemplateFiltering() throws {
        let config = try ConfigLoader.load(ConfigLoadRequest(command: "extract", startDirectory: "/"))
        var run = CollectedRun(operation: "extract", host: ["_OP_HOSTNAME": "h", "NOT_A_REPORT_KEY": 1])
        run.chalks = [["CHALK_ID": "A", "MAGIC": "dadfedabbadabbed", "_OP_ARTIFACT_PATH": "/x", "_VALIDATED_METADATA": true]]
        run.unmarked = ["/y"]
        let report = ReportBuilder.build(run, template: try #require(config.reportTemplate(for: "extract")), config: config)
        #expect(report["_OPERATION"] == "extract")
        #expect(report["NOT_A_REPORT_KEY"] == nil)
        #expect(report["_UNMARKED"] == ["/y"])
        let item = try #require(report["_CHALKS"]?.arrayValue?.first?.objectValue)
        #expect(item["MAGIC"] == nil && item["CHALK_ID"] == "A" && item["_VALIDATED_METADATA"] == true)
        let line = ReportJSON.envelope([report])
        #expect(line.hasPrefix("[ { ") && line.hasSuffix(" } ]\n"))
        #expect(line.filter { $0 == "\n" }.count == 1)
        let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [[String: Any]]
        #expect(parsed?.first?["_OPERATION"] as? String == "extract")
        // Nothing marked: no _CHALKS at all.
        #expect(ReportBuilder.build(CollectedRun(operation: "extract"), template: try #require(config.reportTemplate(for: "extract")), config: config)["_CHALKS"] == nil)
    }

    @Test func dateTimeFormat() {
        setenv("TZ", "UTC", 1); tzset()
        #expect(OperationTime(milliseconds: 1_710_356_599_977).dateTime == "2024-03-13T19:03:19.977+00:00")
    }
}

extension MarkPipelineTests {
    @Test func placeholderLeftInsideALineCountsAsUnmarked() throws {
        let dir = try TestSupport.makeTempDir("chalk-ops-placeholder")
        defer { TestSupport.removeTree(dir) }
        let path = dir.resolvingSymlinksInPath().appendingPathComponent("inline.sh").path
        let original = "#!/bin/sh\necho '{ \"MAGIC\" : \"dadfedabbadabbed\" }' done\n"
        try Data(original.utf8).write(to: URL(fileURLWithPath: path))
        func run(_ kind: OperationKind, _ op: String) throws -> MarkOperationResult {
            MarkOperation().run(MarkOperationRequest(kind: kind, paths: [path], virtual: false, context: try Self.context(op)))
        }
        let ins = try run(.insert, "insert")
        #expect(!ins.failed && ins.run.chalks.count == 1)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("#!/bin/sh\necho '{ \"MAGIC\" : \"dadfedabbadabbed\", \"CHALK_ID\" : ") && text.hasSuffix(" }' done\n"))
        let ext = try run(.extract, "extract")
        #expect(!ext.failed && ext.run.chalks.first?["_VALIDATED_METADATA"] == true)
        let del = try run(.delete, "delete")
        #expect(!del.failed && del.run.chalks.count == 1)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == original)
        let again = try run(.extract, "extract")
        #expect(!again.failed && again.run.chalks.isEmpty && again.run.unmarked == [path])
    }
}
