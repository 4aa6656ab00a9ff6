import Testing
@testable import Marking

/// IDs and normalization against the spec's vectors (spec/mark-format.md §2, §9).
@Suite struct IdentifierVectorTests {
    /// The real Chalk 0.2.2 mark of §9 (tests/functional/data/python/sample_2/main.py).
    static let realMark = #"{ "MAGIC" : "dadfedabbadabbed", "CHALK_ID" : "C4W62R-HS69-J3JC-K4CSJ6", "CHALK_VERSION" : "0.2.2", "TIMESTAMP_WHEN_CHALKED" : 1703173284113, "DATETIME_WHEN_CHALKED" : "2023-12-21T10:41:18.691-05:00", "ARTIFACT_TYPE" : "python", "CHALK_RAND" : "67989bb4f6fe58cf", "CODE_OWNERS" : "* @viega\n", "HASH" : "a8ab92d92dfdeb4f66d895c5963882d9e905df7c7ecd74463d91a5063d14691b", "INJECTOR_COMMIT_ID" : "65770ba03a8b839b9a4c9907a3eff2924db102bc", "PLATFORM_WHEN_CHALKED" : "GNU/Linux x86_64", "METADATA_ID" : "2Y472M-0BKB-WQ5B-N1B1ME" }"#

    @Test func base32vAlphabetAndBitOrder() {
        #expect(ChalkIdentifiers.base32v([0x00]) == "00")
        #expect(ChalkIdentifiers.base32v([0xFF]) == "ZW")
        #expect(ChalkIdentifiers.base32v([0x84, 0x21]) == "GGGG")  // 10000 10000 10000 1(0000)
        #expect(ChalkIdentifiers.base32v([]) == "")
    }

    @Test func chalkIDOfEmptySHA256() {
        let h = SHA256.hexDigest([])
        #expect(h == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(ChalkIdentifiers.chalkID(fromHash: h) == "CMSP4C-336G-T34E-9RCSHK")
    }

    @Test func chalkIDFromRealMarkHash() {
        #expect(ChalkIdentifiers.chalkID(fromHash: "a8ab92d92dfdeb4f66d895c5963882d9e905df7c7ecd74463d91a5063d14691b")
                == "C4W62R-HS69-J3JC-K4CSJ6")
    }

    @Test func randomChalkIDHasTheFormat() {
        let id = ChalkIdentifiers.randomChalkID()
        #expect(id.count == 23)
        #expect(id.split(separator: "-").map(\.count) == [6, 4, 4, 6])
        #expect(id.allSatisfy { $0 == "-" || "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains($0) })
    }

    @Test func normalizationWorkedExample() {
        let d: ChalkObject = ["MAGIC": "dadfedabbadabbed", "CHALK_ID": "AB", "TIMESTAMP_WHEN_CHALKED": 1,
                              "COMMIT_SIGNED": true, "METADATA_ID": "X"]
        var expected: [UInt8] = [0x05, 3, 0, 0, 0]
        expected += [0x01, 8, 0, 0, 0] + Array("CHALK_ID".utf8) + [0x01, 2, 0, 0, 0] + Array("AB".utf8)
        expected += [0x01, 13, 0, 0, 0] + Array("COMMIT_SIGNED".utf8) + [0x03, 0x01]
        expected += [0x01, 22, 0, 0, 0] + Array("TIMESTAMP_WHEN_CHALKED".utf8) + [0x02, 1, 0, 0, 0, 0, 0, 0, 0]
        #expect(MarkNormalization.current.normalize(d) == expected)
        let (hash, id) = MarkNormalization.current.metadataIdentity(d)
        #expect(hash == "d4792f7c1c400cdfe92cc75428c73c3678c98b1526c0af3ef41c9cefdcc9cbcc")
        #expect(id == "THWJYZ-0W80-6DZT-9CRXA2")
    }

    @Test func realMarkLegacyAndCurrentIDs() throws {
        let mark = try MarkParser.parseWholeObject(Array(Self.realMark.utf8))
        #expect(MarkNormalization.legacy.metadataIdentity(mark).id == "2Y472M-0BKB-WQ5B-N1B1ME")
        #expect(MarkNormalization.current.metadataIdentity(mark).id == "9YH2MA-0790-TCK7-82EWG0")
    }

    @Test func validationAcceptsLegacyAndSaysSo() throws {
        let mark = try MarkParser.parseWholeObject(Array(Self.realMark.utf8))
        let hash = "a8ab92d92dfdeb4f66d895c5963882d9e905df7c7ecd74463d91a5063d14691b"
        let v = MarkValidation.validate(mark, currentHash: hash)
        #expect(v.valid && v.normalization == .legacy)
        // The same dict re-identified under the current normalization validates as "current".
        var cur = mark
        cur["METADATA_ID"] = .string("9YH2MA-0790-TCK7-82EWG0")
        #expect(MarkValidation.validate(cur, currentHash: hash).normalization == .current)
    }

    @Test func validationRejectsTamperingAndMissingKeys() throws {
        let mark = try MarkParser.parseWholeObject(Array(Self.realMark.utf8))
        let hash = "a8ab92d92dfdeb4f66d895c5963882d9e905df7c7ecd74463d91a5063d14691b"
        #expect(!MarkValidation.validate(mark, currentHash: SHA256.hexDigest([1, 2, 3])).valid)
        var edited = mark
        edited["CHALK_RAND"] = "0000000000000000"
        #expect(!MarkValidation.validate(edited, currentHash: hash).valid)
        var noID = mark
        noID["METADATA_ID"] = nil
        #expect(!MarkValidation.validate(noID, currentHash: hash).valid)
        #expect(!MarkValidation.validate(["MAGIC": "dadfedabbadabbed"], currentHash: hash).valid)
        #expect(!MarkValidation.validate([:], currentHash: hash).valid)
        var badHash = mark
        badHash["METADATA_HASH"] = "00"
        #expect(!MarkValidation.validate(badHash, currentHash: hash).valid)
    }

    @Test func legacyNestedObjectsKeepInsertionOrder() {
        let nested: ChalkObject = ["b": 1, "a": 2]
        let d: ChalkObject = ["X": .object(nested)]
        let cur = MarkNormalization.current.normalize(d)
        let leg = MarkNormalization.legacy.normalize(d)
        #expect(cur.first == 0x05 && leg.first == 0x01)
        // In the current form "a" (0x61) precedes "b"; in the legacy form "b" comes first.
        let aCur = cur.firstIndex(of: 0x61)!, bCur = cur.firstIndex(of: 0x62)!
        let aLeg = leg.firstIndex(of: 0x61)!, bLeg = leg.firstIndex(of: 0x62)!
        #expect(aCur < bCur && bLeg < aLeg)
        #expect(MarkNormalization.current.normalize(["F": 1.5, "N": .null]) == [0x05, 2, 0, 0, 0, 1, 1, 0, 0, 0, 0x46, 0x06, 1, 1, 0, 0, 0, 0x4E, 0x07])
    }
}
