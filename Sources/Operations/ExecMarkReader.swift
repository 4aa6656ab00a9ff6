import Marking
#if canImport(Glibc)
import Glibc
#endif

/// What the exec report says about one file: its type and its mark, if any.
struct ExecArtifact: Sendable {
    var artifactType: String
    var mark: ChalkObject?
    /// SHA-256 of the file bytes (`_CURRENT_HASH`).
    var currentHash: String?
}

/// The exec reporter's only calls into the marking code.
///
/// TODO(lead): wire these to the marking engineer's API (codec registry scan of one file, the
/// self-mark reader, and the mark parser for `/chalk.json`). Until then: the type is sniffed
/// from the file's first bytes, no mark is found (the workload is reported as unmarked), and
/// chalk's own embedded config is not read.
enum ExecMarkReader {
    /// The workload file's type, mark and current hash. Never throws: an unreadable file gives
    /// nil (the report then has the path only).
    static func readArtifact(path: String) -> ExecArtifact? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // Stream the file through SHA-256 in a fixed buffer: constant memory whatever its size.
        var hasher = SHA256()
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            if head.count < 256 { head += buffer[0..<min(n, 256 - head.count)] }
            hasher.update(buffer[0..<n])
        }
        // TODO(lead): replace sniffing with the codec scan (which also yields the mark).
        return ExecArtifact(artifactType: sniffType(head), mark: nil, currentHash: hasher.finalizeHex())
    }

    /// chalk's own self-mark (CHALK_ID, `$CHALK_CONFIG`), read from /proc/self/exe.
    /// TODO(lead): wire to the marking engineer's self-mark reader.
    static func readSelfMark() -> ChalkObject? { nil }

    /// The image's `/chalk.json` mark, when chalk runs in a container that has one (RULINGS 6:
    /// reported as a second `_CHALKS` item). TODO(lead): parse with the marking engineer's mark
    /// parser, and honour it only inside a container (collectors' container detection).
    static func readContainerMark() -> ChalkObject? { nil }

    /// A type name from the first bytes, as the codecs would name it.
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
