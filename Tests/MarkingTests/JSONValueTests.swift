import Testing
@testable import Marking

/// The shared JSON parser and writer: what every dialect shares and where `.mark` and
/// `.standard` (and the write styles) deliberately differ.
@Suite struct JSONValueTests {
    private func standard(_ text: String) throws(JSONValueParser.Failure) -> ChalkValue {
        try JSONValueParser.parseDocument(text, options: .standard)
    }

    private func mark(_ text: String) throws(JSONValueParser.Failure) -> ChalkValue {
        try JSONValueParser.parseDocument(text, options: .mark)
    }

    @Test func bothDialectsReadStandardJSON() throws {
        let text = #" [ {"a": 1, "b": [true, false, null], "c": -2.5e1, "d": "\u00e9\ud83d\ude00\/\n", "a": 3}, [], {} ] "#
        let want: ChalkValue = [.object(["a": 3, "b": [true, false, .null], "c": .float(-25), "d": "é😀/\n"]), [], .object([:])]
        #expect(try standard(text) == want)
        #expect(try mark(text) == want)
        // Duplicate keys: last value wins at the first key's position.
        #expect(try standard(#"{"a":1,"b":2,"a":3}"#).objectValue?.keys == ["a", "b"])
    }

    @Test func bareDecimalPointIsOnlyForMarks() throws {
        #expect(try mark("[1., 1.e2]") == [.float(1), .float(100)])
        #expect(throws: JSONValueParser.Failure.self) { try standard("[1.]") }
        #expect(throws: JSONValueParser.Failure.self) { try standard("[1.e2]") }
    }

    @Test func oversizedIntegersAreFloatsOnlyInStandard() throws {
        #expect(try standard("18446744073709551615") == .float(18446744073709551615.0))
        #expect(try standard("9223372036854775807") == .int(Int64.max))
        #expect(throws: JSONValueParser.Failure.self) { try mark("[18446744073709551615]") }
        // Infinity is refused by both.
        #expect(throws: JSONValueParser.Failure.self) { try standard("1e999") }
    }

    @Test func nulInStringsIsOnlyRefusedInMarks() throws {
        #expect(try standard("\"a\u{0}b\\u0000\"") == .string("a\u{0}b\u{0}"))
        #expect(throws: JSONValueParser.Failure.self) { try mark("[\"a\u{0}b\"]") }
    }

    @Test(arguments: ["[1, 2", #"{"a" 1}"#, "[tru]", "\"abc", "{} x", "01", "-", "+1", ".5", #""\x""#, #""\u12""#,
                      "[1,]", "{\"a\":1,}", "", "  ", "nul"])
    func bothDialectsRejectBrokenJSON(_ text: String) {
        #expect(throws: JSONValueParser.Failure.self) { try standard(text) }
        #expect(throws: JSONValueParser.Failure.self) { try mark(text) }
    }

    @Test func depthLimitIsAnOption() throws {
        let nested = String(repeating: "[", count: 150) + String(repeating: "]", count: 150)
        #expect(throws: Never.self) { try JSONValueParser.parseDocument(nested, options: .standard) }
        #expect(throws: JSONValueParser.Failure.self) {
            try JSONValueParser.parseDocument(nested, options: JSONParseOptions.standard.maxDepth(100))
        }
        #expect(throws: JSONValueParser.Failure.self) { try standard(String(repeating: "[", count: 100_000)) }
    }

    @Test func failuresCarryTheOffset() {
        do {
            _ = try standard("[1, @]")
            Issue.record("accepted bad JSON")
        } catch {
            #expect(error.offset == 4)
        }
        #expect(throws: JSONValueParser.Failure.self) { try JSONValueParser.parseDocument([0x22, 0xFF, 0x22], options: .standard) }
    }

    @Test func parseValueStopsAfterTheValue() throws {
        let bytes = Array(#"  {"a":[1]}  trailing"#.utf8)
        let (v, end) = try bytes.withUnsafeBytes { b in try JSONValueParser.parseValue(b, at: 0, options: .mark) }
        #expect(v == .object(["a": [1]]) && end == 11)
    }

    @Test func writerStyles() {
        let v: ChalkValue = .object(["k": [1, "v\u{0B}\u{1B}"], "e": .object([:]), "l": [], "f": .float(.nan), "x": 2.5])
        #expect(JSONValueWriter.string(v, style: .mark) ==
            #"{ "k" : [1, "v\u000b\u001B"], "e" : {  }, "l" : [], "f" : nan, "x" : 2.5 }"#)
        #expect(JSONValueWriter.string(v, style: .chalk) ==
            #"{ "k" : [1, "v\u000b\u001B"], "e" : {  }, "l" : [], "f" : null, "x" : 2.5 }"#)
        #expect(JSONValueWriter.string(v, style: .tight) ==
            #"{"k" : [1, "v\u000b\u001B"], "e" : {}, "l" : [], "f" : null, "x" : 2.5}"#)
        #expect(JSONValueWriter.string(v, style: .pretty) ==
            "{\n  \"k\": [\n    1,\n    \"v\\u000b\\u001B\"\n  ],\n  \"e\": {},\n  \"l\": [],\n  \"f\": null,\n  \"x\": 2.5\n}")
        #expect(JSONValueWriter.string(.float(-.infinity), style: .mark) == "-inf")
    }

    @Test func writerOutputParsesBackInEveryStyle() throws {
        let v: ChalkValue = [.object(["z": "é\"\\\n\u{1}\u{7F}/", "a": [1, -2, 3.5, true, .null], "o": .object(["x": .object([:])])])]
        for style in [JSONWriteStyle.mark, .chalk, .tight, .pretty] {
            #expect(try standard(JSONValueWriter.string(v, style: style)) == v)
        }
    }
}
