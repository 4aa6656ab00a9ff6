import Foundation
import Testing
import ChalkTestSupport
@testable import Marking

/// HASH of archives holding artifacts (spec §3.4 "Unchalked HASH" step 1): nested artifacts
/// are hashed in their deleted form, checked against an independent Python computation.
@Suite struct ZipNestedTests {
    static let script = TestSupport.packageRoot.appendingPathComponent("Tests/Fixtures/elfzip/zip_nested_fixtures.py").path
    static let shellScript = Array("#!/bin/sh\necho nested\n".utf8)
    static let innerScript = Array("#!/bin/sh\necho inner\n".utf8)
    static let readme = Array("plain text, claimed by no codec but source\n".utf8)
    /// A .pyc: a 3.12 header and some bytecode-like bytes (not UTF-8).
    static let pyc: [UInt8] = [0xCB, 0x0D, 0x0D, 0x0A] + [UInt8](repeating: 0, count: 12) + [0xE3, 0x00, 0xFF, 0x80, 0x01]

    /// A member: archive name, content, compression.
    struct Member { var name: String; var content: [UInt8]; var deflated = true }

    /// Writes each content to `dir` and returns the SPEC file the Python helper reads.
    static func spec(_ members: [Member], in dir: URL, tag: String) throws -> String {
        var rows: [[String]] = []
        for (i, m) in members.enumerated() {
            let file = dir.appendingPathComponent("\(tag)-\(i).bin").path
            try ELFTestIO.write(m.content, to: file, mode: 0o644)
            rows.append([m.name, file, m.deflated ? "deflated" : "stored"])
        }
        let spec = dir.appendingPathComponent("\(tag).json").path
        try JSONSerialization.data(withJSONObject: rows).write(to: URL(fileURLWithPath: spec))
        return spec
    }

    static func python(_ args: [String]) throws -> String {
        let r = try TestSupport.run("/usr/bin/env", ["python3", script] + args)
        guard r.status == 0 else { throw FixtureError("zip_nested_fixtures \(args.first ?? ""): \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func build(_ members: [Member], in dir: URL, name: String) throws -> [UInt8] {
        let out = dir.appendingPathComponent(name).path
        _ = try python(["build", out, try spec(members, in: dir, tag: name)])
        return try ELFTestIO.read(out)
    }

    /// A script marked the way `chalk insert` marks it (the source codec's own insert).
    static func marked(_ script: [UInt8], id: String) throws -> [UInt8] {
        let input = ArtifactInput(path: "/x/run.sh", bytes: script)
        let scan = try #require(try SourceCodec().scan(input, operation: .insert))
        let out = try SourceCodec().render(input, scan: scan, mark: ELFTestIO.mark(id))
        #expect(out != script)
        return out
    }

    static func elfInput(_ bytes: [UInt8]) -> ArtifactInput { ArtifactInput(path: "/x/true", bytes: bytes, mode: 0o755) }

    /// /bin/true in the canonical `.chalk.free` form, as the ELF codec's delete leaves it.
    static func canonicalELF(_ bytes: [UInt8]) throws -> [UInt8] {
        let scan = try #require(try ELFCodec().scan(elfInput(bytes), operation: .delete))
        return try ELFCodec().render(elfInput(bytes), scan: scan, mark: nil)
    }

    static func hash(_ bytes: [UInt8], codec: ZipCodec = ZipCodec()) throws -> CodecScan {
        try #require(try codec.scan(ArtifactInput(path: "/x/outer.zip", bytes: bytes), operation: .extract))
    }

    /// The expected HASH, built independently: the normalized tree in Python, the nested zip
    /// re-rendered by Python's zipfile in the documented canonical form.
    static func expectedHash(in dir: URL, elf: [UInt8], hidden: [UInt8]) throws -> String {
        let innerSpec = try spec([Member(name: "bin/run.sh", content: innerScript),
                                  Member(name: "data.txt", content: readme)], in: dir, tag: "inner-norm")
        let innerOut = dir.appendingPathComponent("inner-canonical.zip").path
        _ = try python(["canonical", innerOut, innerSpec])
        let tree = try spec([
            Member(name: "bin/true", content: try canonicalELF(elf)),
            Member(name: "scripts/tool.sh", content: shellScript),
            Member(name: "pkg/mod.pyc", content: pyc),
            Member(name: "lib/inner.zip", content: try ELFTestIO.read(innerOut)),
            Member(name: "README.md", content: readme),
            Member(name: ".hidden/x.sh", content: hidden),
        ], in: dir, tag: "tree")
        return try python(["treehash", tree])
    }

    /// The archive with every nested item marked: an unmarked ELF, a marked script, a nested
    /// zip holding a marked script, a marked .pyc, and a marked script under a hidden directory (ignored by
    /// the default `ignore_patterns`, so hashed as stored).
    static func outerMarked(in dir: URL, elf: [UInt8]) throws -> (bytes: [UInt8], hidden: [UInt8]) {
        let inner = try build([Member(name: "bin/run.sh", content: try marked(innerScript, id: "INNER")),
                               Member(name: "data.txt", content: readme)], in: dir, name: "inner.zip")
        let hidden = try marked(shellScript, id: "HIDDEN")
        let outer = try build([
            Member(name: "bin/true", content: elf),
            Member(name: "scripts/tool.sh", content: try marked(shellScript, id: "TOOL")),
            Member(name: "pkg/mod.pyc", content: pyc + ELFTestIO.mark("PYC")),
            Member(name: "lib/inner.zip", content: inner, deflated: false),
            Member(name: "README.md", content: readme),
            Member(name: ".hidden/x.sh", content: hidden),
        ], in: dir, name: "outer.zip")
        return (outer, hidden)
    }

    @Test func hashMatchesIndependentNormalizedTree() throws {
        let dir = try TestSupport.makeTempDir("zip-nested")
        defer { TestSupport.removeTree(dir) }
        let elf = try ELFTestIO.read("/bin/true")
        let (outer, hidden) = try Self.outerMarked(in: dir, elf: elf)
        let expected = try Self.expectedHash(in: dir, elf: elf, hidden: hidden)
        let scan = try Self.hash(outer)
        #expect(scan.unchalkedHash == expected)
        // The unmarked ELF really is changed by normalization (Chalk's .chalk.free quirk).
        #expect(try Self.canonicalELF(elf) != elf)

        // _CURRENT_HASH stays the tree hash of the contents as stored.
        let path = dir.appendingPathComponent("outer.zip").path
        #expect(scan.extra["_CURRENT_HASH"] == .string(try ZipTestIO.treeHashes(path).current))
        #expect(scan.unchalkedHash != (try ZipTestIO.treeHashes(path).unchalked))
    }

    @Test func hashIsTheSameBeforeAndAfterMarkingNestedItems() throws {
        let dir = try TestSupport.makeTempDir("zip-nested-same")
        defer { TestSupport.removeTree(dir) }
        let elf = try ELFTestIO.read("/bin/true")
        let (marked, hidden) = try Self.outerMarked(in: dir, elf: elf)

        // The same content with nothing marked (and the nested zip compressed differently)...
        let innerPlain = try Self.build([Member(name: "data.txt", content: Self.readme, deflated: false),
                                         Member(name: "bin/run.sh", content: Self.innerScript)], in: dir, name: "plain-inner.zip")
        let plain = try Self.build([
            Member(name: "README.md", content: Self.readme),
            Member(name: "bin/true", content: elf),
            Member(name: "scripts/tool.sh", content: Self.shellScript),
            Member(name: "pkg/mod.pyc", content: Self.pyc),
            Member(name: "lib/inner.zip", content: innerPlain),
            Member(name: ".hidden/x.sh", content: hidden),
        ], in: dir, name: "plain.zip")
        // ...and with the ELF marked and the nested zip itself carrying a chalk.json mark.
        let markedELFScan = try #require(try ELFCodec().scan(Self.elfInput(elf), operation: .insert))
        let markedELF = try ELFCodec().render(Self.elfInput(elf), scan: markedELFScan, mark: ELFTestIO.mark("ELF"))
        let innerInput = ArtifactInput(path: "/x/inner.zip", bytes: innerPlain)
        let innerScan = try #require(try ZipCodec().scan(innerInput, operation: .insert))
        let innerMarked = try ZipCodec().render(innerInput, scan: innerScan, mark: ELFTestIO.mark("INNERZIP"))
        let allMarked = try Self.build([
            Member(name: "bin/true", content: markedELF),
            Member(name: "scripts/tool.sh", content: try Self.marked(Self.shellScript, id: "T2")),
            Member(name: "pkg/mod.pyc", content: Self.pyc + ELFTestIO.mark("PYC2", padding: 9)),
            Member(name: "lib/inner.zip", content: innerMarked),
            Member(name: "README.md", content: Self.readme),
            Member(name: ".hidden/x.sh", content: hidden),
        ], in: dir, name: "all.zip")

        let h = try Self.hash(marked).unchalkedHash
        #expect(h != nil)
        #expect(try Self.hash(plain).unchalkedHash == h)
        #expect(try Self.hash(allMarked).unchalkedHash == h)
        // Each differs as stored, so only normalization makes them agree.
        #expect(try Self.hash(plain).extra["_CURRENT_HASH"] != Self.hash(marked).extra["_CURRENT_HASH"])
        #expect(try Self.hash(allMarked).extra["_CURRENT_HASH"] != Self.hash(marked).extra["_CURRENT_HASH"])
        // A marked script under a hidden directory is ignored, so marking it does change HASH.
        let otherHidden = try Self.build([
            Member(name: "bin/true", content: elf),
            Member(name: "scripts/tool.sh", content: Self.shellScript),
            Member(name: "pkg/mod.pyc", content: Self.pyc),
            Member(name: "lib/inner.zip", content: innerPlain),
            Member(name: "README.md", content: Self.readme),
            Member(name: ".hidden/x.sh", content: Self.shellScript),
        ], in: dir, name: "other-hidden.zip")
        #expect(try Self.hash(otherHidden).unchalkedHash != h)
    }

    @Test func outerInsertAndDeleteKeepStoredMembers() throws {
        let dir = try TestSupport.makeTempDir("zip-nested-keep")
        defer { TestSupport.removeTree(dir) }
        let (outer, _) = try Self.outerMarked(in: dir, elf: try ELFTestIO.read("/bin/true"))
        let path = dir.appendingPathComponent("outer.zip").path
        let originalMembers = try ZipTestIO.members(path)
        let codec = ZipCodec()
        let s0 = try Self.hash(outer)

        let mark = ELFTestIO.mark("OUTER")
        let marked = try codec.render(ArtifactInput(path: path, bytes: outer), scan: s0, mark: mark)
        try ELFTestIO.write(marked, to: path, mode: 0o644)
        #expect(Array(try ZipTestIO.members(path).dropLast()) == originalMembers)
        let s1 = try Self.hash(marked)
        #expect(s1.markBytes == mark)
        #expect(s1.unchalkedHash == s0.unchalkedHash)
        #expect(s1.extra["_CURRENT_HASH"] == .string(try ZipTestIO.treeHashes(path).current))

        let deleted = try codec.render(ArtifactInput(path: path, bytes: marked), scan: s1, mark: nil)
        #expect(deleted == outer)
    }

    @Test func nestingDepthAndTotalWorkAreBounded() throws {
        let dir = try TestSupport.makeTempDir("zip-nested-bounds")
        defer { TestSupport.removeTree(dir) }
        // Twelve levels of archives, each holding a marked script and the next archive.
        var level = try Self.build([Member(name: "a.sh", content: try Self.marked(Self.shellScript, id: "L"))], in: dir, name: "l0.zip")
        for i in 1...12 {
            level = try Self.build([Member(name: "a.sh", content: try Self.marked(Self.shellScript, id: "L\(i)")),
                                    Member(name: "next.zip", content: level)], in: dir, name: "l\(i).zip")
        }
        let deep = try Self.hash(level)
        #expect(deep.unchalkedHash != nil)
        // With a depth of 1, only the outer archive's members and its direct archive are
        // normalized; the result differs from the full normalization.
        var shallowLimits = ZipLimits(); shallowLimits.maxNestingDepth = 1
        #expect(try Self.hash(level, codec: ZipCodec(limits: shallowLimits)).unchalkedHash != deep.unchalkedHash)

        // Many nested archives together exceed the total budget: a clear tooLarge error.
        let big = [UInt8](repeating: 0x61, count: 300_000)
        let bomb = try Self.build([Member(name: "big.txt", content: big)], in: dir, name: "bomb.zip")
        let many = try Self.build((0..<10).map { Member(name: "n\($0).zip", content: bomb) }, in: dir, name: "many.zip")
        #expect(try Self.hash(many).unchalkedHash != nil)
        var tight = ZipLimits(); tight.maxTotalUncompressed = 1_000_000
        #expect(throws: MarkingError.self) { try ZipCodec(limits: tight).scan(ArtifactInput(path: "/x/many.zip", bytes: many), operation: .extract) }
    }

    @Test func thousandsOfSmallMembersStayFast() throws {
        let dir = try TestSupport.makeTempDir("zip-nested-many")
        defer { TestSupport.removeTree(dir) }
        let members = (0..<3000).map { Member(name: "d\($0 % 30)/f\($0).dat", content: [0xFF, 0xFE] + Array("\($0)".utf8)) }
        let bytes = try Self.build(members, in: dir, name: "many.zip")
        let clock = ContinuousClock()
        var scan: CodecScan?
        let took = try clock.measure { scan = try Self.hash(bytes) }
        let path = dir.appendingPathComponent("many.zip").path
        #expect(scan?.unchalkedHash == (try ZipTestIO.treeHashes(path).unchalked))
        #expect(took < .seconds(10))
    }
}
