import Foundation
import Testing
@testable import Marking

/// The fast paths added for speed must decide exactly as the slow ones: the head-only claim
/// check never declines a file that a codec's full scan would claim, the reader hands back the
/// same bytes, and ChalkObject keeps OrderedTable semantics with and without its key index.
@Suite struct PerformancePathTests {
    static let codecs = CodecRegistry.fileCodecs()

    /// Files around the 4 KiB head boundary: shebangs, text, binary, ELF magic, archives.
    static func samples() -> [(name: String, bytes: [UInt8])] {
        let long = String(repeating: "echo x\n", count: 2000)  // 14 KB
        var utf8Cut = Array(repeating: UInt8(ascii: "a"), count: 255) + Array("é".utf8) + Array(repeating: 0x62, count: 5000)
        utf8Cut[300] = 0xFF  // invalid byte after the first 256: still "starts as UTF-8"
        var binary = [UInt8](repeating: 0, count: 9000)
        for i in binary.indices { binary[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) }
        let longShebang = "#!" + String(repeating: " ", count: 5000) + "/bin/sh\n" + long
        return [
            ("run.sh", Array(("#!/bin/sh\n" + long).utf8)),
            ("tool", Array(("#!/usr/bin/env python3\n" + long).utf8)),
            ("late-newline", Array(longShebang.utf8)),
            ("notes.txt", Array(long.utf8)),
            ("notes.md", Array(("#!/bin/sh\n" + long).utf8)),
            ("plain", Array(long.utf8)),
            ("cut", utf8Cut),
            ("blob.bin", binary),
            ("blob", binary),
            ("blob.zip", binary),
            ("fake.zip", Array("PK".utf8) + binary),
            ("data.pyc", binary),
            ("elfish", [0x7F, 0x45, 0x4C, 0x46] + binary),
            ("flE", [0x46, 0x4C, 0x45, 0x7F] + binary),
            ("marked.sh", Array(("#!/bin/sh\n" + long + "# { \"MAGIC\" : \"dadfedabbadabbed\", \"X\" : 1 }\n").utf8)),
        ]
    }

    @Test(arguments: [OperationKind.insert, .extract, .delete])
    func headCheckNeverDeclinesWhatScanClaims(_ op: OperationKind) throws {
        for (name, bytes) in Self.samples() {
            let full = ArtifactInput(path: "/tmp/perf/\(name)", bytes: bytes)
            let head = ArtifactInput(path: full.path, bytes: Array(bytes.prefix(ArtifactFiles.headSize)))
            for codec in Self.codecs {
                // A scan that throws claimed a damaged file: that needs the whole file too.
                let claims: Bool
                do { claims = try codec.scan(full, operation: op) != nil } catch { claims = true }
                let might = codec.mightClaim(head: head, fileSize: bytes.count, operation: op)
                if claims { #expect(might, "\(codec.name) claims \(name) on \(op) but its head check declines it") }
            }
        }
    }

    @Test func headCheckDeclinesUnclaimableFiles() {
        let binary = [UInt8](repeating: 0xFF, count: 10000)
        let head = ArtifactInput(path: "/tmp/perf/blob.tar.gz", bytes: Array(binary.prefix(4096)))
        #expect(!Self.codecs.contains { $0.mightClaim(head: head, fileSize: binary.count, operation: .extract) })
        let text = ArtifactInput(path: "/tmp/perf/a.c", bytes: Array(repeating: UInt8(ascii: "x"), count: 4096))
        #expect(!Self.codecs.contains { $0.mightClaim(head: text, fileSize: 9000, operation: .insert) })
        #expect(Self.codecs.contains { $0.mightClaim(head: text, fileSize: 9000, operation: .extract) })
    }

    @Test func readerReturnsTheWholeFileOrDeclinesOnTheHead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("perf-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for size in [0, 1, 4095, 4096, 4097, 70000, 5 << 20] {
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let path = "\(dir)/f\(size)"
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            #expect(try ArtifactFiles.read(path).bytes == bytes)
            var asked = false
            let declined = try ArtifactFiles.read(path) { head, fileSize in
                asked = true
                #expect(head.bytes == Array(bytes.prefix(ArtifactFiles.headSize)) && fileSize == size)
                return false
            }
            // Files that fit in the head are read whole without asking.
            #expect(asked == (size > ArtifactFiles.headSize))
            #expect((declined == nil) == asked)
            #expect(try ArtifactFiles.read(path) { _, _ in true }?.bytes == bytes)
        }
    }

    @Test(arguments: [5, 40])
    func chalkObjectKeepsOrderedTableSemantics(_ n: Int) {
        var o = ChalkObject()
        for i in 0..<n { o["k\(i)"] = .int(Int64(i)) }
        o["k1"] = "again"  // replacing keeps the first position
        #expect(o.keys == (0..<n).map { "k\($0)" })
        #expect(o["k1"] == "again" && o["k\(n - 1)"] == .int(Int64(n - 1)) && o["missing"] == nil)
        o["k0"] = nil
        #expect(o.count == n - 1 && o.keys.first == "k1" && !o.contains("k0"))
        o["k0"] = 0
        #expect(o.keys.last == "k0" && o["k0"] == 0 && o["k2"] == 2)
        var p = ChalkObject()
        for (k, v) in o.entries { p[k] = v }
        #expect(p == o && p.hashValue == o.hashValue)
        p["k2"] = 3
        #expect(p != o)
    }

    @Test func normalizationIgnoresExactlyTheListedKeys() {
        for k in MarkNormalization.ignoredKeys { #expect(MarkNormalization.isIgnored(k)) }
        for k in ["MAGIC_", "magic", "METADATA", "SIGNATURES", "CHALK_ID", "", "EMBEDDED_CHALKS"] {
            #expect(!MarkNormalization.isIgnored(k))
        }
        let entries: [(key: String, value: ChalkValue)] = [("b", 1), ("B", 2), ("a", 3), ("@a", 4), ("é", 5), ("e", 6)]
        #expect(MarkNormalization.sortedByKey(entries).map(\.key) == ["@a", "B", "a", "b", "e", "é"])
    }

    @Test func idFormatIsTheFirstTwentyBase32vCharactersGrouped() {
        var g = SystemRandomNumberGenerator()
        for n in [13, 14, 32, 64] {
            for _ in 0..<200 {
                let raw = (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
                let s = Array(ChalkIdentifiers.base32v(raw.prefix(13)).utf8)
                let expected = [s[0..<6], s[6..<10], s[10..<14], s[14..<20]]
                    .map { String(decoding: $0, as: UTF8.self) }.joined(separator: "-")
                #expect(ChalkIdentifiers.idFormat(raw) == expected)
            }
        }
        #expect(ChalkIdentifiers.idFormat(Array(repeating: 0, count: 13)) == "000000-0000-0000-000000")
        #expect(ChalkIdentifiers.idFormat(Array(repeating: 0xFF, count: 13)) == "ZZZZZZ-ZZZZ-ZZZZ-ZZZZZZ")
    }

    @Test func serializerEscapesAsBefore() {
        var out: [UInt8] = []
        MarkSerializer.appendString("a\"b\\c\n\u{0B}\u{01}/é", to: &out)
        #expect(String(decoding: out, as: UTF8.self) == #""a\"b\\c\n\u000b\u0001/é""#)
        let o: ChalkObject = ["@B": 1, "A": 2, "B": 3, "MAGIC": "dadfedabbadabbed"]
        #expect(MarkSerializer.orderedKeys(o) == ["MAGIC", "A", "@B", "B"])
    }
}
