import Foundation
import Testing
import ChalkTestSupport

/// Discovery as a user meets it: the default search path is the current directory, recursion
/// can be turned off, hidden paths and JSON files are ignored, explicit paths always count.
@Suite(.serialized) struct MarkingDiscoveryTests {
    @Test func defaultPathRecursionAndIgnores() throws {
        let fx = try MarkingCLIFixture("chalk-cli-discovery")
        defer { fx.cleanup() }
        let s = "#!/bin/sh\ntrue\n"
        try fx.write("work/top.sh", s)
        try fx.write("work/sub/deep.sh", s)
        try fx.write("work/.hidden/secret.sh", s)
        try fx.write("work/.dot.sh", s)
        try fx.write("work/data.json", s)
        let work = fx.dir.appendingPathComponent("work")
        let d = fx.realDir + "/work"

        let flat = try TestSupport.chalk(["insert", "-R"], home: fx.home, cwd: work)
        #expect(flat.status == 0, "\(flat.stderr)")
        #expect(Set(try fx.lastChalks().keys) == [d + "/top.sh"])

        let all = try TestSupport.chalk(["--log-level", "error", "insert"], home: fx.home, cwd: work)
        #expect(all.status == 0, "\(all.stderr)")
        #expect(Set(try fx.lastChalks().keys) == [d + "/top.sh", d + "/sub/deep.sh"])
        for ignored in ["work/.hidden/secret.sh", "work/.dot.sh", "work/data.json"] {
            #expect(String(decoding: try fx.read(ignored), as: UTF8.self) == s, "\(ignored)")
        }

        // Named explicitly, a hidden file is processed.
        let explicit = try fx.chalk(["insert", fx.path("work/.dot.sh")])
        #expect(explicit.status == 0)
        #expect(Set(try fx.lastChalks().keys) == [d + "/.dot.sh"])
    }
}
