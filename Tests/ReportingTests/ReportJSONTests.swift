import Testing
import Marking
@testable import Reporting

@Suite struct ReportJSONTests {
    @Test func stringsAreEscapedLikeChalk() {
        let s = "q\" b\\ n\n r\r t\t bs\u{08} ff\u{0C} vt\u{0B} esc\u{1B} nul\u{00} slash/ é✓ del\u{7F}"
        #expect(ReportJSON.quote(s) ==
            "\"q\\\" b\\\\ n\\n r\\r t\\t bs\\b ff\\f vt\\u000b esc\\u001B nul\\u0000 slash/ é✓ del\u{7F}\"")
    }

    @Test func envelopeIsOneLineWithChalkSpacing() {
        let report: ChalkObject = ["_OPERATION": "insert", "n": -3, "ok": true, "none": .null, "list": ["a", 2],
                                   "empty": .object([:]), "nested": .object(["k": "v"]), "el": .array([])]
        #expect(ReportJSON.envelope([report]) ==
            "[ { \"_OPERATION\" : \"insert\", \"n\" : -3, \"ok\" : true, \"none\" : null, \"list\" : [\"a\", 2], "
            + "\"empty\" : {  }, \"nested\" : { \"k\" : \"v\" }, \"el\" : [] } ]\n")
        #expect(ReportJSON.envelope(objectTexts: ["{ \"a\" : 1 }", "{ \"b\" : 2 }"]) == "[ { \"a\" : 1 }, { \"b\" : 2 } ]\n")
    }

    @Test func parserReadsWhatTheWriterWrites() throws {
        let value: ChalkValue = .array([.object(["z": "é\"\n\u{1B}", "a": [1, -2, 3.5, true, .null], "o": .object(["x": .object([:])])])])
        #expect(try ReportJSONParser.parse(ReportJSON.compact(value)) == value)
        #expect(try ReportJSONParser.parse(ReportJSON.pretty(value)) == value)
        #expect(try ReportJSONParser.parse("\"\\u00e9\\ud83d\\ude00\"") == .string("é😀"))
    }

    @Test func parserRejectsBrokenInputWithOffset() {
        for bad in ["[1, 2", "{\"a\" 1}", "[tru]", "\"abc", "{} x", String(repeating: "[", count: 1000)] {
            #expect(throws: ReportJSONParser.ParseError.self) { try ReportJSONParser.parse(bad) }
        }
        do {
            _ = try ReportJSONParser.parse("[1, @]")
            Issue.record("accepted bad JSON")
        } catch {
            #expect(error.offset == 4)
        }
    }
}
