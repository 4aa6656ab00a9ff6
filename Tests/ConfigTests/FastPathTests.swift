import Testing
@testable import Config

/// The fast paths of the config pipeline (byte lexer, streaming tokens, cached current section,
/// operator levels, lone operands) behave exactly like the straightforward ones.
@Suite struct ConfigFastPathTests {
    @Test func lexerOperatorLevelsMatchTheParserLadder() throws {
        let src = "a || b && c != d == e is f >= g <= h > i < j + k - l % m * n / o or p and q -> r := s ~ t"
        let toks = try Lexer.tokenize(file: "f", source: src)
        for t in toks {
            // The lexer's level (from the bytes) and Token's own (from the kind) agree.
            #expect(t.operatorLevel == Token(kind: t.kind, pos: t.pos).operatorLevel, "\(t.display)")
        }
        let levels = toks.filter { $0.operatorLevel >= 0 }.map(\.operatorLevel)
        #expect(levels == [0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 1])
    }

    @Test func columnsCountScalarsNotBytes() throws {
        let toks = try Lexer.tokenize(file: "f", source: "é: \"ü😀\" + 'ß'\n  x")
        #expect(toks.map(\.pos) == [SourcePos(line: 1, column: 1), SourcePos(line: 1, column: 2),
                                    SourcePos(line: 1, column: 4), SourcePos(line: 1, column: 9),
                                    SourcePos(line: 1, column: 11), SourcePos(line: 1, column: 14),
                                    SourcePos(line: 2, column: 3), SourcePos(line: 2, column: 4),
                                    SourcePos(line: 2, column: 4)])
        #expect(toks[0].kind == .identifier("é"))
        #expect(toks[2].kind == .string("ü😀"))
        #expect(toks[4].kind == .char("ß"))
        #expect(configError("x := 1\ny := \"a\" ¤") == "t.c4m:2:10: unexpected character '¤'")
    }

    @Test func aLexingErrorAnywhereComesBeforeAParseError() {
        // The parse error (line 1) comes first in the file, the lexing error (line 3) wins: as
        // when the whole file was lexed before parsing.
        #expect(configError("x = )\ny := 1\nz := \"open\n") == "t.c4m:3:6: unterminated string: expected a closing \" on the same line")
        #expect(configError("x = )\n") == "t.c4m:1:5: expected a value, found ')'")
        // A lexing error inside a construct the parser is still reading.
        #expect(configError("x := [1,\n 2 & 3]\n") == "t.c4m:2:4: a lone '&' is not an operator: expected '&&'")
    }

    @Test func longFilesAndLongLookaheadParse() throws {
        // More tokens than the parser keeps, and a dotted path longer than any window.
        var src = ""
        for k in 0..<400 { src += "v\(k) := \(k) + 1\n" }
        src += "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z = 5\n"
        let i = try runConfig(src)
        #expect(i.globals["v399"] == .int(400))
        #expect(i.root.value(at: "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z".split(separator: ".").map(String.init)) == .int(5))
    }

    @Test func assignmentsInSectionsReachTheSameNodesAsFromTheRoot() throws {
        let i = try runConfig("""
            outer inner {
              a.b = 1
              deep { c = 2; d.e = 3 }
            }
            outer.inner.a.f = 4
            outer inner { a.b = 5 }
            """)
        #expect(i.root.value(at: ["outer", "inner", "a", "b"]) == .int(5))
        #expect(i.root.value(at: ["outer", "inner", "a", "f"]) == .int(4))
        #expect(i.root.value(at: ["outer", "inner", "deep", "c"]) == .int(2))
        #expect(i.root.value(at: ["outer", "inner", "deep", "d", "e"]) == .int(3))
        #expect(i.root.lookup(["outer"])?.childNodes.map(\.name) == ["inner"])
        // Errors still name the whole path from the root.
        #expect(configError("s t {\n  a = 1\n  a.b = 2\n}\n") == "t.c4m:3:3: 's.t.a' is an attribute, so it cannot hold 'b'")
        #expect(configError("s t {\n  a.b = 1\n  a = 2\n}\n") == "t.c4m:3:3: 's.t.a' is a section, not an attribute: expected 's.t.a { … }' or 's.t.a.FIELD = value'")
    }

    @Test func aNameThatIsBothFieldAndSectionIsStillRefusedInsideItsSection() {
        // `report_template.t` is a field; `report_template t { … }` then opens a section of the
        // same name (only the section's tag is not checked), and an assignment inside it must
        // fail on the field as a walk from the root does.
        #expect(configError("report_template.t = 1\nreport_template t {\n  x = 2\n}\n")
            == "t.c4m:3:3: 'report_template.t' is an attribute, so it cannot hold 'x'")
    }

    @Test func longNamesAreSharedButNeverConfused() throws {
        // 1,500 distinct long names (the name table grows twice), each defined then read back.
        var src = ""
        for k in 0..<1500 { src += "a_rather_long_variable_name_\(k) := \(k)\n" }
        src += "total := a_rather_long_variable_name_0 + a_rather_long_variable_name_1499 + a_rather_long_variable_name_750\n"
        src += "key.HOST_SYSNAME_WHEN_CHALKED.use = true\nkey.HOST_SYSNAME_WHEN_CHALKED.order = 3\n"
        let i = try runConfig(src)
        #expect(i.globals["total"] == .int(0 + 1499 + 750))
        #expect(i.globals["a_rather_long_variable_name_1234"] == .int(1234))
        #expect(i.root.lookup(["key"])?.childOrder == ["HOST_SYSNAME_WHEN_CHALKED"])
        #expect(i.root.value(at: ["key", "HOST_SYSNAME_WHEN_CHALKED", "order"]) == .int(3))
        let toks = try Lexer.tokenize(file: "f", source: "é_a_long_name_with_ünicode := é_a_long_name_with_ünicode")
        #expect(toks[0].kind == .identifier("é_a_long_name_with_ünicode"))
        #expect(toks[2].kind == toks[0].kind)
    }
}
