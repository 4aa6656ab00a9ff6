import Foundation
import Testing
import ChalkTestSupport
@testable import Marking

/// ELF fixtures made on the spot (copies of system binaries, tiny gcc programs) and helpers
/// shared by the ELF codec tests.
enum ELFFixture: String, CaseIterable, CustomStringConvertible, Sendable {
    case ls, trueBinary = "true", hello, helloStripped = "hello-s"

    var description: String { rawValue }

    /// The program's arguments for a run whose output is compared before and after marking.
    var runArguments: [String] {
        switch self {
        case .ls: ["-1", "/"]
        case .trueBinary: ["--version"]
        case .hello, .helloStripped: ["a", "b"]
        }
    }

    static let helloSource = """
        #include <stdio.h>
        int main(int argc, char **argv) { printf("hello from %d args, last %s\\n", argc, argv[argc - 1]); return 3; }
        """

    /// Makes the fixture in `dir` and returns its path.
    func make(in dir: URL) throws -> String {
        let out = dir.appendingPathComponent(rawValue).path
        switch self {
        case .ls: try FileManager.default.copyItem(atPath: "/bin/ls", toPath: out)
        case .trueBinary: try FileManager.default.copyItem(atPath: "/bin/true", toPath: out)
        case .hello, .helloStripped:
            let src = dir.appendingPathComponent("hello-\(rawValue).c")
            try Self.helloSource.write(to: src, atomically: true, encoding: .utf8)
            let args = (self == .helloStripped ? ["-s"] : []) + ["-O1", "-o", out, src.path]
            let r = try TestSupport.run("/usr/bin/gcc", args)
            guard r.status == 0 else { throw FixtureError("gcc failed: \(r.stderr)") }
        }
        return out
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

enum ELFTestIO {
    static let referenceScript = TestSupport.packageRoot
        .appendingPathComponent("Tests/Fixtures/elfzip/elf_chalk_reference.py").path

    static func read(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    static func write(_ bytes: [UInt8], to path: String, mode: Int = 0o755) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    static func input(_ path: String) throws -> ArtifactInput { ArtifactInput(path: path, bytes: try read(path), mode: 0o755) }

    /// A mark in Chalk's serialized layout (the exact content doesn't matter to the ELF codec).
    static func mark(_ id: String, padding: Int = 0) -> [UInt8] {
        Array(("{ \"MAGIC\" : \"dadfedabbadabbed\", \"CHALK_ID\" : \"\(id)\", \"PAD\" : \""
            + String(repeating: "p", count: padding) + "\" }").utf8)
    }

    /// The independent Python reference (Tests/Fixtures/elfzip/elf_chalk_reference.py).
    static func referenceHash(_ path: String) throws -> String {
        let r = try TestSupport.run("/usr/bin/env", ["python3", referenceScript, "hash", path])
        guard r.status == 0 else { throw FixtureError("reference hash failed: \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func referenceMark(_ path: String, mark: [UInt8], dir: URL) throws -> [UInt8] {
        let m = dir.appendingPathComponent("ref-mark-\(UUID().uuidString)").path
        let out = m + ".out"
        try Data(mark).write(to: URL(fileURLWithPath: m))
        let r = try TestSupport.run("/usr/bin/env", ["python3", referenceScript, "mark", path, m, out])
        guard r.status == 0 else { throw FixtureError("reference mark failed: \(r.stderr)") }
        return try read(out)
    }

    static func referenceDelete(_ path: String, dir: URL) throws -> [UInt8] {
        let out = dir.appendingPathComponent("ref-del-\(UUID().uuidString)").path
        let r = try TestSupport.run("/usr/bin/env", ["python3", referenceScript, "delete", path, out])
        guard r.status == 0 else { throw FixtureError("reference delete failed: \(r.stderr)") }
        return try read(out)
    }

    /// `readelf -S -W`: the section names in table order, and whatever readelf complained about.
    static func sections(_ path: String) throws -> (names: [String], complaints: String) {
        let r = try TestSupport.run("/usr/bin/readelf", ["-S", "-W", path])
        var names = [String]()
        for line in r.stdout.split(separator: "\n") {
            guard let close = line.firstIndex(of: "]"), line.trimmingCharacters(in: .whitespaces).hasPrefix("[") else { continue }
            let rest = line[line.index(after: close)...].split(separator: " ")
            if let first = rest.first, !line.contains("Nr]") { names.append(String(first)) }
        }
        return (names, r.stderr + (r.status == 0 ? "" : "exit \(r.status)"))
    }

    /// Runs `path` with `args` and returns (status, stdout, stderr) for comparison.
    static func runOutput(_ path: String, _ args: [String]) throws -> String {
        let r = try TestSupport.run(path, args)
        return "status \(r.status) signaled \(r.signaled)\n\(r.stdout)\n--\n\(r.stderr)"
    }

    /// A little-endian integer from `bytes`.
    static func le(_ bytes: [UInt8], _ at: Int, _ width: Int) -> UInt64 {
        (0..<width).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[at + $1]) }
    }

    static func putLE(_ bytes: inout [UInt8], _ at: Int, _ width: Int, _ v: UInt64) {
        for k in 0..<width { bytes[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
    }
}

@Suite struct ELFFixtureTests {
    @Test func gccFixturesAreELF() throws {
        let dir = try TestSupport.makeTempDir("elf-fixture")
        defer { TestSupport.removeTree(dir) }
        for f in ELFFixture.allCases {
            let bytes = try ELFTestIO.read(try f.make(in: dir))
            #expect(Array(bytes.prefix(4)) == [0x7F, 0x45, 0x4C, 0x46], "\(f)")
        }
    }
}
