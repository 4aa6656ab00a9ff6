import Testing
@testable import Config

/// Runs con4m source in a fresh interpreter.
func runConfig(_ src: String, file: String = "t.c4m", command: String = "insert") throws -> Interpreter {
    let i = Interpreter(context: RunContext(command: command, startDirectory: "/tmp"))
    try i.run(source: src, file: file)
    return i
}

/// The error a source produces, as `file:line:col: message`.
func configError(_ src: String, file: String = "t.c4m") -> String {
    do {
        _ = try runConfig(src, file: file)
        return "no error"
    } catch let e as ConfigError {
        return e.description
    } catch {
        return "\(error)"
    }
}

@Suite struct LexerTests {
    @Test func commentsAndNewlines() throws {
        let toks = try Lexer.tokenize(file: "f", source: "a: 1 # c\n/* block\n comment */ b = 2 // x\n")
        let kinds = toks.map(\.kind)
        #expect(kinds == [.identifier("a"), .symbol(":"), .int(1), .newline, .identifier("b"), .symbol("="), .int(2), .newline, .eof])
        #expect(toks[4].pos == SourcePos(line: 3, column: 13))
    }

    @Test func stringEscapesAndTripleQuotes() throws {
        let toks = try Lexer.tokenize(file: "f", source: #"x: "a\tb\"c\x41\u00e9\U0001F600\q""# + "\ny: \"\"\"\nline \"q\"\n\"\"\"")
        #expect(toks[2].kind == .string("a\tb\"cAé😀q"))
        #expect(toks[6].kind == .string("\nline \"q\"\n"))
    }

    @Test func newlineSwallowedAfterOperatorsAndInsideBrackets() throws {
        let i = try runConfig("x := 1 +\n 2\ny := [1,\n 2,\n 3\n]\nz := (4\n)")
        #expect(i.globals["x"] == .int(3))
        #expect(i.globals["y"] == .list([.int(1), .int(2), .int(3)]))
        #expect(i.globals["z"] == .int(4))
    }

    @Test func lexicalErrors() {
        #expect(configError("x: \"abc\ny: 1") == "t.c4m:1:4: unterminated string: expected a closing \" on the same line")
        #expect(configError("x: 1\n/* open") == "t.c4m:2:1: unterminated /* comment: expected */")
        #expect(configError("x: a & b") == "t.c4m:1:6: a lone '&' is not an operator: expected '&&'")
        #expect(configError("x: 1\ry: 2") == "t.c4m:1:5: a carriage return must be followed by a line feed")
        #expect(configError("x: <<10 parsecs>>") == "t.c4m:1:4: invalid literal <<10 parsecs>>: expected a size such as <<10mb>> or a duration such as <<30 sec>>")
    }

    @Test func crlfIsANewline() throws {
        let i = try runConfig("a := 1\r\nb := 2\r\n")
        #expect(i.globals["b"] == .int(2))
    }
}

@Suite struct OtherLiteralTests {
    @Test func sizesAreDecimalOrBinary() {
        #expect(OtherLiterals.classify("10mb") == .size(10_000_000))
        #expect(OtherLiterals.classify("10MB") == .size(10_000_000))
        #expect(OtherLiterals.classify("10 MiB") == .size(10 * 1_048_576))
        #expect(OtherLiterals.classify("1kb") == .size(1000))
        #expect(OtherLiterals.classify("2KiB") == .size(2048))
        #expect(OtherLiterals.classify("5b") == .size(5))
        #expect(OtherLiterals.classify("0mb") == .size(0))
        #expect(OtherLiterals.classify("1gi") == .size(1 << 30))
    }

    @Test func durationsWinOverSizes() {
        // The trap: m and M are minutes, not megabytes.
        #expect(OtherLiterals.classify("10m") == .duration(600_000_000))
        #expect(OtherLiterals.classify("10M") == .duration(600_000_000))
        #expect(OtherLiterals.classify("300 msecs") == .duration(300_000))
        #expect(OtherLiterals.classify("1 hr 6 min 22s") == .duration(3_982_000_000))
        #expect(OtherLiterals.classify("5sec") == .duration(5_000_000))
        #expect(OtherLiterals.classify("20 seconds") == .duration(20_000_000))
        #expect(OtherLiterals.classify("1 yr") == .duration(31_536_000_000_000))
        #expect(OtherLiterals.classify("2 us, 3 ms") == .duration(3002))
    }

    @Test func rejectedLiterals() {
        #expect(OtherLiterals.classify("1 second") == nil)  // singular not accepted
        #expect(OtherLiterals.classify("1 min 2 min") == nil)  // unit twice
        #expect(OtherLiterals.classify("mb") == nil)
        #expect(OtherLiterals.classify("10.0.0.1") == .otherLiteral("10.0.0.1"))
    }

    @Test func bareDottedQuadIsAnOtherLiteral() throws {
        let i = try runConfig("ip := 10.0.0.1\nt := 12:30:00")
        #expect(i.globals["ip"] == .otherLiteral("10.0.0.1"))
        #expect(i.globals["t"] == .otherLiteral("12:30:00"))
    }
}

@Suite struct ParserTests {
    @Test func dottedPathsEqualNestedSections() throws {
        let a = try runConfig("mark_template.mark_default.key.SBOM.use = true")
        let b = try runConfig("mark_template mark_default {\n key SBOM {\n use: true\n }\n}")
        #expect(a.root.value(at: ["mark_template", "mark_default", "key", "SBOM", "use"]) == .bool(true))
        #expect(b.root.value(at: ["mark_template", "mark_default", "key", "SBOM", "use"]) == .bool(true))
        let c = try runConfig("report_template r {\n key._X .use = true\n}")
        #expect(c.root.value(at: ["report_template", "r", "key", "_X", "use"]) == .bool(true))
    }

    @Test func twoAssignmentsOnOneLineNeedASemicolon() {
        #expect(configError("sink_config x { enabled: true sink: \"s3\" }")
            == "t.c4m:1:31: expected end of statement here (a newline or ';'), found 'sink'")
        #expect(configError("sink_config x { enabled: true; sink: \"s3\" }") == "no error")
    }

    @Test func sectionsMergeOnReopen() throws {
        let i = try runConfig("sink_config a {\n sink: \"file\"\n filename: \"x\"\n}\nsink_config a {\n filename: \"y\"\n}\nexec\n")
        #expect(i.root.value(at: ["sink_config", "a", "sink"]) == .string("file"))
        #expect(i.root.value(at: ["sink_config", "a", "filename"]) == .string("y"))
        #expect(i.root.child("exec") != nil)
    }

    @Test func locks() {
        #expect(configError("~a: 1\na: 1") == "no error")  // same value again is fine
        #expect(configError("~a: 1\na: 2") == "t.c4m:2:1: attribute 'a' is locked and can't be set (locked at t.c4m:1:1)")
        #expect(configError("x {\n ~y = \"a\"\n}\nx.y = \"b\"") == "t.c4m:4:1: attribute 'x.y' is locked and can't be set (locked at t.c4m:2:2)")
    }

    @Test func ifElifElse() throws {
        let src = """
        v := 2
        if v == 1 {
          r := "one"
        }
        elif v == 2 {
          r := "two"
        } else {
          r := "other"
        }
        if not v == 2 { s := "a" } else { s := "b" }
        """
        let i = try runConfig(src)
        #expect(i.globals["r"] == .string("two"))
        #expect(i.globals["s"] == .string("b"))
        #expect(configError("if \"x\" { a: 1 }") == "t.c4m:1:4: a condition must be a bool, found string: use bool(x) or a comparison")
    }

    @Test func forLoopsCountBothWays() throws {
        let i = try runConfig("""
        up := []
        for n from 0 to 4 {
          if n == 2 { continue }
          up := array_add(up, [n])
        }
        down := []
        for n from 3 to 0 {
          if n == 0 { break }
          down := array_add(down, [n])
        }
        """)
        #expect(i.globals["up"] == .list([.int(0), .int(1), .int(3)]))
        #expect(i.globals["down"] == .list([.int(2), .int(1)]))
    }

    @Test func functionsReturnAndResult() throws {
        let i = try runConfig("""
        func twice(x) {
          return x * 2
        }
        func viaResult(s: string) -> string {
          result := s + "!"
        }
        a := twice(21)
        b := "hi".viaResult()
        cb: (func twice(int) -> int)
        """)
        #expect(i.globals["a"] == .int(42))
        #expect(i.globals["b"] == .string("hi!"))
        #expect(i.root.field("cb")?.value == .callback("twice"))
    }

    @Test func operatorsFollowTheReferenceLadder() throws {
        let i = try runConfig("a := 10 - 4 - 3\nb := 2 * 3 + 1\nc := true or false and false\nd := 7 % 4\ne, f := (1, \"x\")")
        #expect(i.globals["a"] == .int(9))  // right-associative: 10 - (4 - 3)
        #expect(i.globals["b"] == .int(7))
        #expect(i.globals["c"] == .bool(true))
        #expect(i.globals["d"] == .int(3))
        #expect(i.globals["f"] == .string("x"))
    }

    @Test func typesInValuePositionAndEnums() throws {
        let i = try runConfig("enum A, B, C\nkeyspec X_K {\n kind: B\n type: list[string]\n}\nt: dict[string, `x]")
        #expect(i.root.value(at: ["keyspec", "X_K", "kind"]) == .int(1))
        #expect(i.root.value(at: ["keyspec", "X_K", "type"]) == .typespec("list[string]"))
        #expect(i.root.field("t")?.value == .typespec("dict[string, `x]"))
    }

    @Test func attributesReadAsBareNames() throws {
        let i = try runConfig("skip: true\ntool syft {\n entry: \"/syft\"\n}\nif skip { e := tool.syft.entry }")
        #expect(i.globals["e"] == .string("/syft"))
        #expect(configError("tool syft {\n entry: \"a\"\n}\nx := tool.syft.entyr") == "t.c4m:4:15: 'tool.syft' has no attribute 'entyr' (did you mean entry?)")
        #expect(configError("x := undefined_thing") == "t.c4m:1:6: unknown name 'undefined_thing': not a variable or attribute")
    }

    @Test func parseErrorsNamePositionAndExpectation() {
        #expect(configError("a: [1, 2") == "t.c4m:1:9: expected ']' to close the list, found end of file")
        #expect(configError("x {\n a: 1\n") == "t.c4m:3:1: unexpected end of file: expected '}' to close the block")
        #expect(configError("a: 1 +") == "t.c4m:1:7: expected a value, found end of file")
        #expect(configError("for i from 1 { }") == "t.c4m:1:14: expected 'to' in 'for i from A to B', found '{'")
        #expect(configError("x := [1, \"a\"]") == "t.c4m:1:6: list items must all have the same type: found int and string")
        #expect(configError("x := lenn(\"a\")") == "t.c4m:1:6: unknown function 'lenn' (did you mean len?)")
    }
}

@Suite struct HostileInputTests {
    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = "x := " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(configError(deep).hasSuffix("the config nests too deeply here (more than 150 levels)"))
        let blocks = String(repeating: "a {\n", count: 10_000)
        #expect(configError(blocks).hasSuffix("the config nests too deeply here (more than 150 levels)"))
    }

    @Test func hugeLoopsAndRecursionAreRefused() {
        #expect(configError("for i from 0 to 9223372036854775807 { }")
            == "t.c4m:1:1: 'for i from 0 to 9223372036854775807' would run more than 1000000 times")
        #expect(configError("func f(x) {\n return f(x)\n}\ny := f(1)") == "t.c4m:2:9: function calls nest too deeply (recursion in 'f'?)")
    }

    @Test func garbageIsAnError() {
        #expect(configError("\u{0}\u{1}\u{2}") == "t.c4m:1:1: unexpected character '\u{0}'")
        #expect(configError("}") == "t.c4m:1:1: unexpected '}': there is no open block to close")
    }
}
