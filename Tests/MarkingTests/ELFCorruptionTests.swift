import Foundation
import Testing
import ChalkTestSupport
@testable import Marking

/// Truncated and corrupted ELF files: the codec declines them or claims them, and insert /
/// delete either produce a parsable ELF or throw a MarkingError naming the file. A crash (trap)
/// would abort the test process, so simply reaching the end is part of the check.
@Suite struct ELFCorruptionTests {
    /// SplitMix64: a fixed-seed generator so failures reproduce.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    enum Outcome: Equatable { case declined, claimed }

    /// Scans `bytes`, then renders an insert and a delete when claimed. Returns what happened.
    @discardableResult
    static func exercise(_ bytes: [UInt8], path: String = "/corrupt/elf") -> Outcome {
        let codec = ELFCodec()
        let input = ArtifactInput(path: path, bytes: bytes)
        guard let scan = try? codec.scan(input, operation: .insert) else { return .declined }
        #expect(scan.unchalkedHash?.count == 64)
        for mark in [ELFTestIO.mark("FUZZ"), nil] {
            do {
                let out = try codec.render(input, scan: scan, mark: mark)
                #expect((try? ELFLayout(ELFImage(out))) != nil, "render output must parse")
            } catch {
                #expect(error.path == path)
                #expect(!error.message.isEmpty)
            }
        }
        return .claimed
    }

    static func markedHello() throws -> [UInt8] {
        let dir = try TestSupport.makeTempDir("elf-corrupt")
        defer { TestSupport.removeTree(dir) }
        let path = try ELFFixture.hello.make(in: dir)
        let input = try ELFTestIO.input(path)
        let codec = ELFCodec()
        let scan = try #require(try codec.scan(input, operation: .insert))
        return try codec.render(input, scan: scan, mark: ELFTestIO.mark("CORRUPT"))
    }

    @Test func truncatedFilesNeverCrash() throws {
        let marked = try Self.markedHello()
        var cuts = Set(0..<130)
        cuts.formUnion(stride(from: 130, to: marked.count, by: 41))
        cuts.formUnion((marked.count - 1200)..<marked.count)
        var claimed = 0
        for n in cuts.sorted() where Self.exercise(Array(marked[0..<n])) == .claimed { claimed += 1 }
        // Cutting into the section table or shstrtab makes the parse fail: nothing short is claimed.
        #expect(claimed == 0)
        #expect(Self.exercise(marked) == .claimed)
    }

    @Test func corruptedHeadersNeverCrash() throws {
        let marked = try Self.markedHello()
        let layout = try ELFLayout(ELFImage(marked))
        // The bytes that steer the parser: ELF header, program headers, section headers, shstrtab.
        let hot: [Range<Int>] = [
            0..<64, 64..<(64 + 56 * 13), layout.shoff..<marked.count,
            Int(layout.stringTable.offset)..<Int(layout.stringTable.offset + layout.stringTable.size),
            Int(layout.sections[layout.chalkIndex!].offset)..<Int(layout.stringTable.offset),  // the mark's JSON
        ]
        let nasty: [UInt8] = [0x00, 0x01, 0x07, 0x08, 0x40, 0x7F, 0x80, 0xFE, 0xFF]
        var rng = SplitMix(state: 0xC4A1_4E1F)
        var outcomes = [Outcome: Int]()
        for _ in 0..<3000 {
            var b = marked
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let r = hot.randomElement(using: &rng)!
                let at = Int.random(in: r, using: &rng)
                b[at] = Bool.random(using: &rng) ? nasty.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            }
            outcomes[Self.exercise(b), default: 0] += 1
        }
        #expect(outcomes[.declined, default: 0] > 0)
        #expect(outcomes[.claimed, default: 0] > 0)
    }

    /// Offsets and counts at their extremes (overflow territory) in every header field.
    @Test func extremeHeaderFieldsNeverCrash() throws {
        let marked = try Self.markedHello()
        let fields: [(Int, Int)] = [(0x20, 8), (0x28, 8), (0x36, 2), (0x38, 2), (0x3A, 2), (0x3C, 2), (0x3E, 2)]
        let layout = try ELFLayout(ELFImage(marked))
        var sectionFields = [(Int, Int)]()
        for i in layout.sections.indices {
            let h: Int = layout.shoff + 64 * i
            sectionFields += [(h, 4), (h + 0x18, 8), (h + 0x20, 8)]
        }
        let values: [UInt64] = [0, 1, 63, 64, 0xFFFF, 0xFF00, 0x7FFF_FFFF_FFFF_FFFF, .max, .max - 7, UInt64(marked.count)]
        for (at, width) in fields + sectionFields {
            for v in values {
                var b = marked
                ELFTestIO.putLE(&b, at, width, v)
                Self.exercise(b)
            }
        }
    }
}
