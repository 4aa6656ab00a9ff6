import Foundation
import Ingest
import Testing

@Suite("Canonical JSON and report identity")
struct CanonicalJSONTests {
    @Test("key order and whitespace don't change a report's identity")
    func identityIgnoresFormatting() throws {
        let a = try JSONParser.parse(#"{"b":1,"a":{"y":[1,2,{"q":null}],"x":"s"},"_OPERATION":"insert"}"#)
        let b = try JSONParser.parse("{ \"_OPERATION\" : \"insert\",\n \"a\": {\"x\":\"s\", \"y\": [1, 2, {\"q\": null}]},\t\"b\": 1 }")
        #expect(CanonicalJSON.identity(a) == CanonicalJSON.identity(b))
        #expect(CanonicalJSON.text(a) == #"{"_OPERATION":"insert","a":{"x":"s","y":[1,2,{"q":null}]},"b":1}"#)
        let c = try JSONParser.parse(#"{"b":2,"a":{"y":[1,2,{"q":null}],"x":"s"},"_OPERATION":"insert"}"#)
        #expect(CanonicalJSON.identity(a) != CanonicalJSON.identity(c))
    }

    @Test("strings are re-escaped minimally and numbers kept as written")
    func escapesAndNumbers() throws {
        let v = try JSONParser.parse(#"["\u00e9\/\"\\\n\u0001", 1.50, -0, 1e3, "\ud83d\ude00"]"#)
        #expect(CanonicalJSON.text(v) == "[\"é/\\\"\\\\\\n\\u0001\",1.50,-0,1e3,\"😀\"]")
    }

    @Test("SHA-256 matches the FIPS 180-2 vector")
    func sha256Vector() {
        #expect(sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("malformed JSON is rejected with an offset", arguments: [
        "", "[", "[1,]", "{\"a\":1,\"a\":2}", "[\"\\ud800\"]", "[01]", "[1] x", "{\"a\" 1}", "[\"a\u{1}\"]", "[tru]",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test("deep nesting is bounded, not a stack overflow")
    func deepNesting() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test("a report needs a string _OPERATION; builds come from _CHALKS items with METADATA_ID")
    func preparedReport() throws {
        #expect(throws: ReportRejection.self) { try PreparedReport(JSONParser.parse("5")) }
        #expect(throws: ReportRejection.self) { try PreparedReport(JSONParser.parse(#"{"_OPERATION":3}"#)) }
        let r = try PreparedReport(JSONParser.parse("""
            {"_OPERATION":"Exec","_OP_HOSTNAME":"h","_EXEC_ID":"e","_EXEC_REPORTING_PROBABILITY":25,
             "_ENV":{"AWS_LAMBDA_FUNCTION_NAME":"fn"},"_K8S_POD_NAME":"pod-1","_INSTANCE_CONTAINER_ID":"c",
             "_REPO_DIGESTS":{"registry.example:5000":{"acme/app":["sha256:0123"]}},
             "_CHALKS":[{"METADATA_ID":"M","CHALK_ID":"C","DOCKER_TAGS":["acme/app:1"]},{"CHALK_ID":"no-mid"}]}
            """))
        #expect(r.operation == "exec")
        #expect(r.place == RuntimePlace(host: "h", container: "c", pod: "pod-1", function: "fn"))
        #expect(r.probability == 25)
        #expect(r.builds.map(\.metadataID) == ["M"])
        #expect(r.builds[0].chalkRecord == nil)  // only insert/build reports make /chalks records
        #expect(Set(r.builds[0].images) == ["acme/app:1", "sha256:0123", "registry.example:5000/acme/app@sha256:0123"])
    }

    @Test("marks and /chalks records cut from the report's canonical text equal the items serialised on their own")
    func marksAndRecordsMatchTreeSerialisation() throws {
        // Escaped keys and values, a key the item shares with the report (the report's wins),
        // keys that sort before and after _CHALKS, and a non-ASCII string past an 8-byte run.
        let text = #"""
            {"_OPERATION":"insert","zeta":[1,{"b":2,"a":"x"}],"COMMIT_ID":"report-wins","\u0041key":"v\/\"q\"",
             "_CHALKS":[{"METADATA_ID":"M1","CHALK_ID":"C1","COMMIT_ID":"item-loses","nested":{"y":1,"x":[true,null]},
                         "DOCKER_TAGS":["acme/app:1"]},
                        {"METADATA_ID":"M2","CHALK_ID":"C2","note":"caf\u00e9 — ünïcödé","\t":"tab key"}],
             "_ENV":{"PATH":"/usr/bin","LANG":"C.UTF-8 — long enough ascii before it"}}
            """#
        let value = try JSONParser.parse(text)
        let report = try PreparedReport(tape: JSONParser.tape(Array(text.utf8)), at: JSONTape.root, withTexts: true)
        #expect(report.canonical == CanonicalJSON.text(value))
        #expect(report.identity == CanonicalJSON.identity(value))
        guard case let .object(members) = value, let chalks = value["_CHALKS"]?.arrayValue else {
            Issue.record("fixture is not an object with _CHALKS"); return
        }
        let reportKeys = members.filter { $0.key != "_CHALKS" }
        #expect(report.builds.map(\.metadataID) == ["M1", "M2"])
        for (build, item) in zip(report.builds, chalks) {
            #expect(build.mark == CanonicalJSON.text(item))
            guard case let .object(itemMembers) = item else { continue }
            var merged = itemMembers.filter { m in !reportKeys.contains { $0.key == m.key } }
            merged.append(contentsOf: reportKeys)
            #expect(build.chalkRecord == CanonicalJSON.text(.object(merged)))
        }
        #expect(report.builds[0].chalkRecord?.contains(#""COMMIT_ID":"report-wins""#) == true)
        #expect(report.builds[0].images == ["acme/app:1"])
        // The JSONValue entry point gives the same report.
        let viaValue = try PreparedReport(value)
        #expect(viaValue.identity == report.identity && viaValue.builds.map(\.chalkRecord) == report.builds.map(\.chalkRecord))
    }

    @Test("an escape, a quote or a control character is found at every offset of a long string")
    func specialBytesAtEveryOffset() throws {
        for offset in 0..<20 {
            let before = String(repeating: "a", count: offset), after = String(repeating: "b", count: 19 - offset)
            // An escaped quote and an escaped backslash decode wherever they sit.
            let escaped = try JSONParser.parse("\"" + before + #"\"x\\"# + after + "\"")
            #expect(escaped == .string(before + "\"x\\" + after), "offset \(offset)")
            // The string ends at the first unescaped quote, so what follows is trailing data.
            #expect(throws: JSONParseError.self) { try JSONParser.parse("\"" + before + "\"" + after + "\"") }
            // A raw control character is invalid anywhere.
            #expect(throws: JSONParseError.self) { try JSONParser.parse("\"" + before + "\u{01}" + after + "\"") }
            #expect(throws: JSONParseError.self) { try JSONParser.parse("\"" + before + "\n" + after + "\"") }
            // Non-ASCII bytes are content, not specials.
            #expect(try JSONParser.parse("\"" + before + "é\u{7f}" + after + "\"") == .string(before + "é\u{7f}" + after))
        }
    }

    @Test("invalid UTF-8 is rejected, also right after a run of ASCII", arguments: [
        [0x22, 0xC0, 0xAF, 0x22],                                  // overlong "/"
        [0x22, 0xED, 0xA0, 0x80, 0x22],                            // a UTF-16 surrogate as UTF-8
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],                      // past U+10FFFF
        Array("\"0123456789abcdef".utf8) + [0xE2, 0x82, 0x22],     // truncated after an ASCII run
    ] as [[UInt8]])
    func rejectsInvalidUTF8(_ bytes: [UInt8]) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
    }

    @Test("valid multi-byte UTF-8 after long ASCII runs parses and round-trips")
    func acceptsMultibyte() throws {
        let text = "[\"" + String(repeating: "a", count: 23) + "é😀€\",\"" + String(repeating: "b", count: 9) + "\"]"
        #expect(CanonicalJSON.text(try JSONParser.parse(text)) == text)
    }

    @Test("RFC 3339 times round-trip and offsets are honoured")
    func timestamps() {
        #expect(Timestamp.parse("2025-11-30T08:00:00Z") == 1_764_489_600_000_000)
        #expect(Timestamp.parse("2025-11-30T09:00:00+01:00") == 1_764_489_600_000_000)
        #expect(Timestamp.parse("2025-11-30T08:00:00.25Z") == 1_764_489_600_250_000)
        #expect(Timestamp.parse("2026-11-30") == nil)
        #expect(Timestamp.parse(Timestamp.format(1_764_489_600_123_456)) == 1_764_489_600_123_456)
    }

    @Test("sizes for --max-body")
    func sizes() {
        #expect(ServerOptions.parseSize("10MiB") == 10 << 20)
        #expect(ServerOptions.parseSize("512") == 512)
        #expect(ServerOptions.parseSize("1KiB") == 1024)
        #expect(ServerOptions.parseSize("ten") == nil)
    }

    @Test("database URLs")
    func databaseURLs() throws {
        #expect(try DatabaseURL(parsing: "sqlite:///var/lib/chalk/db.sqlite") == .sqlite(path: "/var/lib/chalk/db.sqlite"))
        #expect(try DatabaseURL(parsing: "sqlite:////var/x.db") == .sqlite(path: "/var/x.db"))
        #expect(throws: ServerError.self) { try DatabaseURL(parsing: "sqlite://relative.db") }
        guard case let .postgres(p) = try DatabaseURL(parsing: "postgres://chalk@127.0.0.1:5433/reports") else {
            Issue.record("not postgres"); return
        }
        #expect(p.user == "chalk" && p.host == "127.0.0.1" && p.port == 5433 && p.database == "reports")
        #expect(throws: ServerError.self) { try DatabaseURL(parsing: "mysql://x@y/z") }
    }
}
