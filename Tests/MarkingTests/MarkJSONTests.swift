import Testing
@testable import Marking

/// Serializer bytes and escapes (§1.3, §1.4), the parser (§1.5) and the finder (§1.6).
@Suite struct MarkJSONTests {
    @Test func realMarkRoundTripsByteForByte() throws {
        let bytes = Array(IdentifierVectorTests.realMark.utf8)
        let mark = try MarkParser.parseWholeObject(bytes)
        #expect(MarkSerializer.serialize(mark) == bytes)
    }

    @Test func keyOrderFollowsChalk() {
        let m: ChalkObject = ["METADATA_ID": "m", "SIGNATURE": "s", "COMMIT_ID": 1, "COMMITTER": 2, "$CHALK_CONFIG": "c",
                              "DATETIME_WHEN_CHALKED": "d", "MAGIC": "dadfedabbadabbed", "CHALK_ID": "i", "@STORE": "x",
                              "SIGNING": true, "TIMESTAMP_WHEN_CHALKED": 3, "CHALK_VERSION": "v", "ERR_INFO": ["e"]]
        #expect(MarkSerializer.orderedKeys(m) == ["MAGIC", "CHALK_ID", "CHALK_VERSION", "TIMESTAMP_WHEN_CHALKED",
            "DATETIME_WHEN_CHALKED", "$CHALK_CONFIG", "COMMITTER", "COMMIT_ID", "@STORE", "ERR_INFO", "SIGNING",
            "METADATA_ID", "SIGNATURE"])
        // A caller-supplied order function wins.
        #expect(MarkSerializer.orderedKeys(["A": 1, "B": 2], order: { $0 == "B" ? 0 : 1 }) == ["B", "A"])
    }

    @Test func escapesAreNims() {
        let s = "q\"b\\s/\n\r\t\u{08}\u{0C}\u{0B}\u{00}\u{07}\u{1B}\u{1F}\u{7F}é"
        let out = String(decoding: MarkSerializer.serialize(["K": .string(s)]), as: UTF8.self)
        #expect(out == "{ \"K\" : \"q\\\"b\\\\s/\\n\\r\\t\\b\\f\\u000b\\u0000\\u0007\\u001B\\u001F\u{7F}é\" }")
    }

    @Test func valueShapes() {
        let o: ChalkObject = ["A": [1, "x", false], "E": [], "N": .null, "O": .object(["z": 1, "a": -2]),
                              "P": .object([:]), "F": 2.5]
        #expect(MarkSerializer.serializeString(o) ==
            #"{ "A" : [1, "x", false], "E" : [], "F" : 2.5, "N" : null, "O" : { "z" : 1, "a" : -2 }, "P" : {  } }"#)
        #expect(MarkSerializer.serialize(["MAGIC": "dadfedabbadabbed"]) == MarkFinder.placeholder)
    }

    @Test func parserAcceptsChalksGrammar() throws {
        let text = #"  {"a":1,"b" : [ true , null ],"c":{},"d":-0.5e2,"e":"\u00e9\/\ud83d\ude00","f":1.} tail"#
        let (o, end) = try MarkParser.parseObject(Array(text.utf8))
        #expect(o["a"] == 1 && o["c"] == .object([:]) && o["d"] == .float(-50) && o["f"] == .float(1))
        #expect(o["b"] == [true, .null])
        #expect(o["e"] == "é/😀")
        #expect(end == text.utf8.count - 5)
        // Duplicate keys: last wins, first position kept.
        let d = try MarkParser.parseWholeObject(Array(#"{"a":1,"b":2,"a":3}"#.utf8))
        #expect(d.keys == ["a", "b"] && d["a"] == 3)
        // Raw control bytes (not NUL) are accepted inside strings.
        #expect(try MarkParser.parseWholeObject(Array("{\"a\":\"x\u{01}\ty\"}".utf8))["a"] == "x\u{01}\ty")
    }

    @Test(arguments: [
        #"{"a":1,}"#, #"{"a" 1}"#, #"{a:1}"#, #"{"a":01}"#, #"{"a":"\x"}"#, #"{"a":tru}"#, #"[1]"#, #"{"a":-}"#,
        #"{"a":1"#, #"{"a":"unterminated"#, #"{"a":99999999999999999999}"#, #"{"a":1e}"#, "{\"a\":\"\u{0}\"}", "",
    ])
    func parserRejects(_ text: String) {
        #expect(throws: MarkParser.Failure.self) { try MarkParser.parseObject(Array(text.utf8)) }
    }

    @Test func parserRejectsInvalidUTF8AndDeepNesting() {
        #expect(throws: MarkParser.Failure.self) { try MarkParser.parseObject([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]) }
        let deep = Array(("{\"a\":" + String(repeating: "[", count: 100_000)).utf8)
        #expect(throws: MarkParser.Failure.self) { try MarkParser.parseObject(deep) }
    }

    @Test func finderBackScanRules() {
        func find(_ s: String) -> FoundMark? { MarkFinder.firstValidMark(in: Array(s.utf8)) }
        #expect(find(#"xx{"MAGIC":"dadfedabbadabbed"}yy"#)?.start == 2)
        #expect(find(#"xx{"MAGIC":"dadfedabbadabbed"}yy"#)?.end == 30)
        #expect(find(#"{   "MAGIC"   :   "dadfedabbadabbed" , "A" : 1 }"#)?.object["A"] == 1)
        #expect(find("{\n\"MAGIC\" : \"dadfedabbadabbed\" }") == nil)  // newline breaks the back-scan
        #expect(find("{\t\"MAGIC\" : \"dadfedabbadabbed\" }") == nil)
        #expect(find(#"dadfedabbadabbed "MAGIC" : "dadfedabbadabbed""#) == nil)
        // The first valid mark wins; broken ones before it are skipped.
        let s = #"{ "MAGIC" : "dadfedabbadabbed", broken } then { "MAGIC" : "dadfedabbadabbed", "N" : 2 } and { "MAGIC" : "dadfedabbadabbed", "N" : 3 }"#
        #expect(find(s)?.object["N"] == 2)
        // `limit` and `from` bound where the magic may be.
        #expect(MarkFinder.firstValidMark(in: Array(s.utf8), from: 60)?.object["N"] == 3)
        #expect(MarkFinder.firstValidMark(in: Array(s.utf8), limit: 40) == nil)
        #expect(find("dadfedabbadabbed") == nil && find("") == nil)
    }
}
