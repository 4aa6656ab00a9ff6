import Foundation
import Testing
import ChalkTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The exec report validates the workload's mark as extract does: `_VALIDATED_METADATA` and
/// `_VALIDATED_NORMALIZATION` on its `_CHALKS` item (RULINGS 19), through the default file sink.
@Suite struct ExecValidationTests {
    /// Marks `name` in `home` with `chalk insert`; returns the mark's CHALK_ID.
    func insert(_ path: String, home: URL) throws -> String {
        let r = try TestSupport.chalk(["insert", path], home: home, timeout: 60)
        #expect(r.status == 0, "chalk insert: \(r.stderr)")
        let item = ExecTest.reports(home: home).last.flatMap { ($0["_CHALKS"] as? [[String: Any]])?.first }
        return try #require(item?["CHALK_ID"] as? String, "no CHALK_ID in the insert report")
    }

    /// Runs `chalk exec -- argv` with a generous report deadline; returns its exit status and the
    /// first `_CHALKS` item of the exec report it wrote.
    func execItem(_ argv: [String], home: URL) throws -> (Int32, [String: Any]) {
        let log = home.appendingPathComponent(".local/chalk/chalk.log")
        try? FileManager.default.removeItem(at: log)  // only this run's reports
        let config = ExecReportTests.reportConfig(in: home)
        let (exe, args) = SignalStateHelper.wrap([ExecTest.chalk, "exec", "--config-file", config, "--"] + argv)
        let r = try TestSupport.run(exe, args, environment: ExecTest.environment(home: home), timeout: 60)
        let exec = try #require(ExecTest.reports(home: home).first { $0["_OPERATION"] as? String == "exec" },
                                "no exec report: \(r.stderr)")
        let item = try #require((exec["_CHALKS"] as? [[String: Any]])?.first)
        #expect(exec["_UNMARKED"] == nil, "a marked workload is not listed as unmarked")
        return (r.status, item)
    }

    /// Changes one character of `key`'s string value inside the mark in the file (the JSON stays
    /// valid, the content outside the mark is untouched, so only METADATA_ID stops matching).
    func tamper(_ path: String, key: String) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let needle = Array("\"\(key)\" : \"".utf8)
        let at = try #require(bytes.indices.first { i in
            i + needle.count < bytes.count && bytes[i..<(i + needle.count)].elementsEqual(needle)
        }, "no \(key) in \(path)")
        let v = at + needle.count
        bytes[v] = bytes[v] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func markedScriptIsValidatedAndATamperedMarkIsNot() throws {
        let home = try TestSupport.makeTempDir("exec-validated")
        defer { TestSupport.removeTree(home) }
        let script = ExecTest.write("#!/bin/sh\nsleep 0.3\nexit 5\n", to: home, name: "work.sh", mode: 0o755)
        let chalkID = try insert(script, home: home)

        let (status, item) = try execItem([script], home: home)
        #expect(status == 5)
        #expect(item["_OP_ARTIFACT_PATH"] as? String == script)
        #expect(item["CHALK_ID"] as? String == chalkID)
        #expect(item["_VALIDATED_METADATA"] as? Bool == true, "\(item)")
        #expect(item["_VALIDATED_NORMALIZATION"] as? String == "current", "\(item)")

        try tamper(script, key: "CHALK_RAND")
        let (status2, bad) = try execItem([script], home: home)
        #expect(status2 == 5, "an invalid mark never affects the workload")
        #expect(bad["CHALK_ID"] as? String == chalkID)
        #expect(bad["_VALIDATED_METADATA"] as? Bool == false, "\(bad)")
        #expect(bad["_VALIDATED_NORMALIZATION"] == nil, "\(bad)")
    }

    @Test func markedELFIsValidatedAndATamperedMarkIsNot() throws {
        let home = try TestSupport.makeTempDir("exec-validated")
        defer { TestSupport.removeTree(home) }
        let elf = home.appendingPathComponent("sleep").path
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: elf)
        let chalkID = try insert(elf, home: home)

        let (status, item) = try execItem([elf, "0.3"], home: home)
        #expect(status == 0)
        #expect(item["_OP_ARTIFACT_TYPE"] as? String == "ELF")
        #expect(item["CHALK_ID"] as? String == chalkID)
        #expect(item["_VALIDATED_METADATA"] as? Bool == true, "\(item)")
        #expect(item["_VALIDATED_NORMALIZATION"] as? String == "current", "\(item)")

        try tamper(elf, key: "CHALK_RAND")
        let (status2, bad) = try execItem([elf, "0.3"], home: home)
        #expect(status2 == 0)
        #expect(bad["CHALK_ID"] as? String == chalkID)
        #expect(bad["_VALIDATED_METADATA"] as? Bool == false, "\(bad)")
        #expect(bad["_VALIDATED_NORMALIZATION"] == nil, "\(bad)")
    }
}
