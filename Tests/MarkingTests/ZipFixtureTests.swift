import Foundation
import Testing
import ChalkTestSupport
@testable import Marking

/// ZIP fixtures built with Python's zipfile (Tests/Fixtures/elfzip/zip_fixtures.py) and the
/// independent checks the ZIP codec tests compare against.
enum ZipTestIO {
    static let script = TestSupport.packageRoot.appendingPathComponent("Tests/Fixtures/elfzip/zip_fixtures.py").path

    static func python(_ args: [String]) throws -> TestSupport.ProcessResult {
        try TestSupport.run("/usr/bin/env", ["python3", script] + args)
    }

    /// Builds fixture `kind` as `dir/name` and returns its path.
    static func make(_ kind: String, in dir: URL, name: String) throws -> String {
        let out = dir.appendingPathComponent(name).path
        let r = try python(["make", kind, out])
        guard r.status == 0 else { throw FixtureError("zip fixture \(kind): \(r.stderr)") }
        return out
    }

    /// (HASH without root chalk.json/chalk, hash of everything) as Python computes them.
    static func treeHashes(_ path: String) throws -> (unchalked: String, current: String) {
        let r = try python(["treehash", path])
        let parts = r.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard r.status == 0, parts.count == 2 else { throw FixtureError("treehash: \(r.stderr)") }
        return (parts[0], parts[1])
    }

    /// Python's view of the members: name, SHA-256 of the content, compression, in order.
    static func members(_ path: String) throws -> [[String]] {
        let r = try python(["members", path])
        guard r.status == 0 else { throw FixtureError("members: \(r.stderr)") }
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[Any]] ?? []
        return json.map { $0.map { "\($0)" } }
    }

    static func memberBytes(_ path: String, _ name: String) throws -> [UInt8] {
        let r = try python(["read", path, name])
        guard r.status == 0 else { throw FixtureError("read \(name): \(r.stderr)") }
        return [UInt8](r.stdoutData)
    }

    /// `unzip -t` and `python3 -m zipfile -t` both accept the archive.
    static func verifyWithTools(_ path: String) throws -> String {
        var problems = ""
        let u = try TestSupport.run("/usr/bin/unzip", ["-t", path])
        if u.status != 0 || !u.stdout.contains("No errors detected") { problems += "unzip -t: \(u.stdout) \(u.stderr)\n" }
        let p = try TestSupport.run("/usr/bin/env", ["python3", "-m", "zipfile", "-t", path])
        if p.status != 0 || !p.stdout.contains("Done testing") { problems += "zipfile -t: \(p.stdout) \(p.stderr)\n" }
        return problems
    }
}

@Suite struct ZipFixtureTests {
    /// The fixtures really have the structures the codec tests rely on.
    @Test func fixturesHaveTheirStructures() throws {
        let dir = try TestSupport.makeTempDir("zip-fixture")
        defer { TestSupport.removeTree(dir) }
        let zip64 = try ZipArchive(ELFTestIO.read(try ZipTestIO.make("zip64", in: dir, name: "z64.zip")))
        #expect(zip64.zip64Record != nil)
        #expect(zip64.entries.contains { $0.offsetField.width == 8 })
        let descriptor = try ZipArchive(ELFTestIO.read(try ZipTestIO.make("descriptor", in: dir, name: "d.zip")))
        #expect(descriptor.entries.allSatisfy { $0.flags & 0x8 != 0 })
        let comment = try ZipArchive(ELFTestIO.read(try ZipTestIO.make("comment", in: dir, name: "c.zip")))
        #expect(comment.endRecord.count > 22)
    }
}
