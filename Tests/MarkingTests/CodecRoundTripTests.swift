import Testing
@testable import Marking

/// Codec claim rules and round trips: insert → find → delete restores the exact bytes.
@Suite struct CodecRoundTripTests {
    static let mark = Array(#"{ "MAGIC" : "dadfedabbadabbed", "CHALK_ID" : "X", "N" : 1 }"#.utf8)
    static let mark2 = Array(#"{ "MAGIC" : "dadfedabbadabbed", "CHALK_ID" : "Y", "N" : 22 }"#.utf8)

    func input(_ name: String, _ text: String) -> ArtifactInput { ArtifactInput(path: "/tmp/x/\(name)", bytes: Array(text.utf8)) }

    /// insert, re-insert, delete through `codec`; returns the marked text.
    @discardableResult
    func roundTrip(_ codec: any Codec, _ original: ArtifactInput) throws -> [UInt8] {
        let scan0 = try #require(try codec.scan(original, operation: .insert))
        #expect(!scan0.isMarked)
        let marked = try codec.render(original, scan: scan0, mark: Self.mark)
        let markedInput = ArtifactInput(path: original.path, bytes: marked)
        let scan1 = try #require(try codec.scan(markedInput, operation: .extract))
        #expect(scan1.mark?["N"] == 1)
        #expect(scan1.markBytes == Self.mark)
        #expect(scan1.unchalkedHash == scan0.unchalkedHash)  // HASH survives marking
        // Re-insert replaces the mark in place: one mark, same HASH.
        let scanR = try #require(try codec.scan(markedInput, operation: .insert))
        let remarked = try codec.render(markedInput, scan: scanR, mark: Self.mark2)
        let remarkedInput = ArtifactInput(path: original.path, bytes: remarked)
        let scan2 = try #require(try codec.scan(remarkedInput, operation: .extract))
        #expect(scan2.mark?["N"] == 22 && scan2.unchalkedHash == scan0.unchalkedHash)
        #expect(occurrences(of: MarkFinder.magic, in: remarked) == occurrences(of: MarkFinder.magic, in: original.bytes) + 1)
        let deleted = try codec.render(remarkedInput, scan: scan2, mark: nil)
        #expect(deleted == original.bytes)
        return marked
    }

    func occurrences(of needle: [UInt8], in hay: [UInt8]) -> Int {
        guard hay.count >= needle.count else { return 0 }
        return (0...(hay.count - needle.count)).filter { Array(hay[$0..<($0 + needle.count)]) == needle }.count
    }

    @Test(arguments: [
        ("a.sh", "#!/bin/sh\necho hi\n", "sh", "#"),
        ("a.sh", "#!/bin/sh\necho hi", "sh", "#"),
        ("run", "#!/usr/bin/env python3.11\nprint(1)\n", "python", "#"),
        ("run", "#!/usr/bin/python3\nprint(1)\n", "python3", "#"),
        ("x.js", "#!/usr/bin/env -S node --flag\nconsole.log(1)\n", "node", "//"),
        ("x.php", "#!/usr/bin/php\n<?php echo 1;\n", "php", "//"),
        ("x.tf", "#!/usr/bin/env terraform\n", "terraform", "//"),
        ("x", "#!/bin/bash\n", "bash", "#"),
        ("x.rb", "#!/usr/bin/env ruby\nputs 1\n", "ruby", "#"),
        ("x.pl", "#!/usr/bin/perl -w\nprint 1;\n", "perl", "#"),
        ("x", "#! /bin/zsh\n", "zsh", "#"),
    ])
    func scriptsRoundTrip(name: String, text: String, language: String, comment: String) throws {
        let original = input(name, text)
        let scan = try #require(try SourceCodec().scan(original, operation: .insert))
        #expect(scan.artifactType == language)
        #expect(scan.unchalkedHash == SHA256.hexDigest(original.bytes))
        let marked = try roundTrip(SourceCodec(), original)
        let expected = text.hasSuffix("\n")
            ? text + comment + " " + String(decoding: Self.mark, as: UTF8.self) + "\n"
            : text + "\n" + comment + " " + String(decoding: Self.mark, as: UTF8.self)
        #expect(marked == Array(expected.utf8))
    }

    @Test func scriptsWithoutShebangAreNotMarkedButAreReadOnExtract() throws {
        let plain = input("x.py", "print(1)\n")
        #expect(try SourceCodec().scan(plain, operation: .insert) == nil)
        #expect(try SourceCodec().scan(plain, operation: .extract)?.isMarked == false)
        #expect(try SourceCodec().scan(input("x.json", "#!/bin/sh\n"), operation: .insert) == nil)
        #expect(try SourceCodec().scan(input("x.md", "hi"), operation: .extract) == nil)
        #expect(try SourceCodec().scan(ArtifactInput(path: "/b", bytes: [0xFF, 0xFE, 0x00]), operation: .extract) == nil)
        let misplaced = input("m.py", "\n#!/usr/bin/env python\n")
        #expect(try SourceCodec().scan(misplaced, operation: .insert) == nil)
    }

    @Test func realChalkMarkedScriptHashesLikeChalk() throws {
        // §9: original + "# " + mark + "\n" → HASH = sha256(original); CHALK_ID validates.
        let original = "#!/usr/bin/env python\nprint('hello')\n"
        let text = original + "# " + IdentifierVectorTests.realMark + "\n"
        let scan = try #require(try SourceCodec().scan(input("main.py", text), operation: .extract))
        #expect(scan.unchalkedHash == SHA256.hexDigest(Array(original.utf8)))
        #expect(scan.mark?["METADATA_ID"] == "2Y472M-0BKB-WQ5B-N1B1ME")
        #expect(scan.artifactType == "python")
    }

    @Test func markNotOnItsOwnLineBecomesThePlaceholderForHash() throws {
        let text = "#!/bin/sh\necho '{ \"MAGIC\" : \"dadfedabbadabbed\", \"A\" : 1 }' # trailing\n"
        let scan = try #require(try SourceCodec().scan(input("a.sh", text), operation: .extract))
        #expect(scan.mark?["A"] == 1)
        let placeholderText = "#!/bin/sh\necho '{ \"MAGIC\" : \"dadfedabbadabbed\" }' # trailing\n"
        #expect(scan.unchalkedHash == SHA256.hexDigest(Array(placeholderText.utf8)))
        // Inserting replaces only the JSON.
        let out = try SourceCodec().render(input("a.sh", text), scan: scan, mark: Self.mark)
        #expect(String(decoding: out, as: UTF8.self).hasSuffix(String(decoding: Self.mark, as: UTF8.self) + "' # trailing\n"))
    }

    @Test func pycRoundTripAndHazard() throws {
        var bytes: [UInt8] = [0x6F, 0x0D, 0x0D, 0x0A, 0, 0, 0, 0] + (0..<200).map { UInt8($0) }
        try roundTrip(PythonBytecodeCodec(), ArtifactInput(path: "/t/m.pyc", bytes: bytes))
        // The magic inside the bytecode with no valid mark around it: the file stays intact.
        bytes += MarkFinder.magic + [0x00, 0x01]
        let hazard = ArtifactInput(path: "/t/m.pyc", bytes: bytes)
        let scan = try #require(try PythonBytecodeCodec().scan(hazard, operation: .insert))
        #expect(!scan.isMarked && scan.unchalkedHash == SHA256.hexDigest(bytes))
        let out = try PythonBytecodeCodec().render(hazard, scan: scan, mark: Self.mark)
        #expect(out == bytes + Self.mark)
        try roundTrip(PythonBytecodeCodec(), hazard)
        #expect(try PythonBytecodeCodec().scan(ArtifactInput(path: "/t/m.py", bytes: bytes), operation: .insert) == nil)
        #expect(try PythonBytecodeCodec().scan(ArtifactInput(path: "/t/m.PYC", bytes: bytes), operation: .insert) == nil)
    }

    @Test func elfLastResortAppendsAfterSectionHeaders() throws {
        var elf = [UInt8](repeating: 0, count: 256)
        elf[0...3] = [0x7F, 0x45, 0x4C, 0x46]; elf[4] = 2
        elf[0x28] = 0x80  // e_shoff = 128
        // A mark-looking string before e_shoff is not a mark.
        let fake = Array(#"{ "MAGIC" : "dadfedabbadabbed" }"#.utf8)
        elf.replaceSubrange(64..<(64 + fake.count), with: fake)
        let input = ArtifactInput(path: "/t/bin", bytes: elf)
        let scan = try #require(try ElfLastResortCodec().scan(input, operation: .insert))
        #expect(!scan.isMarked && scan.artifactType == "ELF")
        let marked = try roundTrip(ElfLastResortCodec(), input)
        #expect(marked == elf + Self.mark)
        #expect(try ElfLastResortCodec().scan(ArtifactInput(path: "/t/x", bytes: [0x7F, 0x45]), operation: .insert) == nil)
        // Truncated headers: the whole file is searched from EOF, nothing crashes.
        let short = ArtifactInput(path: "/t/s", bytes: [0x7F, 0x45, 0x4C, 0x46, 2, 1])
        #expect(try ElfLastResortCodec().scan(short, operation: .extract)?.isMarked == false)
    }

    @Test func registryOrderPrefersPycThenSource() throws {
        let codecs = CodecRegistry.fileCodecs()
        let names = codecs.map(\.name)
        #expect(names.firstIndex(of: "python_pyc")! < names.firstIndex(of: "source")!)
        #expect(names.last == "elf_last_resort")
        let pyc = ArtifactInput(path: "/t/a.pyc", bytes: Array("#!/bin/sh\n".utf8))
        #expect(try CodecRegistry.claim(pyc, operation: .insert, codecs: codecs)?.codec.name == "python_pyc")
    }
}


extension CodecRoundTripTests {
    @Test func emptyShebangIsNoShebang() throws {
        #expect(try SourceCodec().scan(input("x", "#!"), operation: .insert) == nil)
        #expect(try SourceCodec().scan(input("x", "#!/usr/bin/env\n"), operation: .insert) == nil)
    }
}

extension CodecRoundTripTests {
    @Test func fileExtensionMatchesTheSharedDefinition() {
        for p in ["/a/b.py", "/a/b.tar.gz", "/a/.bashrc", "/a/b", "/a.d/b", "b.sh", ".x", "/a/b.", "/a/..b", "/"] {
            #expect(SourceLanguages.fileExtension(p) == ArtifactInput(path: p, bytes: []).fileExtension, "\(p)")
        }
    }
}
