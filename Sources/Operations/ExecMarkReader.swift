import ChalkLog
import Marking
import Reporting
#if canImport(Glibc)
import Glibc
#endif

/// What the exec report says about one file: its type and its mark, if any.
struct ExecArtifact: Sendable {
    var artifactType: String
    var mark: ChalkObject?
    /// SHA-256 of the file bytes (`_CURRENT_HASH`).
    var currentHash: String?
    /// The mark checked as extract checks it (`_VALIDATED_METADATA`, `_VALIDATED_NORMALIZATION`);
    /// nil when there is no mark.
    var validation: MarkValidation? = nil
}

/// The exec reporter's calls into the marking code: the codecs for the workload's file, the
/// mark parser for a container's `/chalk.json`.
enum ExecMarkReader {
    /// Files larger than this are hashed but not scanned by the codecs (which need the whole
    /// file in memory): the reporter must not balloon the supervisor's memory.
    static let maxScanBytes = 256 << 20

    /// The workload file's type, mark and current hash. Never throws: an unreadable file gives
    /// nil (the report then has the path only); a file no codec claims is sniffed.
    static func readArtifact(path: String) -> ExecArtifact? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        let size = Int(st.st_size)
        // Stream the file through SHA-256 in a fixed buffer; keep the bytes only when the codecs
        // will look at them.
        var hasher = SHA256()
        var head: [UInt8] = []
        var whole: [UInt8] = []
        let keep = size <= maxScanBytes
        if keep { whole.reserveCapacity(size) }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            if head.count < 256 { head += buffer[0..<min(n, 256 - head.count)] }
            if keep { whole += buffer[0..<n] }
            hasher.update(buffer[0..<n])
        }
        let hash = hasher.finalizeHex()
        if keep, let claimed = try? CodecRegistry.claim(ArtifactInput(path: path, bytes: whole, mode: UInt32(st.st_mode)),
                                                           operation: .exec, codecs: CodecRegistry.fileCodecs()) {
            // A mark holding only MAGIC is what a removed script mark leaves: unmarked, as in extract.
            guard let mark = claimed.scan.mark, !MarkOperation.isPlaceholder(mark) else {
                return ExecArtifact(artifactType: claimed.scan.artifactType, mark: nil, currentHash: hash)
            }
            // The same check as extract: CHALK_ID against the codec's unchalked hash, METADATA_ID
            // against the mark's contents. It never throws; a mismatch is reported, not fatal.
            let validation = MarkValidation.validate(mark, currentHash: claimed.scan.unchalkedHash)
            if !validation.valid { Log.trace("\(path): invalid chalk mark: \(validation.problem ?? "validation failed")") }
            return ExecArtifact(artifactType: claimed.scan.artifactType, mark: mark, currentHash: hash,
                                validation: validation)
        }
        return ExecArtifact(artifactType: sniffType(head), mark: nil, currentHash: hash)
    }

    /// The image's `/chalk.json` mark, when chalk runs in a container that has one (RULINGS 6:
    /// reported as a second `_CHALKS` item). A file that is not a mark is ignored (trace).
    static func readContainerMark(environment: [String: String]) -> ChalkObject? {
        guard ContainerDetection.inContainer(environment: environment) else { return nil }
        let fd = open("/chalk.json", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count < 16 << 20 {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            bytes += buffer[0..<n]
        }
        return containerItem(markBytes: bytes,
                             artifactType: ContainerDetection.dockerContainerID() == nil ? "Docker Image" : "Docker Container")
    }

    /// The `_CHALKS` item for the bytes of `/chalk.json`, validated as extract validates an
    /// image's mark; nil when the bytes are not a mark.
    static func containerItem(markBytes bytes: [UInt8], artifactType: String) -> ChalkObject? {
        guard let parsed = try? MarkParser.parseObject(bytes) else {
            Log.trace("/chalk.json: not a chalk mark; ignored")
            return nil
        }
        var item = parsed.object
        // As extract validates an image's mark: no artifact hash to check CHALK_ID against
        // (spec/exec.md: the docker codec returns the extracted CHALK_ID); METADATA_ID is recomputed.
        let validation = MarkValidation.validate(item, currentHash: nil)
        if !validation.valid { Log.trace("/chalk.json: invalid chalk mark: \(validation.problem ?? "validation failed")") }
        item["MAGIC"] = nil
        item["_OP_ARTIFACT_PATH"] = .string("/chalk.json")
        item["_OP_ARTIFACT_TYPE"] = .string(artifactType)
        item.setValidation(validation)
        return item
    }

    /// A type name from the first bytes, for files no codec claims.
    static func sniffType(_ head: [UInt8]) -> String {
        if head.starts(with: [0x7f, 0x45, 0x4c, 0x46]) { return "ELF" }
        if head.starts(with: [0x23, 0x21]) {  // "#!": the interpreter's name (spec/mark-format.md §1.2)
            let line = head.dropFirst(2).prefix { $0 != 0x0a }
            let words = String(decoding: line, as: UTF8.self).split(separator: " ")
            guard let interp = words.first else { return "sh" }
            let base = interp.split(separator: "/").last.map(String.init) ?? "sh"
            if base == "env", words.count > 1 { return String(words[1]) }
            return base
        }
        return "unknown"
    }
}

extension ChalkObject {
    /// Adds `_VALIDATED_METADATA` and, when valid, `_VALIDATED_NORMALIZATION` (RULINGS 19),
    /// the keys extract puts on each `_CHALKS` item.
    mutating func setValidation(_ v: MarkValidation) {
        self["_VALIDATED_METADATA"] = .bool(v.valid)
        if let n = v.normalization { self["_VALIDATED_NORMALIZATION"] = .string(n.rawValue) }
    }
}
