import Testing
@testable import Config
import Foundation
#if canImport(Glibc)
import Glibc
#endif

@Suite struct BuiltinTests {
    func eval(_ expr: String) throws -> CValue {
        try runConfig("v := " + expr).globals["v"]!
    }

    @Test func environment() throws {
        setenv("CHALK_TEST_VAR", "mars", 1)
        #expect(try eval("env(\"CHALK_TEST_VAR\")") == .string("mars"))
        #expect(try eval("env(\"CHALK_TEST_UNSET_VAR\")") == .string(""))
        #expect(try eval("env_exists(\"CHALK_TEST_VAR\")") == .bool(true))
        #expect(try eval("contains(env(), \"CHALK_TEST_VAR\")") == .bool(true))
    }

    @Test func strings() throws {
        #expect(try eval("strip(\"  a b \\n\")") == .string("a b"))
        #expect(try eval("\"dump.x\".starts_with(\"dump\")") == .bool(true))
        #expect(try eval("ends_with(\"a.c4m\", \".c4m\")") == .bool(true))
        #expect(try eval("contains(\"hello\", \"ell\")") == .bool(true))
        #expect(try eval("find(\"hello\", \"l\")") == .int(2))
        #expect(try eval("find(\"hello\", \"z\")") == .int(-1))
        #expect(try eval("len(\"héllo\")") == .int(6))
        #expect(try eval("slice(\"hello\", 1, -1)") == .string("ell"))
        #expect(try eval("split(\"a,b,,c\", \",\")") == .list([.string("a"), .string("b"), .string(""), .string("c")]))
        #expect(try eval("[\"a\", \"b\"].join(\", \")") == .string("a, b"))
        #expect(try eval("replace(\"aXbX\", \"X\", \"-\")") == .string("a-b-"))
        #expect(try eval("upper(\"ab\") + lower(\"CD\")") == .string("ABcd"))
        #expect(try eval("$(42)") == .string("42"))
        #expect(try eval("sha256(\"abc\")") == .string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
        #expect(try eval("pad(\"a\", 3)") == .string("a  "))
    }

    @Test func containers() throws {
        #expect(try eval("len([1, 2, 3])") == .int(3))
        #expect(try eval("contains([1, 2], 2)") == .bool(true))
        #expect(try eval("keys({\"a\": 1, \"b\": 2})") == .list([.string("a"), .string("b")]))
        #expect(try eval("values({\"a\": 1})") == .list([.int(1)]))
        #expect(try eval("get({\"a\": 1}, \"a\")") == .int(1))
        #expect(try eval("set({\"a\": 1}, \"b\", 2)") == .dict(keys: [.string("a"), .string("b")], values: [.int(1), .int(2)]))
        #expect(try eval("delete([1, 2, 1], 1)") == .list([.int(2)]))
        #expect(try eval("remove([1, 2, 3], 0)") == .list([.int(2), .int(3)]))
        #expect(try eval("array_add([1], [2])") == .list([.int(1), .int(2)]))
        #expect(try eval("[10, 20][-1]") == .int(20))
        #expect(try eval("{\"k\": \"v\"}[\"k\"]") == .string("v"))
    }

    @Test func conversions() throws {
        #expect(try eval("bool(\"\")") == .bool(false))
        #expect(try eval("bool([1])") == .bool(true))
        #expect(try eval("bool(0)") == .bool(false))
        #expect(try eval("int(3.9)") == .int(3))
        #expect(try eval("float(2)") == .float(2))
        #expect(try eval("to_msec(<<2 sec>>)") == .int(2000))
        #expect(try eval("to_sec(<<1 min>>)") == .int(60))
        #expect(try eval("<<1 sec>> + <<500 msecs>>") == .duration(1_500_000))
        #expect(try eval("Size(\"2kb\")") == .size(2000))
        #expect(try eval("Duration(\"3 sec\")") == .duration(3_000_000))
        #expect(configError("v := int(\"x1\")") == "t.c4m:1:6: int(): \"x1\" is not an integer")
        #expect(configError("v := 1 + 1.5") == "t.c4m:1:8: '+' cannot combine int and float (numbers never convert implicitly: use float() or int())")
    }

    @Test func systemBuiltins() throws {
        #expect(try eval("strip(run(\"echo mars\"))") == .string("mars"))
        #expect(try eval("system(\"exit 3\")") == .tuple([.string(""), .int(3)]))
        #expect(try eval("getpid()") == .int(Int64(getpid())))
        #expect(try eval("osname()") == .string("linux"))
        #expect(try eval("is_dir(\"/tmp\")") == .bool(true))
        #expect(try eval("is_file(\"/tmp\")") == .bool(false))
        #expect(try eval("resolve_path(\"x/../y\")") == .string("/tmp/y"))  // start directory /tmp
        #expect(try eval("path_split(\"/a/b.c4m\")") == .tuple([.string("/a"), .string("b.c4m")]))
        #expect(try eval("find_exe(\"sh\", [])") != .string(""))
        #expect(try eval("len(uname())") == .int(5))
        let inContainer = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8))?.contains("/docker/containers/") ?? false
        #expect(try eval("in_container()") == .bool(inContainer))
        #expect(try eval("command_name()") == .string("insert"))
    }

    @Test func encodings() throws {
        #expect(try eval("base64(\"hello!?\")") == .string("aGVsbG8hPw=="))
        #expect(try eval("base64_web(\"hello!?\")") == .string("aGVsbG8hPw"))
        #expect(try eval("debase64(\"aGVsbG8hPw==\")") == .string("hello!?"))
        #expect(try eval("dehex(hex(\"abc\"))") == .string("abc"))
        #expect(try eval("hex(255)") == .string("ff"))
        #expect(try eval("function_exists(\"strip\")") == .bool(true))
        #expect(try runConfig("exec.command_name: \"x\"\nv := attr_get(\"exec.command_name\", string)").globals["v"] == .string("x"))
    }

    @Test func formatUsesScope() throws {
        let i = try runConfig("a := \"one\"\nv := format(\"{a}-{{x}}\")")
        #expect(i.globals["v"] == .string("one-{x}"))
    }

    @Test func jsonRoundTrip() throws {
        #expect(try eval("to_json({\"a\": [1, 2]})") == .string("{\"a\" : [1, 2]}"))
        #expect(try eval("parse_json(\"{\\\"a\\\": [true, null, 1.5]}\")")
            == .dict(keys: [.string("a")], values: [.list([.bool(true), .void, .float(1.5)])]))
    }

    @Test func subscribeAndUnsubscribe() throws {
        let i = try runConfig("""
        sink_config a { sink: "stdout" }
        sink_config off { sink: "stdout"; enabled: false }
        r1 := subscribe("report", "a")
        r2 := subscribe("report", "missing")
        r3 := subscribe("report", "off")
        r4 := unsubscribe("report", "a")
        r5 := unsubscribe("report", "a")
        """)
        #expect(i.globals["r1"] == .bool(true))
        #expect(i.globals["r2"] == .bool(false))
        #expect(i.globals["r3"] == .bool(false))
        #expect(i.globals["r4"] == .bool(true))
        #expect(i.globals["r5"] == .bool(false))
        #expect(i.subscriptions["report"] == [])
    }
}
