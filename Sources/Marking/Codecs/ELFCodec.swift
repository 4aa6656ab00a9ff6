import ChalkLog

/// The `elf` codec (spec §3.1): ELF64 little-endian executables, shared objects and
/// relocatable files with program and section headers. The mark lives in a PROGBITS section
/// named `.chalk.mark`; the unchalked form has a 32-byte `.chalk.free` section instead.
public struct ELFCodec: Codec {
    public let name = "elf"
    public static let artifactType = "ELF"

    public init() {}

    /// Claims a file that starts with `\x7FELF` and parses as Chalk's ELF parser requires;
    /// declines everything else (elf_last_resort or source may claim it then).
    public func scan(_ input: ArtifactInput, operation: OperationKind) throws(MarkingError) -> CodecScan? {
        let bytes = input.bytes
        guard bytes.count >= 4, bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else { return nil }
        let editor: ELFChalkEditor
        do { editor = try ELFChalkEditor(bytes) } catch {
            Log.trace("\(input.path): elf: \(error.message)")
            return nil
        }
        var scan = CodecScan(artifactType: Self.artifactType, unchalkedHash: Self.unchalkedHash(editor, raw: bytes))
        if let ci = editor.layout.chalkIndex, !editor.layout.hasBeenUnchalked,
           let magic = Self.verifyChalkStart(bytes, from: Int(editor.layout.sections[ci].offset)),
           let found = CodecMarkParsing.parseMark(bytes, magicAt: magic) {
            scan.mark = found.object
            scan.markBytes = Array(bytes[found.range])
        }
        return scan
    }

    /// Inserts or replaces the `.chalk.mark` section; a nil (or empty) mark leaves the
    /// canonical `.chalk.free` form with the raw unchalked digest in it.
    public func render(_ input: ArtifactInput, scan: CodecScan, mark: [UInt8]?) throws(MarkingError) -> [UInt8] {
        do {
            var editor = try ELFChalkEditor(input.bytes)
            if let mark, !mark.isEmpty {
                try editor.insertOrSet(name: ELFLayout.markName, data: mark)
            } else {
                try editor.unchalk()
            }
            return editor.image.materialize()
        } catch {
            throw MarkingError(.layout, path: input.path, "elf: \(error.message)")
        }
    }

    /// HASH: hex SHA-256 of the canonical `.chalk.free` form without its 32 content bytes;
    /// the raw file's SHA-256 when that form can't be made.
    static func unchalkedHash(_ editor: ELFChalkEditor, raw: [UInt8]) -> String {
        var copy = editor
        if let digest = try? copy.unchalk() { return Hex.encode(digest) }
        return SHA256.hexDigest(raw)
    }

    /// Chalk's `verifyChalkStart` over the file from the chalk section's offset: whitespace
    /// (SP, LF, TAB; not CR), `{`, whitespace, `"MAGIC"`, whitespace, `:`, whitespace, `"`, then
    /// the magic value. Returns the magic value's file index.
    static func verifyChalkStart(_ b: [UInt8], from start: Int) -> Int? {
        guard start < b.count else { return nil }
        let maxIndex = b.count - 1  // Chalk stops one byte early when skipping whitespace
        var i = start
        func skip(to marker: UInt8) -> Bool {
            while i < maxIndex {
                let c = b[i]
                if c != 0x20 && c != 0x0A && c != 0x09 { return c == marker }
                i += 1
            }
            return false
        }
        let key = Array("MAGIC\"".utf8), magic = Array("dadfedabbadabbed".utf8)
        guard skip(to: 0x7B) else { return nil }
        i += 1
        guard skip(to: 0x22) else { return nil }
        i += 1
        guard maxIndex - i > key.count + magic.count, b[i..<(i + key.count)].elementsEqual(key) else { return nil }
        i += key.count
        guard skip(to: 0x3A) else { return nil }
        i += 1
        guard skip(to: 0x22) else { return nil }
        i += 1
        guard maxIndex - i + 1 >= magic.count, b[i..<(i + magic.count)].elementsEqual(magic) else { return nil }
        return i
    }
}
