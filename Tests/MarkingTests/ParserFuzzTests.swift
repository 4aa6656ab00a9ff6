import Testing
@testable import Marking

/// Mutation fuzzing of the parsers (JSON parser, finder, script and pyc codecs, elf_last_resort)
/// for a fixed number of iterations with a fixed seed: no input may crash, hang or break the
/// codecs' invariants. Runs in well under a second.
@Suite struct ParserFuzzTests {
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    static let seeds: [[UInt8]] = [
        Array(IdentifierVectorTests.realMark.utf8),
        Array(#"{ "MAGIC" : "dadfedabbadabbed", "A" : [1, -2.5e3, true, null, { "x" : "\u00e9\n" }], "B" : {  } }"#.utf8),
        Array(#"{"MAGIC":"dadfedabbadabbed"}"#.utf8),
    ]

    static let tokens: [[UInt8]] = ["{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "dadfedabbadabbed", " ", "\n",
                                    "\u{0}", "-", "0", "1e", ".", "true", "null", "\"MAGIC\""].map { Array($0.utf8) }

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix) -> [UInt8] {
        var b = input
        for _ in 0...rng.below(4) {
            switch rng.below(5) {
            case 0 where !b.isEmpty: b[rng.below(b.count)] = UInt8(truncatingIfNeeded: rng.next())
            case 1 where !b.isEmpty: b.remove(at: rng.below(b.count))
            case 2: b.insert(contentsOf: tokens[rng.below(tokens.count)], at: rng.below(b.count + 1))
            case 3 where !b.isEmpty: b = Array(b[0..<rng.below(b.count)])  // truncate
            default:
                if b.count > 2 {
                    let i = rng.below(b.count), j = rng.below(b.count)
                    b.swapAt(i, j)
                }
            }
        }
        return b
    }

    @Test func mutatedMarksNeverCrashAndKeepInvariants() throws {
        var rng = SplitMix(state: 0xC4A1_4D5E_ED00_0001)
        var parsed = 0
        for iteration in 0..<3000 {
            let seed = Self.seeds[iteration % Self.seeds.count]
            let m = Self.mutate(seed, &rng)
            // Parser: a success must re-serialize into something that parses to the same object.
            if let (o, end) = try? MarkParser.parseObject(m) {
                parsed += 1
                #expect(end <= m.count)
                // Top-level keys come back sorted, so compare the serialized forms.
                let bytes = MarkSerializer.serialize(o)
                let again = try? MarkParser.parseWholeObject(bytes)
                #expect(again.map { MarkSerializer.serialize($0) } == bytes)
            }
            // Finder: any mark found lies inside the buffer and starts with '{'.
            let framed = Array("junk\n# ".utf8) + m + Array("\ntrailer".utf8)
            if let f = MarkFinder.firstValidMark(in: framed) {
                #expect(f.start < f.end && f.end <= framed.count && framed[f.start] == UInt8(ascii: "{"))
            }
            // Script codec: a claimed script round-trips (insert then delete gives the same unmarked content).
            let script = ArtifactInput(path: "/f/s.sh", bytes: Array("#!/bin/sh\n".utf8) + framed)
            if let scan = try SourceCodec().scan(script, operation: .insert) {
                let marked = try SourceCodec().render(script, scan: scan, mark: CodecRoundTripTests.mark)
                let rescan = try #require(try SourceCodec().scan(ArtifactInput(path: "/f/s.sh", bytes: marked), operation: .extract))
                #expect(rescan.isMarked)
                if !scan.isMarked { #expect(rescan.unchalkedHash == scan.unchalkedHash) }
            }
            // pyc codec: insert into a mutated file never loses the bytes before the mark.
            let pyc = ArtifactInput(path: "/f/m.pyc", bytes: [0x6F, 0x0D, 0x0D, 0x0A] + m)
            let ps = try #require(try PythonBytecodeCodec().scan(pyc, operation: .insert))
            let out = try PythonBytecodeCodec().render(pyc, scan: ps, mark: CodecRoundTripTests.mark)
            #expect(out.count >= CodecRoundTripTests.mark.count)
            if !ps.isMarked { #expect(Array(out.prefix(pyc.bytes.count)) == pyc.bytes) }
            // elf_last_resort on a mutated header never crashes.
            let elf = ArtifactInput(path: "/f/e", bytes: [0x7F, 0x45, 0x4C, 0x46] + m)
            _ = try ElfLastResortCodec().scan(elf, operation: .extract)
        }
        #expect(parsed > 100)  // the mutations exercise the success path too
    }

    @Test func randomBytesNeverCrash() throws {
        var rng = SplitMix(state: 7)
        for _ in 0..<500 {
            let n = rng.below(600)
            var b = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if n > 40, rng.below(2) == 0 { b.replaceSubrange(20..<36, with: MarkFinder.magic) }
            _ = try? MarkParser.parseObject(b)
            _ = MarkFinder.firstValidMark(in: b)
            for codec in CodecRegistry.fileCodecs() {
                for op in [OperationKind.insert, .extract] {
                    let input = ArtifactInput(path: "/r/x.pyc", bytes: b)
                    if let s = try? codec.scan(input, operation: op) {
                        _ = try? codec.render(input, scan: s, mark: nil)
                    }
                }
            }
        }
    }
}
