import Foundation
import Testing
import ChalkTestSupport
@testable import Marking

/// The three truncation-offset cases of spec §3.1 on binaries rearranged on purpose, checked
/// byte for byte against the Python reference, plus the stale-sh_size quirk of the orphaned table.
@Suite struct ELFLayoutTests {
    enum Arrangement: String, CaseIterable, CustomStringConvertible, Sendable {
        /// `.comment` moved after the section table: T = EOF, the old table survives.
        case sectionAfterTable
        /// `.shstrtab` moved after the section table: T = its offset, the old table survives.
        case stringTableAfterTable
        /// `.comment` overlapping `.shstrtab`: the table is last but shstrtab is not, T = e_shoff.
        case stringTableOverlapped
        /// gcc's own layout (…, .shstrtab, table): T = shstrtab offset.
        case natural

        var description: String { rawValue }
    }

    /// Rearranges gcc's `hello` as `arrangement` says; returns the bytes and the expected T.
    static func arrange(_ original: [UInt8], _ arrangement: Arrangement) throws -> (bytes: [UInt8], t: Int) {
        var b = original
        let layout = try ELFLayout(ELFImage(original))
        let strtab = layout.stringTable
        let comment = try #require(layout.sections.first { $0.name == Array(".comment".utf8) })
        switch arrangement {
        case .natural:
            return (b, Int(strtab.offset))
        case .sectionAfterTable:
            let copyAt = b.count
            b += original[Int(comment.offset)..<Int(comment.offset + comment.size)]
            ELFTestIO.putLE(&b, comment.headerOffset + 0x18, 8, UInt64(copyAt))
            return (b, b.count)
        case .stringTableAfterTable:
            let copyAt = b.count
            b += original[Int(strtab.offset)..<Int(strtab.offset + strtab.size)]
            ELFTestIO.putLE(&b, strtab.headerOffset + 0x18, 8, UInt64(copyAt))
            return (b, copyAt)
        case .stringTableOverlapped:
            ELFTestIO.putLE(&b, comment.headerOffset + 0x18, 8, strtab.offset)
            return (b, layout.shoff)
        }
    }

    @Test(arguments: Arrangement.allCases)
    func truncationOffsetAndQuirk(_ arrangement: Arrangement) throws {
        let dir = try TestSupport.makeTempDir("elf-layout")
        defer { TestSupport.removeTree(dir) }
        let helloPath = try ELFFixture.hello.make(in: dir)
        let expectedRun = try ELFTestIO.runOutput(helloPath, ELFFixture.hello.runArguments)
        let (crafted, t) = try Self.arrange(try ELFTestIO.read(helloPath), arrangement)
        let path = dir.appendingPathComponent("crafted").path
        try ELFTestIO.write(crafted, to: path)
        #expect(try ELFTestIO.runOutput(path, ELFFixture.hello.runArguments) == expectedRun)
        let before = try ELFLayout(ELFImage(crafted))

        let codec = ELFCodec()
        let s0 = try #require(try codec.scan(try ELFTestIO.input(path), operation: .insert))
        let hash = try ELFTestIO.referenceHash(path)
        #expect(s0.unchalkedHash == hash)
        #expect(!hash.hasPrefix("raw:"))

        let mark = ELFTestIO.mark("LAYOUT-\(arrangement)")
        let marked = try codec.render(try ELFTestIO.input(path), scan: s0, mark: mark)
        #expect(marked == (try ELFTestIO.referenceMark(path, mark: mark, dir: dir)))

        // Layout, field by field: the chalk data at T + pad8(T), shstrtab after it with the
        // name appended, the table after that, the new header placed before the last one.
        let after = try ELFLayout(ELFImage(marked))
        let chalkOffset = t + ELFChalkEditor.pad8(t)
        let chalk = after.sections[try #require(after.chalkIndex)]
        #expect(Int(chalk.offset) == chalkOffset)
        #expect(Array(marked[chalkOffset..<chalkOffset + mark.count]) == mark)
        #expect(marked[t..<chalkOffset].allSatisfy { $0 == 0 })
        #expect(Array(marked[0..<min(t, 0x28)]) == Array(crafted[0..<min(t, 0x28)]))
        #expect(after.shnum == before.shnum + 1)
        #expect(after.shstrndx == before.shstrndx + 1, "gcc puts .shstrtab's header last")
        #expect(after.sections[after.shstrndx - 1].name == ELFLayout.markName)
        #expect(chalk.nameIndex == before.stringTable.size)
        #expect(after.stringTable.size == before.stringTable.size + 12)
        let newStrOff = chalkOffset + mark.count + ELFChalkEditor.pad8(chalkOffset + mark.count)
        #expect(Int(after.stringTable.offset) == newStrOff)
        let endOfStrtab = newStrOff + Int(after.stringTable.size)
        #expect(after.shoff == endOfStrtab + ELFChalkEditor.pad8(endOfStrtab))
        #expect(marked.count == after.shoff + 64 * after.shnum)

        // [quirk] When the old table survives below T, its shstrtab entry keeps the old offset
        // and the new size.
        let oldEntry = before.stringTable.headerOffset
        if before.shoff + 64 * before.shnum <= t {
            #expect(ELFTestIO.le(marked, oldEntry + 0x18, 8) == before.stringTable.offset)
            #expect(ELFTestIO.le(marked, oldEntry + 0x20, 8) == before.stringTable.size + 12)
        }
        #expect((arrangement == .sectionAfterTable || arrangement == .stringTableAfterTable)
            == (before.shoff + 64 * before.shnum <= t))

        try ELFTestIO.write(marked, to: path)
        #expect(try ELFTestIO.runOutput(path, ELFFixture.hello.runArguments) == expectedRun)
        #expect(try ELFTestIO.sections(path).complaints.isEmpty)

        // insert → delete → insert keeps HASH.
        let s1 = try #require(try codec.scan(try ELFTestIO.input(path), operation: .extract))
        #expect(s1.markBytes == mark)
        #expect(s1.unchalkedHash == hash)
        let deleted = try codec.render(try ELFTestIO.input(path), scan: s1, mark: nil)
        #expect(deleted == (try ELFTestIO.referenceDelete(path, dir: dir)))
        try ELFTestIO.write(deleted, to: path)
        let s2 = try #require(try codec.scan(try ELFTestIO.input(path), operation: .insert))
        #expect(!s2.isMarked)
        #expect(s2.unchalkedHash == hash)
        let again = try codec.render(try ELFTestIO.input(path), scan: s2, mark: mark)
        #expect(again == marked)
    }

    /// Chalk's `intersect` counts: ranges that start before EOF and end after the offset.
    @Test func intersectCountsRangesEndingAfterOffset() throws {
        let dir = try TestSupport.makeTempDir("elf-intersect")
        defer { TestSupport.removeTree(dir) }
        let layout = try ELFLayout(ELFImage(try ELFTestIO.read(try ELFFixture.hello.make(in: dir))))
        #expect(layout.intersectCount(UInt64(layout.shoff)) == 1)
        #expect(layout.intersectCount(layout.stringTable.offset) == 2)
        #expect(layout.intersectCount(0) == layout.ranges.count)
        #expect(layout.intersectCount(UInt64(layout.fileSize)) == 0)
    }
}
