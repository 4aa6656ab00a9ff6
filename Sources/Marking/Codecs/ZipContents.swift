/// Bounds on what reading an archive's contents may cost (ZIP bomb protection).
public struct ZipLimits: Sendable {
    /// Largest total of the members' uncompressed sizes.
    public var maxTotalUncompressed: UInt64
    /// Largest total uncompressed size per byte of archive (deflate itself can't exceed ~1032:1,
    /// so more than this means lying headers or a bomb). Applies above 1 MiB of content.
    public var maxRatio: UInt64
    /// Largest `chalk.json` read as a mark.
    public var maxMarkSize: UInt64
    /// How many levels of archives inside archives are normalized for the HASH; deeper ones
    /// are hashed as stored.
    public var maxNestingDepth: Int

    public init(maxTotalUncompressed: UInt64 = 4 << 30, maxRatio: UInt64 = 1100, maxMarkSize: UInt64 = 64 << 20,
                maxNestingDepth: Int = 8) {
        self.maxTotalUncompressed = maxTotalUncompressed
        self.maxRatio = maxRatio
        self.maxMarkSize = maxMarkSize
        self.maxNestingDepth = maxNestingDepth
    }
}

/// The archive's files as an extraction would lay them out: normalized paths (starting with
/// `/`), the last entry winning for duplicate names, directories left out.
struct ZipContents {
    let archive: ZipArchive
    /// (normalized path, entry index), sorted by path bytes.
    let files: [(path: [UInt8], entry: Int)]

    static let markPath = Array("/chalk.json".utf8)
    static let binaryPath = Array("/chalk".utf8)

    init(_ archive: ZipArchive, limits: ZipLimits) throws(ZipFailure) {
        self.archive = archive
        var byPath = [[UInt8]: Int]()
        var total: UInt64 = 0
        for (i, e) in archive.entries.enumerated() {
            guard let path = try Self.normalized(e.name, index: i) else { continue }
            if e.isDirectory { continue }
            byPath[path] = i
            let (sum, overflow) = total.addingReportingOverflow(e.uncompressedSize)
            guard !overflow, sum <= limits.maxTotalUncompressed else {
                throw ZipFailure(.tooLarge, "contents exceed \(limits.maxTotalUncompressed) bytes uncompressed (possible ZIP bomb)")
            }
            total = sum
        }
        if total > 1 << 20, total / UInt64(max(archive.bytes.count, 1)) > limits.maxRatio {
            throw ZipFailure(.tooLarge, "compression ratio above \(limits.maxRatio):1 (possible ZIP bomb)")
        }
        files = byPath.map { ($0.key, $0.value) }.sorted { $0.path.lexicographicallyPrecedes($1.path) }
    }

    /// `/`-joined path without empty or `.` components; nil for the archive root itself.
    /// Absolute paths and `..` would extract outside the directory and are refused.
    static func normalized(_ name: [UInt8], index: Int) throws(ZipFailure) -> [UInt8]? {
        guard name.first != 0x2F else { throw ZipFailure("entry \(index) has an absolute path") }
        var out = [UInt8]()
        for part in name.split(separator: 0x2F, omittingEmptySubsequences: true) {
            if part.elementsEqual([0x2E]) { continue }
            guard !part.elementsEqual([0x2E, 0x2E]) else { throw ZipFailure("entry \(index) has a '..' path component") }
            out.append(0x2F)
            out += part
        }
        return out.isEmpty ? nil : out
    }

    /// Streams the uncompressed bytes of entry `i` to `sink`, checking its size and CRC-32.
    func read(_ i: Int, sink: (UnsafeRawBufferPointer) -> Void) throws(ZipFailure) {
        let e = archive.entries[i]
        let label = String(decoding: e.name, as: UTF8.self)
        guard e.flags & 1 == 0 else { throw ZipFailure(.unsupported, "member '\(label)' is encrypted") }
        var crc: UInt32 = 0
        var failure: ZipFailure?
        archive.bytes.withUnsafeBytes { (all: UnsafeRawBufferPointer) in
            let data = UnsafeRawBufferPointer(rebasing: all[e.data])
            switch e.method {
            case 0:
                guard e.compressedSize == e.uncompressedSize else {
                    failure = ZipFailure("stored member '\(label)' has mismatched sizes"); return
                }
                crc = ZipDeflate.crc32(data)
                sink(data)
            case 8:
                do throws(ZipFailure) {
                    try ZipDeflate.inflate(data, expected: e.uncompressedSize) { chunk in
                        crc = ZipDeflate.crc32(chunk, continuing: crc)
                        sink(chunk)
                    }
                } catch { failure = ZipFailure(error.code, "member '\(label)': \(error.message)") }
            default:
                failure = ZipFailure(.unsupported, "member '\(label)' uses compression method \(e.method) (only stored and deflate are supported)")
            }
        }
        if let failure { throw failure }
        guard crc == e.crc else { throw ZipFailure("member '\(label)' fails its CRC-32 check") }
    }

    /// The index of the root `chalk.json` that extraction would leave (the last one).
    var markEntry: Int? { files.first { $0.path == Self.markPath }?.entry }

    /// The §3.4 tree hashes in one pass over the contents: `unchalked` leaves out root
    /// `chalk.json` and `chalk` and hashes nested artifacts in the form `normalizer` gives
    /// them (HASH); `current` covers everything as stored (`_CURRENT_HASH`).
    func treeHashes(normalizer: ZipNestedNormalizer?) throws(ZipFailure) -> (unchalked: String, current: String) {
        var unchalked = SHA256(), current = SHA256()
        let excluded = files.filter { $0.path == Self.markPath || $0.path == Self.binaryPath }.count
        unchalked.update(String(files.count - excluded))
        current.update(String(files.count))
        let codecs = normalizer?.codecs() ?? []
        func header(_ path: [UInt8], _ size: Int) -> [UInt8] { Array(String(path.count).utf8) + path + Array(String(size).utf8) }
        for f in files {
            let keep = f.path != Self.markPath && f.path != Self.binaryPath
            let size = archive.entries[f.entry].uncompressedSize
            let form = keep ? try normalizer?.form(of: self, path: f.path, entry: f.entry, codecs: codecs) ?? .asStored : .asStored
            switch form {
            case .asStored:
                let h = Array(String(f.path.count).utf8) + f.path + Array(String(size).utf8)
                current.update(h)
                if keep { unchalked.update(h) }
                try read(f.entry) { chunk in
                    current.update(chunk)
                    if keep { unchalked.update(chunk) }
                }
            case .read(let original, let normalized):
                current.update(header(f.path, original.count)); current.update(original)
                unchalked.update(header(f.path, normalized.count)); unchalked.update(normalized)
            }
        }
        return (unchalked.finalizeHex(), current.finalizeHex())
    }
}
