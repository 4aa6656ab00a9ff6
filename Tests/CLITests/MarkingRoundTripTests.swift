import Foundation
import Testing
import ChalkTestSupport

/// insert → extract validates → delete restores, through the built binary.
@Suite(.serialized) struct MarkingRoundTripTests {
    static let script = "#!/bin/sh\necho hello from a script\n"
    static let scriptNoNewline = "#!/usr/bin/env python3\nprint('no final newline')"
    static let pycBytes: [UInt8] = [0x6F, 0x0D, 0x0D, 0x0A, 0, 0, 0, 0] + (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) }

    @Test func insertExtractDeleteRoundTrip() throws {
        let fx = try MarkingCLIFixture("chalk-cli-roundtrip")
        defer { fx.cleanup() }
        try fx.write("app/run.sh", Self.script, mode: 0o751)
        try fx.write("app/tool.py", Self.scriptNoNewline, mode: 0o700)
        try fx.write("app/mod.pyc", Self.pycBytes)
        try fx.write("app/notes.py", "print('no shebang')\n")
        try FileManager.default.copyItem(atPath: "/bin/true", toPath: fx.path("app/true"))
        let originalELF = try fx.read("app/true")

        let ins = try fx.chalk(["insert", "app"])
        #expect(ins.status == 0, "\(ins.stderr)")
        #expect(ins.stdout.isEmpty)  // no terminal: nothing on stdout
        let inserted = try fx.lastChalks()
        #expect(try fx.lastReport()["_OPERATION"] as? String == "insert")
        let d = fx.realDir
        #expect(Set(inserted.keys) == [d + "/app/run.sh", d + "/app/tool.py", d + "/app/mod.pyc", d + "/app/true"])
        for (_, item) in inserted {
            for k in ["CHALK_ID", "METADATA_ID", "HASH", "ARTIFACT_TYPE", "CHALK_VERSION"] { #expect(item[k] != nil, "\(k)") }
            // Chalk's own server refuses insert items without METADATA_HASH (400), although the
            // default mark template doesn't keep it in the mark.
            let mdHash = try #require(item["METADATA_HASH"] as? String)
            #expect(mdHash.count == 64 && mdHash.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
        #expect(inserted[d + "/app/run.sh"]?["ARTIFACT_TYPE"] as? String == "sh")
        #expect(inserted[d + "/app/tool.py"]?["ARTIFACT_TYPE"] as? String == "python")
        #expect(inserted[d + "/app/mod.pyc"]?["ARTIFACT_TYPE"] as? String == "Python Bytecode")
        #expect(inserted[d + "/app/true"]?["ARTIFACT_TYPE"] as? String == "ELF")
        // Scripts get the mark as their last comment line; modes are kept; notes.py untouched.
        let runText = String(decoding: try fx.read("app/run.sh"), as: UTF8.self)
        #expect(runText.hasPrefix(Self.script + "# { \"MAGIC\" : \"dadfedabbadabbed\", \"CHALK_ID\" : "))
        #expect(runText.hasSuffix(" }\n"))
        let toolText = String(decoding: try fx.read("app/tool.py"), as: UTF8.self)
        #expect(toolText.hasPrefix(Self.scriptNoNewline + "\n# { \"MAGIC\""))
        #expect(toolText.hasSuffix(" }"))
        #expect(try fx.mode("app/run.sh") == 0o751 && fx.mode("app/tool.py") == 0o700)
        #expect(String(decoding: try fx.read("app/notes.py"), as: UTF8.self) == "print('no shebang')\n")
        // The marked ELF still runs.
        #expect(try TestSupport.run(fx.path("app/true")).status == 0)
        let sh = try TestSupport.run("/bin/sh", [fx.path("app/run.sh")])
        #expect(sh.stdout == "hello from a script\n")

        let ext = try fx.chalk(["extract", "app"])
        #expect(ext.status == 0, "\(ext.stderr)")
        let extracted = try fx.lastChalks()
        #expect(Set(extracted.keys) == Set(inserted.keys))
        for (p, item) in extracted {
            #expect(item["_VALIDATED_METADATA"] as? Bool == true, "\(p)")
            #expect(item["_VALIDATED_NORMALIZATION"] as? String == "current")
            for k in ["CHALK_ID", "METADATA_ID", "HASH", "ARTIFACT_TYPE", "CHALK_VERSION"] {
                #expect(item[k] as? String == inserted[p]?[k] as? String, "\(p) \(k)")
            }
            #expect(item["_CURRENT_HASH"] as? String != nil)
        }
        #expect(try fx.lastUnmarked() == [d + "/app/notes.py"])

        let del = try fx.chalk(["delete", "app"])
        #expect(del.status == 0, "\(del.stderr)")
        #expect(Set(try fx.lastChalks().keys) == Set(inserted.keys))
        #expect(String(decoding: try fx.read("app/run.sh"), as: UTF8.self) == Self.script)
        #expect(String(decoding: try fx.read("app/tool.py"), as: UTF8.self) == Self.scriptNoNewline)
        #expect(try fx.read("app/mod.pyc") == Self.pycBytes)
        #expect(try fx.mode("app/run.sh") == 0o751)
        #expect(try TestSupport.run(fx.path("app/true")).status == 0)
        _ = originalELF

        let again = try fx.chalk(["extract", "app"])
        #expect(again.status == 0)
        #expect(try fx.lastReport()["_CHALKS"] == nil)
    }

    @Test func reinsertKeepsOneMarkAndTheSameIdentity() throws {
        let fx = try MarkingCLIFixture("chalk-cli-reinsert")
        defer { fx.cleanup() }
        let p = try fx.write("s.sh", Self.script)
        #expect(try fx.chalk(["insert", p]).status == 0)
        let first = try fx.lastChalks()[fx.realDir + "/s.sh"]
        #expect(try fx.chalk(["insert", p]).status == 0)
        let second = try fx.lastChalks()[fx.realDir + "/s.sh"]
        #expect(first?["CHALK_ID"] as? String == second?["CHALK_ID"] as? String)
        #expect(first?["HASH"] as? String == second?["HASH"] as? String)
        let text = String(decoding: try fx.read("s.sh"), as: UTF8.self)
        #expect(text.components(separatedBy: "dadfedabbadabbed").count == 2)
        #expect(text.hasPrefix(Self.script))
        let ext = try fx.chalk(["extract", p])
        #expect(ext.status == 0)
        #expect(try fx.lastChalks()[fx.realDir + "/s.sh"]?["_VALIDATED_METADATA"] as? Bool == true)
    }

    @Test func virtualInsertLeavesFilesUntouched() throws {
        let fx = try MarkingCLIFixture("chalk-cli-virtual")
        defer { fx.cleanup() }
        try fx.write("s.sh", Self.script)
        let r = try fx.chalk(["insert", "--virtual", "s.sh"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(String(decoding: try fx.read("s.sh"), as: UTF8.self) == Self.script)
        let item = try #require(try fx.lastChalks()[fx.realDir + "/s.sh"])
        #expect(item["_VIRTUAL"] as? Bool == true)
        let virtualLines = String(decoding: try fx.read("virtual-chalk.json"), as: UTF8.self).split(separator: "\n")
        #expect(virtualLines.count == 1)
        let mark = try JSONSerialization.jsonObject(with: Data(virtualLines[0].utf8)) as? [String: Any]
        #expect(mark?["CHALK_ID"] as? String == item["CHALK_ID"] as? String)
        #expect(virtualLines[0].hasPrefix("{ \"MAGIC\" : \"dadfedabbadabbed\""))
        #expect(try fx.chalk(["extract", "s.sh"]).status == 0)
        #expect(try fx.lastReport()["_CHALKS"] == nil)
        #expect(try fx.lastUnmarked() == [fx.realDir + "/s.sh"])
    }

    @Test func versionAndHelp() throws {
        let fx = try MarkingCLIFixture("chalk-cli-version")
        defer { fx.cleanup() }
        let v = try fx.chalk(["version"])
        #expect(v.status == 0)
        #expect(v.stdout.contains("chalk-swift"))
        #expect(v.stdout.range(of: "commit [0-9a-f]{40}", options: .regularExpression) != nil)
        for cmd in ["insert", "extract", "delete"] {
            let h = try fx.chalk([cmd, "--help"])
            #expect(h.status == 0)
            #expect(h.stdout.contains("--virtual") && h.stdout.contains("--no-recursive"))
        }
        #expect(try fx.chalk(["insert", "--chalk-symlink-behavior", "sideways"]).status == 2)
        #expect(try fx.chalk(["extract", "--no-such-flag"]).status == 2)
    }
}

extension MarkingRoundTripTests {
    /// On a terminal, a pretty summary goes to stdout; without one, nothing does (checked above).
    @Test func terminalSummaryOnlyOnATTY() throws {
        guard let script = TestSupport.which("script") else { return }
        let fx = try MarkingCLIFixture("chalk-cli-tty")
        defer { fx.cleanup() }
        let p = try fx.write("s.sh", Self.script)
        let cmd = "'\(TestSupport.chalkBinary)' insert '\(p)'"
        let r = try TestSupport.run(script, ["-qec", cmd, "/dev/null"], extraEnvironment: ["HOME": fx.home.path], cwd: fx.dir)
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains("\"_OPERATION\": \"insert\""))
        #expect(r.stdout.contains("\"_CHALKS\": ["))
        // The log file still gets its one-line report.
        #expect(try fx.lastReport()["_OPERATION"] as? String == "insert")
        let skipped = try TestSupport.run(script, ["-qec", cmd + " --skip-summary-report", "/dev/null"],
                                          extraEnvironment: ["HOME": fx.home.path], cwd: fx.dir)
        #expect(!skipped.stdout.contains("_OPERATION"))
    }
}
