import Foundation
import Testing
import ChalkTestSupport
@testable import Marking

/// Damaged and hostile archives: a clear MarkingError naming the file, never a crash or hang.
@Suite struct ZipCorruptionTests {
    let codec = ZipCodec()

    static func fixture(_ kind: String, _ name: String = "t.zip") throws -> [UInt8] {
        let dir = try TestSupport.makeTempDir("zip-bad")
        defer { TestSupport.removeTree(dir) }
        return try ELFTestIO.read(try ZipTestIO.make(kind, in: dir, name: name))
    }

    /// Scans (and when that works, renders an insert and a delete of) `bytes`; returns the
    /// error message, or nil when everything succeeded.
    func outcome(_ bytes: [UInt8], path: String = "/bad/t.zip") -> (code: MarkingError.Code, message: String)? {
        let input = ArtifactInput(path: path, bytes: bytes)
        do {
            guard let scan = try codec.scan(input, operation: .extract) else { return nil }
            _ = try codec.render(input, scan: scan, mark: ELFTestIO.mark("FUZZ"))
            _ = try codec.render(input, scan: scan, mark: nil)
            return nil
        } catch {
            #expect(error.path == path)
            #expect(error.description.hasPrefix(path + ": zip: "))
            return (error.code, error.message)
        }
    }

    @Test func bombOverTheSizeCapIsRefused() throws {
        let bomb = try Self.fixture("bomb")
        let small = ZipCodec(limits: ZipLimits(maxTotalUncompressed: 10 << 20))
        #expect(throws: MarkingError.self) { try small.scan(ArtifactInput(path: "/b/bomb.zip", bytes: bomb), operation: .extract) }
        do {
            _ = try small.scan(ArtifactInput(path: "/b/bomb.zip", bytes: bomb), operation: .extract)
        } catch {
            #expect(error.code == .tooLarge)
            #expect(error.message.contains("ZIP bomb"))
        }
        // Within the default limits the same archive is fine (40 MiB of zeros is legitimate).
        #expect(try codec.scan(ArtifactInput(path: "/b/bomb.zip", bytes: bomb), operation: .extract) != nil)
    }

    @Test func lyingSizesAreCaughtEarly() throws {
        let bomb = try Self.fixture("bomb")
        let archive = try ZipArchive(bomb)
        let entry = archive.entries[0]
        // Declared smaller than the real content: inflation stops at the first excess chunk.
        var under = bomb
        ZipArchive.put(&under, entry.centralRecord.lowerBound + 24, 4, 1 << 20)
        let u = try #require(outcome(under))
        #expect(u.message.contains("more than its declared"))
        // Declared absurdly large: refused by the ratio check before any inflation.
        var over = bomb
        ZipArchive.put(&over, entry.centralRecord.lowerBound + 24, 4, 0xFFFF_FFF0)
        let clock = ContinuousClock()
        let start = clock.now
        let o = try #require(outcome(over))
        #expect(o.code == .tooLarge)
        #expect(clock.now - start < .seconds(5))
    }

    @Test func overlappingMembersAreRefused() throws {
        let basic = try Self.fixture("basic")
        let a = try ZipArchive(basic)
        // A second central record pointing at the first member's local header.
        let dup = Array(basic[a.entries[0].centralRecord])
        var b = Array(basic[0..<a.centralDirectory.upperBound]) + dup
        var end = Array(basic[a.endRecord])
        ZipArchive.put(&end, 8, 2, UInt64(a.entries.count + 1))
        ZipArchive.put(&end, 10, 2, UInt64(a.entries.count + 1))
        ZipArchive.put(&end, 12, 4, UInt64(a.centralDirectory.count + dup.count))
        b += end
        let o = try #require(outcome(b))
        #expect(o.message.contains("overlap"))
    }

    @Test func structuralDamageGivesClearErrors() throws {
        let basic = try Self.fixture("basic")
        let a = try ZipArchive(basic)
        var badCentral = basic
        badCentral[a.centralDirectory.lowerBound] = 0x00
        #expect(try #require(outcome(badCentral)).message.contains("central directory entry 0 is corrupt"))

        var badLocal = basic
        badLocal[Int(a.entries[2].localOffset)] = 0x00
        #expect(try #require(outcome(badLocal)).message.contains("local header of entry 2"))

        var badData = basic
        let guide = try #require(a.entries.firstIndex { $0.name == Array("docs/guide.txt".utf8) })
        for i in a.entries[guide].data.prefix(8) { badData[i] ^= 0x5A }
        let d = try #require(outcome(badData))
        #expect(d.message.contains("docs/guide.txt"))

        var encrypted = basic
        ZipArchive.put(&encrypted, a.entries[0].centralRecord.lowerBound + 8, 2, 1)
        #expect(try #require(outcome(encrypted)).code == .unsupported)

        #expect(try #require(outcome(try Self.fixture("bzip2"))).message.contains("compression method 12"))
        #expect(try #require(outcome(Array("PK".utf8) + [UInt8](repeating: 0, count: 100))).message.contains("end of central directory"))
    }

    @Test func unsafePathsAreRefused() throws {
        let jar = try Self.fixture("jar")
        let a = try ZipArchive(jar)
        // Rename "Hello.class" (11 bytes) to "../../x.cls" in the central directory.
        var b = jar
        let nameAt = a.entries[1].centralRecord.lowerBound + 46
        b.replaceSubrange(nameAt..<(nameAt + 11), with: Array("../../x.cls".utf8))
        #expect(try #require(outcome(b)).message.contains("'..'"))
    }

    @Test func truncationsNeverCrash() throws {
        let marked = try codec.render(ArtifactInput(path: "/t.zip", bytes: try Self.fixture("basic")),
                                      scan: CodecScan(artifactType: "ZIP"), mark: ELFTestIO.mark("T"))
        var failures = 0
        for n in Set(Array(0..<64) + Array(stride(from: 64, to: marked.count, by: 7))).sorted() {
            if outcome(Array(marked[0..<n])) != nil { failures += 1 }
        }
        #expect(failures > 0)
    }

    @Test func randomDamageNeverCrashes() throws {
        let marked = try codec.render(ArtifactInput(path: "/t.zip", bytes: try Self.fixture("descriptor")),
                                      scan: CodecScan(artifactType: "ZIP"), mark: ELFTestIO.mark("R"))
        let a = try ZipArchive(marked)
        let hot: [Range<Int>] = [a.centralDirectory, a.endRecord, 0..<marked.count]
        var rng = ELFCorruptionTests.SplitMix(state: 0x21B_B0B)
        var errors = 0
        for _ in 0..<2000 {
            var b = marked
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let at = Int.random(in: hot.randomElement(using: &rng)!, using: &rng)
                b[at] = [0x00, 0xFF, 0x7F, 0x80].randomElement(using: &rng)! ^ (Bool.random(using: &rng) ? 0 : UInt8.random(in: 0...255, using: &rng))
            }
            if outcome(b) != nil { errors += 1 }
        }
        #expect(errors > 0)
    }
}
