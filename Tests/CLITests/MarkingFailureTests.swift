import Foundation
import Testing
import ChalkTestSupport

/// Failures: one bad artifact gets a clear error naming it, the others go on, the exit code
/// is 1; hostile input never crashes chalk.
@Suite(.serialized) struct MarkingFailureTests {
    @Test func readOnlyAndMissingFilesFailWhileOthersAreMarked() throws {
        let fx = try MarkingCLIFixture("chalk-cli-failures")
        defer { fx.cleanup() }
        let good = try fx.write("good.sh", "#!/bin/sh\necho ok\n")
        let ro = try fx.write("ro.sh", "#!/bin/sh\necho ro\n", mode: 0o444)
        let missing = fx.path("vanished.sh")
        let r = try fx.chalk(["insert", ro, missing, good])
        #expect(r.status == 1)
        #expect(r.stderr.contains("ro.sh") && r.stderr.contains("read-only"))
        #expect(r.stderr.contains("vanished.sh"))
        #expect(String(decoding: try fx.read("ro.sh"), as: UTF8.self) == "#!/bin/sh\necho ro\n")
        #expect(try fx.mode("ro.sh") == 0o444)
        #expect(try fx.lastChalks().keys.contains(fx.realDir + "/good.sh"))
        let errors = (try fx.lastReport()["_OP_ERRORS"] as? [String]) ?? []
        #expect(errors.contains { $0.contains("ro.sh") } && errors.contains { $0.contains("vanished.sh") })
        // No temp files left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fx.dir.path).filter { $0.contains(".chalk-") }
        #expect(leftovers.isEmpty)
    }

    @Test func tamperedMarkIsReportedInvalid() throws {
        let fx = try MarkingCLIFixture("chalk-cli-tamper")
        defer { fx.cleanup() }
        let p = try fx.write("t.sh", "#!/bin/sh\necho original\n")
        #expect(try fx.chalk(["insert", p]).status == 0)
        var text = String(decoding: try fx.read("t.sh"), as: UTF8.self)
        text = text.replacingOccurrences(of: "echo original", with: "echo tampered")
        try fx.write("t.sh", text)
        let r = try fx.chalk(["extract", p])
        #expect(r.status == 1 && !r.signaled)
        #expect(r.stderr.contains("t.sh"))
        let item = try fx.lastChalks()[fx.realDir + "/t.sh"]
        #expect(item?["_VALIDATED_METADATA"] as? Bool == false)
        #expect(item?["CHALK_ID"] != nil)
    }

    @Test func hostileInputNeverCrashes() throws {
        let fx = try MarkingCLIFixture("chalk-cli-hostile")
        defer { fx.cleanup() }
        var rng = SplitMix(seed: 42)
        let random = (0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        try fx.write("junk/random.bin", random)
        try fx.write("junk/random.pyc", random + Array("dadfedabbadabbed".utf8) + random)
        try fx.write("junk/trunc-elf", [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1])
        try fx.write("junk/bad-elf", [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1] + [UInt8](repeating: 0xFF, count: 200))
        try fx.write("junk/broken.sh", "#!/bin/sh\n# { \"MAGIC\" : \"dadfedabbadabbed\", \"CHALK_ID\" : \n")
        try fx.write("junk/deep.sh", "#!/bin/sh\n# { \"MAGIC\" : \"dadfedabbadabbed\", \"X\" : " + String(repeating: "[", count: 50_000) + "\n")
        try fx.write("junk/nul.sh", "#!/bin/sh\n# { \"MAGIC\" : \"dadfedabbadabbed\", \"X\" : \"a\u{0}b\" }\n")
        try fx.write("junk/empty.pyc", [])
        for cmd in ["extract", "insert", "extract", "delete", "extract"] {
            let r = try fx.chalk([cmd, "junk"])
            #expect(!r.signaled && (r.status == 0 || r.status == 1), "\(cmd): \(r.status) \(r.stderr)")
        }
        // After delete, nothing is marked, and the broken script is readable again.
        #expect(try fx.lastReport()["_CHALKS"] == nil)
        #expect(try fx.read("junk/random.bin") == random)
    }

    @Test func symlinkBehaviours() throws {
        let fx = try MarkingCLIFixture("chalk-cli-symlinks")
        defer { fx.cleanup() }
        let target = try fx.write("real.sh", "#!/bin/sh\necho real\n")
        try FileManager.default.createSymbolicLink(atPath: fx.path("link.sh"), withDestinationPath: target)
        // skip (default): the link is left alone with a warning; the target is marked directly.
        let skip = try fx.chalk(["insert", "--no-recursive", fx.path("link.sh")])
        #expect(skip.status == 0 && skip.stderr.contains("link.sh"))
        #expect(!String(decoding: try fx.read("real.sh"), as: UTF8.self).contains("MAGIC"))
        // copy: the link becomes a marked regular file; the target stays.
        #expect(try fx.chalk(["insert", "--chalk-symlink-behavior", "copy", fx.path("link.sh")]).status == 0)
        let attrs = try FileManager.default.attributesOfItem(atPath: fx.path("link.sh"))
        #expect(attrs[.type] as? FileAttributeType == .typeRegular)
        #expect(!String(decoding: try fx.read("real.sh"), as: UTF8.self).contains("MAGIC"))
        // clobber: follow the link and mark the target.
        try FileManager.default.removeItem(atPath: fx.path("link.sh"))
        try FileManager.default.createSymbolicLink(atPath: fx.path("link.sh"), withDestinationPath: target)
        #expect(try fx.chalk(["insert", "--chalk-symlink-behavior", "clobber", fx.path("link.sh")]).status == 0)
        #expect(String(decoding: try fx.read("real.sh"), as: UTF8.self).contains("MAGIC"))
        // extract with --scan-symlink-behavior ignore skips the link.
        #expect(try fx.chalk(["extract", "--scan-symlink-behavior", "ignore", fx.dir.path + "/"]).status == 0)
        #expect(Set(try fx.lastChalks().keys) == [fx.realDir + "/real.sh"])
    }
}

/// A tiny deterministic PRNG for reproducible test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
