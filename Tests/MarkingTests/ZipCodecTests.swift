import Foundation
import Testing
import ChalkTestSupport
@testable import Marking

/// Insert → extract → re-insert → delete on archives built by Python's zipfile, checked with
/// `unzip -t`, `python3 -m zipfile -t` and Python's own reading of the members.
@Suite struct ZipCodecTests {
    struct Case: CustomStringConvertible, Sendable {
        var kind: String
        var file: String
        var type: String
        var description: String { "\(kind) as \(file)" }
    }

    static let cases: [Case] = [
        Case(kind: "basic", file: "app.zip", type: "ZIP"),
        Case(kind: "jar", file: "hello.jar", type: "JAR"),
        Case(kind: "jar", file: "site.war", type: "WAR"),
        Case(kind: "jar", file: "suite.ear", type: "EAR"),
        Case(kind: "basic", file: "model.pt", type: "PyTorch checkpoint"),
        Case(kind: "basic", file: "model.pth", type: "PyTorch checkpoint"),
        Case(kind: "basic", file: "model.keras", type: "Keras model"),
        Case(kind: "comment", file: "commented.zip", type: "ZIP"),
        Case(kind: "descriptor", file: "streamed.zip", type: "ZIP"),
        Case(kind: "zip64", file: "large.zip", type: "ZIP"),
        Case(kind: "duplicates", file: "dups.zip", type: "ZIP"),
        Case(kind: "empty", file: "nothing.zip", type: "ZIP"),
    ]

    let codec = ZipCodec()

    @Test(arguments: cases)
    func roundTrip(_ c: Case) throws {
        let dir = try TestSupport.makeTempDir("zip-rt")
        defer { TestSupport.removeTree(dir) }
        let path = try ZipTestIO.make(c.kind, in: dir, name: c.file)
        let original = try ELFTestIO.read(path)
        let originalMembers = try ZipTestIO.members(path)
        let hashes = try ZipTestIO.treeHashes(path)

        let s0 = try #require(try codec.scan(try ELFTestIO.input(path), operation: .insert))
        #expect(s0.artifactType == c.type)
        #expect(!s0.isMarked)
        #expect(s0.unchalkedHash == hashes.unchalked)
        #expect(s0.extra["_CURRENT_HASH"] == .string(hashes.current))

        // Insert: every original member, in order, with identical bytes; chalk.json last,
        // holding exactly the mark.
        let mark = ELFTestIO.mark("ZIPMARK")
        let marked = try codec.render(try ELFTestIO.input(path), scan: s0, mark: mark)
        try ELFTestIO.write(marked, to: path, mode: 0o644)
        #expect(try ZipTestIO.verifyWithTools(path) == "")
        let markedMembers = try ZipTestIO.members(path)
        #expect(Array(markedMembers.dropLast()) == originalMembers)
        #expect(markedMembers.last?.first == "chalk.json")
        #expect(try ZipTestIO.memberBytes(path, "chalk.json") == mark)
        let markedHashes = try ZipTestIO.treeHashes(path)
        #expect(markedHashes.unchalked == hashes.unchalked)

        let s1 = try #require(try codec.scan(try ELFTestIO.input(path), operation: .extract))
        #expect(s1.markBytes == mark)
        #expect(s1.mark?["CHALK_ID"] == .string("ZIPMARK"))
        #expect(s1.unchalkedHash == hashes.unchalked)
        #expect(s1.extra["_CURRENT_HASH"] == .string(markedHashes.current))
        #expect(try codec.treeHashes(marked, path: path).current == markedHashes.current)

        // Re-insert: one chalk.json, the new mark, same HASH.
        let mark2 = ELFTestIO.mark("ZIPMARK-2", padding: 2000)
        let remarked = try codec.render(try ELFTestIO.input(path), scan: s1, mark: mark2)
        try ELFTestIO.write(remarked, to: path, mode: 0o644)
        #expect(try ZipTestIO.verifyWithTools(path) == "")
        let remarkedMembers = try ZipTestIO.members(path)
        #expect(Array(remarkedMembers.dropLast()) == originalMembers)
        #expect(remarkedMembers.filter { $0.first == "chalk.json" }.count == 1)
        #expect(try ZipTestIO.memberBytes(path, "chalk.json") == mark2)
        let s2 = try #require(try codec.scan(try ELFTestIO.input(path), operation: .extract))
        #expect(s2.markBytes == mark2)
        #expect(s2.unchalkedHash == hashes.unchalked)

        // Delete: the original archive, byte for byte.
        let deleted = try codec.render(try ELFTestIO.input(path), scan: s2, mark: nil)
        #expect(deleted == original)
        let s3 = try #require(try codec.scan(ArtifactInput(path: path, bytes: deleted), operation: .extract))
        #expect(!s3.isMarked)
        #expect(s3.unchalkedHash == hashes.unchalked)
    }

    /// An archive that already holds a root chalk.json in the middle (as a re-zipping tool
    /// leaves it): found, replaced, removed; the other members keep their order and bytes.
    @Test(arguments: ["premarked", "premarked-streamed"])
    func markInTheMiddleIsReplacedAndRemoved(_ kind: String) throws {
        let dir = try TestSupport.makeTempDir("zip-mid")
        defer { TestSupport.removeTree(dir) }
        let path = try ZipTestIO.make(kind, in: dir, name: "pre.jar")
        let hashes = try ZipTestIO.treeHashes(path)
        let others = try ZipTestIO.members(path).filter { $0.first != "chalk.json" }

        let s0 = try #require(try codec.scan(try ELFTestIO.input(path), operation: .extract))
        #expect(s0.mark?["CHALK_ID"] == .string("PREVIOUS"))
        #expect(s0.unchalkedHash == hashes.unchalked)
        #expect(s0.extra["_CURRENT_HASH"] == .string(hashes.current))
        #expect(hashes.unchalked != hashes.current)

        let mark = ELFTestIO.mark("NEW")
        try ELFTestIO.write(try codec.render(try ELFTestIO.input(path), scan: s0, mark: mark), to: path, mode: 0o644)
        #expect(try ZipTestIO.verifyWithTools(path) == "")
        let after = try ZipTestIO.members(path)
        #expect(Array(after.dropLast()) == others)
        #expect(after.last?.first == "chalk.json")
        #expect(try ZipTestIO.memberBytes(path, "chalk.json") == mark)
        #expect(try codec.scan(try ELFTestIO.input(path), operation: .extract)?.unchalkedHash == hashes.unchalked)

        let deleted = try codec.render(try ELFTestIO.input(path), scan: s0, mark: nil)
        try ELFTestIO.write(deleted, to: path, mode: 0o644)
        #expect(try ZipTestIO.verifyWithTools(path) == "")
        #expect(try ZipTestIO.members(path) == others)
        #expect(try codec.scan(try ELFTestIO.input(path), operation: .extract)?.isMarked == false)
    }

    /// Claim rules: extensions are case-sensitive, `PK` is required, wheels are not ZIP here.
    @Test func claimRules() throws {
        let dir = try TestSupport.makeTempDir("zip-claim")
        defer { TestSupport.removeTree(dir) }
        let bytes = try ELFTestIO.read(try ZipTestIO.make("jar", in: dir, name: "x.jar"))
        for name in ["x.JAR", "x.Zip", "x.whl", "x.apk", "x", "x.zip.txt"] {
            #expect(try codec.scan(ArtifactInput(path: "/t/\(name)", bytes: bytes), operation: .insert) == nil, "\(name)")
        }
        #expect(try codec.scan(ArtifactInput(path: "/t/empty.zip", bytes: []), operation: .insert) == nil)
        #expect(try codec.scan(ArtifactInput(path: "/t/text.zip", bytes: Array("hello".utf8)), operation: .insert) == nil)
        #expect(try codec.scan(ArtifactInput(path: "/t/x.zip", bytes: bytes), operation: .insert) != nil)
    }

    /// The tree hash is the spec's: count, then per file (sorted by path bytes) the decimal
    /// length of the `/`-prefixed name, the name, the decimal size, the content.
    @Test func treeHashLayoutByHand() throws {
        let dir = try TestSupport.makeTempDir("zip-hand")
        defer { TestSupport.removeTree(dir) }
        let path = try ZipTestIO.make("duplicates", in: dir, name: "d.zip")
        var expected = Array("2".utf8)
        for (name, content) in [("/dup.txt", "second version wins\n"), ("/other.txt", "other\n")] {
            expected += Array("\(name.utf8.count)\(name)\(content.utf8.count)\(content)".utf8)
        }
        let s = try #require(try codec.scan(try ELFTestIO.input(path), operation: .extract))
        #expect(s.unchalkedHash == SHA256.hexDigest(expected))
    }
}
