/// The `zip` codec (spec §3.4, RULINGS 20): ZIP, JAR, WAR, EAR, PyTorch and Keras archives.
/// The mark is a root `chalk.json` member holding exactly the mark. Unlike Chalk (which
/// re-creates the whole archive), every other member keeps its bytes and order: insert appends
/// `chalk.json` (replacing an old one), delete removes it, giving back the original archive.
/// HASH hashes nested artifacts in their deleted form (`ZipNestedNormalizer`); the members
/// themselves are never changed.
public struct ZipCodec: Codec {
    public let name = "zip"
    /// `zip_extensions`; matched case-sensitively, as Chalk does.
    public static let extensions: Set<String> = ["zip", "jar", "war", "ear", "pt", "pth", "keras"]
    public var limits: ZipLimits
    /// `ignore_patterns` for the nested delete subscan behind HASH (§3.4 step 1): matching
    /// members are hashed as stored, not normalized.
    public var ignorePatterns: [IgnorePattern]

    /// Chalk's default `ignore_patterns` (spec §6).
    public static let defaultIgnorePatterns: [IgnorePattern] = [
        "/dev/.*", "/proc/.*", "/sys/.*", ".*/\\..*", ".*/\\.git/.*", ".*/__pycache__/.*", ".*/.mypy_cache/.*", ".*\\.json",
    ].compactMap { try? IgnorePattern($0) }

    public init(limits: ZipLimits = ZipLimits(), ignorePatterns: [IgnorePattern] = ZipCodec.defaultIgnorePatterns) {
        self.limits = limits
        self.ignorePatterns = ignorePatterns
    }

    /// The nested-artifact normalizer for the archive at `path`.
    func normalizer(_ path: String) -> ZipNestedNormalizer {
        ZipNestedNormalizer(archivePath: path, limits: limits, ignore: ignorePatterns)
    }

    /// ARTIFACT_TYPE for a file extension.
    public static func artifactType(forExtension ext: String) -> String {
        switch ext.lowercased() {
        case "jar": "JAR"
        case "war": "WAR"
        case "ear": "EAR"
        case "pt", "pth": "PyTorch checkpoint"
        case "keras": "Keras model"
        default: "ZIP"
        }
    }

    /// Claims files with a ZIP-family extension whose first bytes are `PK`. A claimed archive
    /// that can't be read (truncated, corrupt, a ZIP bomb) throws a MarkingError naming the
    /// problem. `extra` carries `_CURRENT_HASH` (the tree hash including `chalk.json`).
    public func scan(_ input: ArtifactInput, operation: OperationKind) throws(MarkingError) -> CodecScan? {
        guard let ext = input.fileExtension, Self.extensions.contains(ext) else { return nil }
        guard input.bytes.count >= 2, input.bytes[0] == 0x50, input.bytes[1] == 0x4B else { return nil }
        do {
            let contents = try ZipContents(try ZipArchive(input.bytes), limits: limits)
            let hashes = try contents.treeHashes(normalizer: normalizer(input.path))
            var scan = CodecScan(artifactType: Self.artifactType(forExtension: ext), unchalkedHash: hashes.unchalked,
                                 extra: ["_CURRENT_HASH": .string(hashes.current)])
            if let m = contents.markEntry, contents.archive.entries[m].uncompressedSize <= limits.maxMarkSize {
                var json = [UInt8]()
                try contents.read(m) { json.append(contentsOf: $0) }
                if let found = CodecMarkParsing.parseMark(json) {
                    scan.mark = found.object
                    scan.markBytes = Array(json[found.range])
                }
            }
            return scan
        } catch {
            throw MarkingError(error.code, path: input.path, "zip: \(error.message)")
        }
    }

    /// `scan` declines on the extension and the `PK` signature alone.
    public func mightClaim(head: ArtifactInput, fileSize: Int, operation: OperationKind) -> Bool {
        guard let ext = head.fileExtension, Self.extensions.contains(ext) else { return false }
        return head.bytes.count >= 2 && head.bytes[0] == 0x50 && head.bytes[1] == 0x4B
    }

    /// Adds (or replaces) the root `chalk.json` with exactly `mark`; a nil or empty mark removes it.
    public func render(_ input: ArtifactInput, scan: CodecScan, mark: [UInt8]?) throws(MarkingError) -> [UInt8] {
        do {
            let archive = try ZipArchive(input.bytes)
            var old = Set<Int>()
            for (i, e) in archive.entries.enumerated() where !e.isDirectory {
                if try ZipContents.normalized(e.name, index: i) == ZipContents.markPath { old.insert(i) }
            }
            let member = mark.flatMap { $0.isEmpty ? nil : ZipNewMember(name: Array("chalk.json".utf8), content: $0) }
            return try archive.rewritten(removing: old, appending: member)
        } catch {
            throw MarkingError(error.code, path: input.path, "zip: \(error.message)")
        }
    }

    /// The §3.4 tree hashes of an archive's bytes: `unchalked` is HASH, `current` is
    /// `_CURRENT_HASH` (for the pipeline to call on the bytes `render` produced).
    public func treeHashes(_ bytes: [UInt8], path: String) throws(MarkingError) -> (unchalked: String, current: String) {
        do { return try ZipContents(try ZipArchive(bytes), limits: limits).treeHashes(normalizer: normalizer(path)) } catch {
            throw MarkingError(error.code, path: path, "zip: \(error.message)")
        }
    }
}
