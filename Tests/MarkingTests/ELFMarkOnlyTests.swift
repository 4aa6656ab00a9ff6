import Foundation
import Testing
import ChalkTestSupport
@testable import Marking

/// `ELFCodec.readMarkOnly` and `CodecRegistry.nativeMark` (how chalk reads its own mark without
/// reading its whole binary) agree with a full read and claim on real binaries in every state:
/// unmarked, marked, re-marked, unchalked (`.chalk.free`), with the last-resort mark, damaged.
@Suite struct ELFMarkOnlyTests {
    /// The mark (and its bytes) that a full read claimed by the native codecs finds.
    func fullScan(_ path: String) throws -> (mark: ChalkObject?, bytes: [UInt8]?)? {
        let input = try ArtifactFiles.read(path)
        guard let (_, scan) = try CodecRegistry.claim(input, operation: .extract, codecs: CodecRegistry.nativeCodecs())
        else { return nil }
        return (scan.mark, scan.markBytes)
    }

    /// Checks both entry points against the full read; returns what readMarkOnly said.
    @discardableResult
    func expectSameAsFullRead(_ path: String, _ label: String) throws -> ELFMarkOnly {
        let full = try fullScan(path)
        #expect(try CodecRegistry.nativeMark(atPath: path) == full?.mark, "\(label): nativeMark")
        let quick = ELFCodec.readMarkOnly(path: path)
        if case .claimed(let mark, let bytes) = quick {
            // Only what the elf codec claims may come back from the quick path.
            #expect(try ELFCodec().scan(try ELFTestIO.input(path), operation: .extract) != nil, "\(label)")
            #expect(mark == full?.mark, "\(label): mark")
            #expect(bytes == full?.bytes, "\(label): mark bytes")
        }
        return quick
    }

    func isClaimed(_ r: ELFMarkOnly) -> Bool { if case .claimed = r { true } else { false } }

    @Test(arguments: [ELFFixture.trueBinary, .ls, .helloStripped])
    func agreesWithTheFullReadThroughMarkingStates(_ fixture: ELFFixture) throws {
        let dir = try TestSupport.makeTempDir("elf-mark-only")
        defer { TestSupport.removeTree(dir) }
        let path = try fixture.make(in: dir)
        let codec = ELFCodec()

        // Unmarked.
        #expect(isClaimed(try expectSameAsFullRead(path, "unmarked")))
        if case .claimed(let mark, _) = ELFCodec.readMarkOnly(path: path) { #expect(mark == nil) }

        // Marked: the quick path finds the mark.
        let s0 = try #require(try codec.scan(try ELFTestIO.input(path), operation: .insert))
        try ELFTestIO.write(try codec.render(try ELFTestIO.input(path), scan: s0, mark: ELFTestIO.mark("FIRST")), to: path)
        let r1 = try expectSameAsFullRead(path, "marked")
        guard case .claimed(let mark1?, _) = r1 else { Issue.record("marked binary: no mark on the quick path"); return }
        #expect(mark1["CHALK_ID"] == .string("FIRST"))

        // Re-marked with a longer mark, then unchalked (.chalk.free).
        let s1 = try #require(try codec.scan(try ELFTestIO.input(path), operation: .extract))
        try ELFTestIO.write(try codec.render(try ELFTestIO.input(path), scan: s1, mark: ELFTestIO.mark("SECOND", padding: 5000)), to: path)
        if case .claimed(let m?, _) = try expectSameAsFullRead(path, "re-marked") {
            #expect(m["CHALK_ID"] == .string("SECOND"))
        } else {
            Issue.record("re-marked binary: no mark on the quick path")
        }
        let s2 = try #require(try codec.scan(try ELFTestIO.input(path), operation: .extract))
        try ELFTestIO.write(try codec.render(try ELFTestIO.input(path), scan: s2, mark: nil), to: path)
        #expect(isClaimed(try expectSameAsFullRead(path, "unchalked")))
    }

    @Test func filesTheElfCodecDeclinesTakeTheFullPath() throws {
        let dir = try TestSupport.makeTempDir("elf-mark-only")
        defer { TestSupport.removeTree(dir) }
        let original = try ELFTestIO.read(try ELFFixture.trueBinary.make(in: dir))
        let mark = ELFTestIO.mark("LAST")

        // Cut inside its section header table (at the end of the file): the elf codec declines,
        // elf_last_resort finds the mark appended at the end.
        let truncated = dir.appendingPathComponent("truncated").path
        try ELFTestIO.write(Array(original.prefix(original.count - 1000)) + mark, to: truncated)
        #expect(try ELFCodec().scan(try ELFTestIO.input(truncated), operation: .extract) == nil)
        #expect(!isClaimed(try expectSameAsFullRead(truncated, "truncated")))
        #expect(try CodecRegistry.nativeMark(atPath: truncated)?["CHALK_ID"] == .string("LAST"))

        // Not ELF at all; too short; a directory; missing.
        let text = dir.appendingPathComponent("text").path
        try ELFTestIO.write(Array("#!/bin/sh\necho hi\n".utf8) + mark, to: text)
        #expect(!isClaimed(ELFCodec.readMarkOnly(path: text)))
        #expect(try CodecRegistry.nativeMark(atPath: text) == nil)
        let tiny = dir.appendingPathComponent("tiny").path
        try ELFTestIO.write([0x7F, 0x45, 0x4C, 0x46], to: tiny)
        #expect(!isClaimed(try expectSameAsFullRead(tiny, "tiny")))
        #expect(!isClaimed(ELFCodec.readMarkOnly(path: dir.path)))
        #expect(!isClaimed(ELFCodec.readMarkOnly(path: dir.appendingPathComponent("missing").path)))
        #expect(throws: MarkingError.self) { try CodecRegistry.nativeMark(atPath: dir.appendingPathComponent("missing").path) }
    }

    @Test func aMarkWhoseSectionIsNotValidJSONIsReportedUnmarkedByBoth() throws {
        let dir = try TestSupport.makeTempDir("elf-mark-only")
        defer { TestSupport.removeTree(dir) }
        let path = try ELFFixture.trueBinary.make(in: dir)
        let codec = ELFCodec()
        let s0 = try #require(try codec.scan(try ELFTestIO.input(path), operation: .insert))
        // A section that starts like a mark but is cut off: the JSON never closes inside the file.
        let broken = Array(#"{ "MAGIC" : "dadfedabbadabbed", "CHALK_ID": "#.utf8)
        try ELFTestIO.write(try codec.render(try ELFTestIO.input(path), scan: s0, mark: broken), to: path)
        let r = try expectSameAsFullRead(path, "broken mark")
        guard case .claimed(let mark, _) = r else { Issue.record("broken mark: not claimed"); return }
        #expect(mark == nil)
    }
}
