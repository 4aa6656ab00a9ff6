import Foundation
import Testing
import ChalkTestSupport
@testable import Reporting
import Marking
import CBuildInfo

/// Chalk-time and run-time host keys, checked against the system's own tools.
@Suite(.serialized) struct CollectorHostTests {
    typealias F = CollectorFixture

    func run(_ exe: String, _ args: [String]) throws -> String {
        try TestSupport.run(exe, args).stdout.trimmingCharacters(in: .newlines)
    }

    @Test func chalkTimeHostKeys() throws {
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let c = F.collector(env: ["PATH": "/usr/bin", "HOME": "/root", "AWS_SECRET_ACCESS_KEY": "sekrit", "USER": "me"])
        let o = c.chalkTimeHost()
        let after = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(o["CHALK_VERSION"]?.stringValue == "0.1.0")
        let ts = try #require(o["TIMESTAMP_WHEN_CHALKED"]?.intValue)
        #expect(ts >= before - 5000 && ts <= after)
        // DATETIME is the same instant in the local zone, as Foundation renders it.
        let fmt = DateFormatter()
        fmt.locale = Locale(identifier: "en_US_POSIX")
        fmt.timeZone = TimeZone.current
        fmt.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSxxx"
        #expect(o["DATETIME_WHEN_CHALKED"]?.stringValue == fmt.string(from: Date(timeIntervalSince1970: Double(ts) / 1000)))
        #expect(o["PLATFORM_WHEN_CHALKED"]?.stringValue == (try run("/bin/uname", ["-o"])) + " " + (try run("/bin/uname", ["-m"])))
        let commit = String(cString: chalk_build_commit())
        #expect(o["INJECTOR_COMMIT_ID"]?.stringValue == commit)
        #expect(commit.count == 40 && commit.allSatisfy(\.isHexDigit))
        #expect(o["HOST_SYSNAME_WHEN_CHALKED"]?.stringValue == (try run("/bin/uname", ["-s"])))
        #expect(o["HOST_NODENAME_WHEN_CHALKED"]?.stringValue == (try run("/bin/uname", ["-n"])))
        #expect(o["HOST_RELEASE_WHEN_CHALKED"]?.stringValue == (try run("/bin/uname", ["-r"])))
        #expect(o["HOST_VERSION_WHEN_CHALKED"]?.stringValue == (try run("/bin/uname", ["-v"])))
        #expect(o["HOST_MACHINE_WHEN_CHALKED"]?.stringValue == (try run("/bin/uname", ["-m"])))
        // env_always_show / env_redact / default "ignore".
        #expect(o["INJECTOR_ENV"] == .object(["AWS_SECRET_ACCESS_KEY": "<<redacted>>", "PATH": "/usr/bin", "USER": "me"]))
        // No CI variables: no BUILD_* keys.
        #expect(!o.keys.contains { $0.hasPrefix("BUILD_") })
    }

    @Test func chalkRandIsFreshLowercaseHex() {
        let c = F.collector()
        let rands = (0..<20).compactMap { _ in c.chalkTimeArtifact(path: "/nonexistent/x").stringValue("CHALK_RAND") }
        #expect(rands.count == 20)
        #expect(Set(rands).count == 20)
        for r in rands { #expect(r.count == 16 && r.allSatisfy { "0123456789abcdef".contains($0) }) }
    }

    @Test func dateTimeFormatAtOtherOffsets() {
        // The spec's example instant, at New York's summer offset.
        let t = OperationTime(milliseconds: 1_710_356_598_901, utcOffsetSeconds: -4 * 3600)
        #expect(t.dateTime == "2024-03-13T15:03:18.901-04:00")
        #expect(t.date == "2024-03-13" && t.time == "15:03:18.901" && t.tzOffset == "-04:00")
        #expect(OperationTime(milliseconds: 5, utcOffsetSeconds: 19800).dateTime == "1970-01-01T05:30:00.005+05:30")
        #expect(OperationTime(milliseconds: -1, utcOffsetSeconds: 0).dateTime == "1969-12-31T23:59:59.999+00:00")
        #expect(OperationTime(milliseconds: 951_782_400_000, utcOffsetSeconds: 0).date == "2000-02-29")  // leap day
    }

    /// The local-zone path agrees with Foundation over many instants (zone of this machine).
    @Test func localZoneMatchesFoundation() {
        let fmt = DateFormatter()
        fmt.locale = Locale(identifier: "en_US_POSIX")
        fmt.timeZone = TimeZone.current
        fmt.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSxxx"
        var ms: Int64 = 0
        for _ in 0..<500 {
            ms = (ms &* 6364136223846793005 &+ 1442695040888963407) & 0x3_ffff_ffff_ff  // up to ~2109
            #expect(OperationTime(milliseconds: ms).dateTime == fmt.string(from: Date(timeIntervalSince1970: Double(ms) / 1000)))
        }
    }

    @Test func runTimeHostKeys() throws {
        let c = Collector(context: CollectionContext(chalkVersion: "0.1.0", environment: ["PATH": "/bin", "X": "y"],
                                                     argv: ["chalk", "extract", "--log-level", "trace", "a"],
                                                     positionalArgs: ["a"], commandFlags: ["--log-level=trace"]))
        let o = c.runTimeHost()
        #expect(o["_OP_HOSTNAME"]?.stringValue == (try run("/bin/hostname", [])))
        #expect(o["_OP_PLATFORM"]?.stringValue == SystemFacts.platform)
        #expect(o["_OP_CHALKER_VERSION"]?.stringValue == "0.1.0")
        #expect(o["_OP_CHALKER_COMMIT_ID"]?.stringValue == String(cString: chalk_build_commit()))
        #expect(o["_OP_HOST_RELEASE"]?.stringValue == (try run("/bin/uname", ["-r"])))
        #expect(o["_OP_HOST_MACHINE"]?.stringValue == (try run("/bin/uname", ["-m"])))
        let exe = try #require(FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") as String?)
        #expect(o["_OP_ARGV"] == .array([.string(exe), "extract", "--log-level", "trace", "a"]))
        #expect(o["_OP_EXE_NAME"]?.stringValue == (exe as NSString).lastPathComponent)
        #expect(o["_OP_EXE_PATH"]?.stringValue == (exe as NSString).deletingLastPathComponent)
        #expect(o["_ARGV"] == .array(["a"]))
        #expect(o["_OP_CMD_FLAGS"] == .array(["--log-level=trace"]))
        #expect(o["_ENV"] == .object(["PATH": "/bin"]))
        let id = try #require(o["_EXEC_ID"]?.stringValue)
        #expect(id.count == 16 && id == c.runTimeHost()["_EXEC_ID"]?.stringValue)  // one per process
        #expect(o["_TIMESTAMP"]?.intValue == c.context.time.milliseconds)
        #expect(o["_DATETIME"]?.stringValue == c.context.time.dateTime)
        #expect((o["_MONOTIME"]?.intValue ?? 0) > 0)
        // Measured from this process's real start (the test runner started well before).
        let since = try #require(o["_SINCE_TIMESTAMP"]?.intValue)
        let sinceMono = try #require(o["_SINCE_MONOTIME"]?.intValue)
        #expect(since > 0 && sinceMono > 0 && abs(since - sinceMono) < 2000)
        let stat = try String(contentsOfFile: "/proc/self/stat", encoding: .utf8)
        let fields = stat[stat.range(of: ")")!.upperBound...].split(separator: " ")
        let startMs = Int64(fields[19])! * 1000 / Int64(sysconf(Int32(_SC_CLK_TCK)))
        let uptimeMs = Int64(Double(try String(contentsOfFile: "/proc/uptime", encoding: .utf8).split(separator: " ")[0])! * 1000)
        #expect(abs((uptimeMs - startMs) - sinceMono) < 3000)
        // The ancestors of this test process include its parent's command line.
        let parent = getppid()
        let parentArgv = try String(contentsOfFile: "/proc/\(parent)/cmdline", encoding: .utf8)
            .split(separator: "\0").map { ChalkValue.string(String($0)) }
        #expect(o["_OP_ANCESTOR_ARGVS"]?.arrayValue?.first == .array(parentArgv))
        // No cloud, Kubernetes or Lambda signs in this environment: none of their keys.
        #expect(!o.keys.contains { $0.hasPrefix("_OP_CLOUD") || $0.hasPrefix("_K8S") || $0.hasPrefix("_AWS") })
    }

    @Test func envFilterActions() {
        var f = EnvFilter()
        f.defaultAction = "show"
        f.neverShow = ["HIDE"]
        #expect(f.apply(["A": "1", "HIDE": "x", "AWS_SECRET_ACCESS_KEY": "k"]) ==
                ["A": "1", "AWS_SECRET_ACCESS_KEY": "<<redacted>>"])
        f.defaultAction = "redact"
        #expect(f.apply(["A": "1", "PWD": "/x"]) == ["A": "<<redacted>>", "PWD": "/x"])
        let g = EnvFilter(alwaysShow: ["A"], neverShow: ["B"], redact: ["C"], defaultAction: "ignore")
        #expect(g.apply(["A": "1", "B": "2", "C": "3", "D": "4"]) == ["A": "1", "C": "<<redacted>>"])
    }
}

extension ChalkObject {
    func stringValue(_ k: String) -> String? { self[k]?.stringValue }
}
