import Foundation
import Testing
import ChalkTestSupport
@testable import Marking

/// Insert → extract → re-mark → delete → insert on real binaries, checked byte for byte against
/// the independent Python reference, with the binaries run before and after.
@Suite struct ELFCodecTests {
    let codec = ELFCodec()

    @Test(arguments: ELFFixture.allCases)
    func roundTrip(_ fixture: ELFFixture) throws {
        let dir = try TestSupport.makeTempDir("elf-rt")
        defer { TestSupport.removeTree(dir) }
        let path = try fixture.make(in: dir)
        let original = try ELFTestIO.read(path)
        let expectedRun = try ELFTestIO.runOutput(path, fixture.runArguments)
        let referenceHash = try ELFTestIO.referenceHash(path)

        // Unmarked: claimed, HASH is the canonical .chalk.free hash.
        let s0 = try #require(try codec.scan(try ELFTestIO.input(path), operation: .insert))
        #expect(s0.artifactType == "ELF")
        #expect(!s0.isMarked)
        #expect(s0.unchalkedHash == referenceHash)
        #expect(!referenceHash.hasPrefix("raw:"))

        // Insert: byte-exact with the reference, runs the same, readelf is happy.
        let mark1 = ELFTestIO.mark("FIRST")
        let marked = try codec.render(try ELFTestIO.input(path), scan: s0, mark: mark1)
        #expect(marked == (try ELFTestIO.referenceMark(path, mark: mark1, dir: dir)))
        #expect(Array(marked.prefix(0x18)) == Array(original.prefix(0x18)), "entry point and ident unchanged")
        try ELFTestIO.write(marked, to: path)
        #expect(try ELFTestIO.runOutput(path, fixture.runArguments) == expectedRun)
        let (names1, complaints1) = try ELFTestIO.sections(path)
        #expect(complaints1.isEmpty)
        #expect(names1.filter { $0.hasPrefix(".chalk") } == [".chalk.mark"])

        // Extract: the mark and its bytes; HASH unchanged.
        let s1 = try #require(try codec.scan(try ELFTestIO.input(path), operation: .extract))
        #expect(s1.markBytes == mark1)
        #expect(s1.mark?["CHALK_ID"] == .string("FIRST"))
        #expect(s1.mark?["MAGIC"] == .string("dadfedabbadabbed"))
        #expect(s1.unchalkedHash == referenceHash)

        // Re-mark with a longer mark: replaced in place, still one section.
        let mark2 = ELFTestIO.mark("SECOND", padding: 301)
        let remarked = try codec.render(try ELFTestIO.input(path), scan: s1, mark: mark2)
        #expect(remarked == (try ELFTestIO.referenceMark(path, mark: mark2, dir: dir)))
        try ELFTestIO.write(remarked, to: path)
        #expect(try ELFTestIO.runOutput(path, fixture.runArguments) == expectedRun)
        #expect(try ELFTestIO.sections(path).names.filter { $0.hasPrefix(".chalk") } == [".chalk.mark"])
        let s2 = try #require(try codec.scan(try ELFTestIO.input(path), operation: .extract))
        #expect(s2.markBytes == mark2)
        #expect(s2.unchalkedHash == referenceHash)

        // Delete: the canonical .chalk.free form holding the raw digest; still runs; unmarked.
        let deleted = try codec.render(try ELFTestIO.input(path), scan: s2, mark: nil)
        #expect(deleted == (try ELFTestIO.referenceDelete(path, dir: dir)))
        try ELFTestIO.write(deleted, to: path)
        #expect(try ELFTestIO.runOutput(path, fixture.runArguments) == expectedRun)
        let (names3, complaints3) = try ELFTestIO.sections(path)
        #expect(complaints3.isEmpty)
        #expect(names3.filter { $0.hasPrefix(".chalk") } == [".chalk.free"])
        let s3 = try #require(try codec.scan(try ELFTestIO.input(path), operation: .extract))
        #expect(!s3.isMarked)
        #expect(s3.unchalkedHash == referenceHash)
        let layout = try ELFLayout(ELFImage(deleted))
        let free = layout.sections[try #require(layout.chalkIndex)]
        #expect(free.size == 32)
        #expect(Hex.encode(deleted[Int(free.offset)..<Int(free.offset) + 32]) == referenceHash)

        // Insert again: same HASH, same bytes as the first insert.
        let again = try codec.render(try ELFTestIO.input(path), scan: s3, mark: mark1)
        #expect(again == marked)
        try ELFTestIO.write(again, to: path)
        let s4 = try #require(try codec.scan(try ELFTestIO.input(path), operation: .extract))
        #expect(s4.unchalkedHash == referenceHash)
        #expect(s4.markBytes == mark1)
    }

    /// `strip` and `objcopy` after marking: the binary still runs, the mark is still found, and
    /// (for strip, which changes the content) the recomputed HASH differs.
    @Test(arguments: [
        ("/usr/bin/strip", [String]()), ("/usr/bin/objcopy", [String]()), ("/usr/bin/strip", ["--strip-debug"]),
    ])
    func markSurvivesBinutils(_ tool: String, _ flags: [String]) throws {
        let dir = try TestSupport.makeTempDir("elf-binutils")
        defer { TestSupport.removeTree(dir) }
        let path = try ELFFixture.hello.make(in: dir)
        let expectedRun = try ELFTestIO.runOutput(path, ELFFixture.hello.runArguments)
        let s0 = try #require(try codec.scan(try ELFTestIO.input(path), operation: .insert))
        let mark = ELFTestIO.mark("STRIPME")
        try ELFTestIO.write(try codec.render(try ELFTestIO.input(path), scan: s0, mark: mark), to: path)

        let out = dir.appendingPathComponent("after-tool").path
        let args = tool.hasSuffix("objcopy") ? flags + [path, out] : flags + ["-o", out, path]
        let r = try TestSupport.run(tool, args)
        #expect(r.status == 0, "\(tool): \(r.stderr)")
        #expect(try ELFTestIO.sections(out).complaints.isEmpty)
        #expect(try ELFTestIO.runOutput(out, ELFFixture.hello.runArguments) == expectedRun)

        let s1 = try #require(try codec.scan(try ELFTestIO.input(out), operation: .extract))
        #expect(s1.markBytes == mark)
        // After objcopy/strip moved the tail around, the reference may fall back to the raw SHA-256.
        let ref = try ELFTestIO.referenceHash(out)
        #expect(s1.unchalkedHash == (ref.hasPrefix("raw:") ? String(ref.dropFirst(4)) : ref))
        if tool.hasSuffix("strip") { #expect(s1.unchalkedHash != s0.unchalkedHash) }

        // Re-marking the tool's output either works (one section, still runs) or fails with a
        // clear layout error; it never corrupts the file.
        do {
            let remarked = try codec.render(try ELFTestIO.input(out), scan: s1, mark: ELFTestIO.mark("AGAIN"))
            try ELFTestIO.write(remarked, to: out)
            #expect(try ELFTestIO.runOutput(out, ELFFixture.hello.runArguments) == expectedRun)
            #expect(try ELFTestIO.sections(out).names.filter { $0.hasPrefix(".chalk") } == [".chalk.mark"])
        } catch let error as MarkingError {
            #expect(error.code == .layout)
            #expect(error.description.contains(out))
        }
    }

    /// A compact mark is found (the back-scan allows zero spaces); a section holding broken
    /// JSON reads as unmarked with the same HASH, and the next insert replaces it.
    @Test func compactAndBrokenMarks() throws {
        let dir = try TestSupport.makeTempDir("elf-json")
        defer { TestSupport.removeTree(dir) }
        let path = try ELFFixture.helloStripped.make(in: dir)
        let s0 = try #require(try codec.scan(try ELFTestIO.input(path), operation: .insert))
        let compact = Array(#"{"MAGIC":"dadfedabbadabbed","CHALK_ID":"C"}"#.utf8)
        let broken = Array(#"{ "MAGIC" : "dadfedabbadabbed", "CHALK_ID" : oops }"#.utf8)
        let noMagic = Array(#"{ "CHALK_ID" : "X", "MAGIC" : "dadfedabbadabbed" }"#.utf8)
        for (bytes, found) in [(compact, true), (broken, false), (noMagic, false)] {
            let marked = try codec.render(try ELFTestIO.input(path), scan: s0, mark: bytes)
            let s = try #require(try codec.scan(ArtifactInput(path: path, bytes: marked), operation: .extract))
            #expect(s.isMarked == found)
            #expect(s.markBytes == (found ? bytes : nil))
            #expect(s.unchalkedHash == s0.unchalkedHash)
            let fixed = try codec.render(ArtifactInput(path: path, bytes: marked), scan: s, mark: ELFTestIO.mark("OK"))
            let s2 = try #require(try codec.scan(ArtifactInput(path: path, bytes: fixed), operation: .extract))
            #expect(s2.markBytes == ELFTestIO.mark("OK"))
            #expect(try ELFLayout(ELFImage(fixed)).sections.filter { $0.name.starts(with: Array(".chalk".utf8)) }.count == 1)
        }
    }

    /// Relocatable objects without program headers (typical `.o`) and non-ELF files are declined.
    @Test func declinesObjectFilesAndNonELF() throws {
        let dir = try TestSupport.makeTempDir("elf-decline")
        defer { TestSupport.removeTree(dir) }
        let src = dir.appendingPathComponent("x.c")
        try ELFFixture.helloSource.write(to: src, atomically: true, encoding: .utf8)
        let obj = dir.appendingPathComponent("x.o").path
        #expect(try TestSupport.run("/usr/bin/gcc", ["-c", "-o", obj, src.path]).status == 0)
        #expect(try codec.scan(try ELFTestIO.input(obj), operation: .insert) == nil)
        #expect(try codec.scan(ArtifactInput(path: "/x.sh", bytes: Array("#!/bin/sh\n".utf8)), operation: .insert) == nil)
        #expect(try codec.scan(ArtifactInput(path: "/x", bytes: [0x7F, 0x45, 0x4C]), operation: .insert) == nil)
    }
}
