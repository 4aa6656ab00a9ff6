import ChalkLog
import Synchronization

/// Chalk's nested-artifact normalization for the ZIP HASH (spec/mark-format.md §3.4,
/// "Unchalked HASH" step 1): before the tree hash, every member that is itself an artifact is
/// put in the form a nested `chalk delete` would leave it in. The members are claimed with the
/// ordinary codecs (registry order, `.delete`) and rendered with no mark: an ELF gets its
/// canonical `.chalk.free` form (unmarked ones too, Chalk's quirk), scripts and pyc files lose
/// their mark, and a nested archive is normalized recursively (`ZipNestedCodec`). Only the
/// hash input changes; the archive itself is never rewritten by this.
struct ZipNestedNormalizer: Sendable {
    /// The archive whose members are normalized (its path, for messages and member paths).
    let archivePath: String
    let limits: ZipLimits
    /// Members whose stand-in extraction path matches one of these stay as stored.
    let ignore: [IgnorePattern]
    /// 0 for the archive the user named, +1 per level of nesting.
    let depth: Int
    let budget: ZipNestedBudget

    /// Chalk extracts into a temp dir and matches `ignore_patterns` against the extracted
    /// path; members are matched as if extracted under this (non-hidden) directory.
    static let standInRoot = "/tmp/chalk-zip-hash"
    /// Members up to this size are read whole at once; larger ones first only their head.
    static let smallMember: UInt64 = 64 << 10

    /// What hashing a member uses.
    enum MemberForm {
        /// The stored content, streamed (no codec could claim it).
        case asStored
        /// The member was read whole; `normalized` is its deleted form (may equal `original`).
        case read(original: [UInt8], normalized: [UInt8])
    }

    init(archivePath: String, limits: ZipLimits, ignore: [IgnorePattern], depth: Int = 0, budget: ZipNestedBudget? = nil) {
        self.archivePath = archivePath; self.limits = limits; self.ignore = ignore; self.depth = depth
        self.budget = budget ?? ZipNestedBudget(limits.maxTotalUncompressed)
    }

    /// The codecs a nested delete subscan tries, in registry order, with the zip codec
    /// replaced by its normalizing nested form.
    func codecs() -> [any Codec] {
        CodecRegistry.fileCodecs().map { $0 is ZipCodec ? ZipNestedCodec(container: self) as any Codec : $0 }
    }

    /// The normalizer for the members of the nested archive at `path`.
    func child(_ path: String) -> ZipNestedNormalizer {
        ZipNestedNormalizer(archivePath: path, limits: limits, ignore: ignore, depth: depth + 1, budget: budget)
    }

    /// How member `entry` (normalized path `path`) of `contents` enters the hash. Members no
    /// codec claims, ignored ones and ones a codec fails on stay as stored; a ZIP bomb
    /// (`.tooLarge`) anywhere inside is an error for the whole archive.
    func form(of contents: ZipContents, path: [UInt8], entry: Int, codecs: [any Codec]) throws(ZipFailure) -> MemberForm {
        let name = String(decoding: path, as: UTF8.self)
        if !ignore.isEmpty, ignore.contains(where: { $0.matches(Self.standInRoot + name) }) { return .asStored }
        let size = contents.archive.entries[entry].uncompressedSize
        let memberPath = archivePath + ":" + name
        var whole: [UInt8]?
        let head: [UInt8]
        if size <= Self.smallMember {
            let bytes = try contents.readAll(entry)
            whole = bytes
            head = Array(bytes.prefix(ArtifactFiles.headSize))
        } else {
            head = try contents.readHead(entry, count: ArtifactFiles.headSize)
        }
        let headInput = ArtifactInput(path: memberPath, bytes: head)
        guard codecs.contains(where: { $0.mightClaim(head: headInput, fileSize: Int(size), operation: .delete) }) else {
            return whole.map { .read(original: $0, normalized: $0) } ?? .asStored
        }
        let bytes: [UInt8]
        if let whole { bytes = whole } else { bytes = try contents.readAll(entry) }
        let input = ArtifactInput(path: memberPath, bytes: bytes)
        do {
            guard let (codec, scan) = try CodecRegistry.claim(input, operation: .delete, codecs: codecs) else {
                return .read(original: bytes, normalized: bytes)
            }
            return .read(original: bytes, normalized: try codec.render(input, scan: scan, mark: nil))
        } catch {
            if error.code == .tooLarge { throw ZipFailure(.tooLarge, error.description) }
            // Chalk's subscan leaves a member it can't handle as it is.
            Log.trace("\(memberPath): left as stored for the HASH: \(error.description)")
            return .read(original: bytes, normalized: bytes)
        }
    }

    /// The archive's files in their deleted form, sorted by path, without the root
    /// `chalk.json`/`chalk` (what Chalk's hashD holds after step 2).
    func normalizedFiles(_ contents: ZipContents) throws(ZipFailure) -> [(path: [UInt8], content: [UInt8])] {
        let codecs = codecs()
        var out: [(path: [UInt8], content: [UInt8])] = []
        for f in contents.files where f.path != ZipContents.markPath && f.path != ZipContents.binaryPath {
            switch try form(of: contents, path: f.path, entry: f.entry, codecs: codecs) {
            case .asStored: out.append((f.path, try contents.readAll(f.entry)))
            case .read(_, let normalized): out.append((f.path, normalized))
            }
        }
        return out
    }
}

/// The uncompressed bytes nested normalization may still open, shared by every level of one
/// top-level archive (so that archives inside archives can't multiply the work).
final class ZipNestedBudget: Sendable {
    private let remaining: Mutex<UInt64>
    let total: UInt64

    init(_ total: UInt64) { self.total = total; remaining = Mutex(total) }

    func charge(_ n: UInt64) throws(ZipFailure) {
        let ok = remaining.withLock { r -> Bool in
            guard n <= r else { return false }
            r -= n
            return true
        }
        guard ok else {
            throw ZipFailure(.tooLarge, "nested archives exceed \(total) bytes uncompressed in total (possible ZIP bomb)")
        }
    }
}
