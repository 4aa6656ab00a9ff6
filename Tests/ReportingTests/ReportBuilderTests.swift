import Testing
import Foundation
import Marking
import Config
@testable import Reporting

@Suite struct ReportBuilderTests {
    @Test func templateChoosesHostAndArtifactKeysInKeyOrder() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        var config = Fixtures.config(dir: dir)
        var run = Fixtures.run("extract")
        run.errors = ["something failed"]
        run.chalks.append(["NOT_USED": "only unused keys"])  // filtered to empty: skipped
        run.host["_OP_HOSTNAME"] = ""                         // empty values are left out
        let r = ReportBuilder.build(run, template: config.reportTemplates["all"]!, config: config)
        #expect(r.keys == ["_OPERATION", "_TIMESTAMP", "_CHALKS", "_ACTION_ID", "_OP_ERRORS", "_UNMARKED",
                           "_OP_CHALK_COUNT", "_OP_UNMARKED_COUNT"])
        #expect(r["_OPERATION"] == "extract")
        let chalks = try #require(r["_CHALKS"]?.arrayValue)
        #expect(chalks.count == 1)
        #expect(chalks[0].objectValue?.keys == ["CHALK_ID", "HASH", "_OP_ARTIFACT_PATH"])
        #expect(r["_UNMARKED"] == ["/tmp/b.txt"])
        #expect(r["_OP_ERRORS"] == ["something failed"])
        #expect(r["_OP_CHALK_COUNT"] == 2)
        #expect(r["_OP_UNMARKED_COUNT"] == 1)

        // A template's own `order` wins over the keyspec's.
        var t = config.reportTemplates["all"]!
        t.order["_OP_UNMARKED_COUNT"] = -1
        config.reportTemplates["all"] = t
        #expect(ReportBuilder.build(run, template: t, config: config).keys.first == "_OP_UNMARKED_COUNT")
    }

    @Test func smallTemplateGivesOnlyItsKeys() throws {
        let dir = try TestSupportDir.make()
        defer { TestSupportDir.remove(dir) }
        let config = Fixtures.config(dir: dir)
        let r = ReportBuilder.build(Fixtures.run(), template: config.reportTemplates["small"]!, config: config)
        #expect(r.keys == ["_OPERATION", "_CHALKS"])
        #expect(r["_CHALKS"] == .array([.object(["CHALK_ID": "C4TPCR-SSCH-GKJR-V46DGK"])]))
        // No marked artifacts: `_CHALKS` is absent.
        let none = ReportBuilder.build(CollectedRun(operation: "extract"), template: config.reportTemplates["small"]!, config: config)
        #expect(none.keys == ["_OPERATION"])
    }
}

enum TestSupportDir {
    static func make() throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("chalk-rep-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }
    static func remove(_ u: URL) { try? FileManager.default.removeItem(at: u) }
}
