import Marking
import Testing
@testable import Config

@Suite struct SelfConfigTests {
    @Test func firstLoadStartsTheCountAtZero() {
        let m = SelfConfig.updatedMark(current: nil, configSource: "log_level: \"error\"\n")
        #expect(m["$CHALK_CONFIG"] == "log_level: \"error\"\n")
        #expect(m["$CHALK_LOAD_COUNT"] == 0)
        #expect(m["$CHALK_IMPLEMENTATION_NAME"] == "chalk-swift")
    }

    @Test func reloadKeepsOtherKeysAndCounts() {
        let current: ChalkObject = ["MAGIC": "dadfedabbadabbed", "CHALK_ID": "X", "$CHALK_CONFIG": "old", "$CHALK_LOAD_COUNT": 3,
                                    "$CHALK_MEMOIZE": .object(["a": "b"])]
        let m = SelfConfig.updatedMark(current: current, configSource: "new")
        #expect(m["$CHALK_CONFIG"] == "new")
        #expect(m["$CHALK_LOAD_COUNT"] == 4)
        #expect(m["CHALK_ID"] == "X")
        #expect(m["$CHALK_MEMOIZE"] == .object(["a": "b"]))
        #expect(SelfConfig.embeddedSource(in: m) == "new")
    }

    @Test func loadDefaultRemovesTheConfig() {
        let current: ChalkObject = ["$CHALK_CONFIG": "old", "$CHALK_LOAD_COUNT": 1, "$CHALK_COMPONENT_CACHE": .object([:])]
        let m = SelfConfig.updatedMark(current: current, configSource: nil)
        #expect(m["$CHALK_CONFIG"] == nil)
        #expect(m["$CHALK_COMPONENT_CACHE"] == nil)
        #expect(m["$CHALK_LOAD_COUNT"] == 2)
        #expect(SelfConfig.embeddedSource(in: m) == nil)
    }

    @Test func candidateValidation() throws {
        let ok = try ConfigLoader.validateCandidate(source: seedConfig, file: "seed.c4m", startDirectory: "/tmp")
        #expect(ok.customReports["chalk_localdisk_logger"] != nil)
        do {
            _ = try ConfigLoader.validateCandidate(source: "x := 1\nunsubscribe(\"report\", \"nope\")", file: "c.c4m", startDirectory: "/tmp")
            Issue.record("expected a refusal")
        } catch {
            #expect(error.description == "c.c4m:2:1: unsubscribe(\"report\", \"nope\"): no sink_config named 'nope'")
        }
    }
}
