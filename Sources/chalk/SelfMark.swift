import ChalkLog
import Config
import Marking
import Operations

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why chalk could not rewrite its own mark.
struct SelfMarkError: Error, CustomStringConvertible {
    var description: String
}

/// Chalk's own mark (spec/mark-format.md §4): read at start-up for `$CHALK_CONFIG`, rewritten by
/// `chalk load`. Only the native codecs (ELF, then elf_last_resort) are used on the binary.
enum SelfMark {
    /// This executable (`/proc/self/exe`).
    static var executablePath: String {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return CommandLine.arguments.first ?? "chalk" }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The self-mark's JSON object, or nil when the binary carries no mark.
    /// Only the ELF structure and the mark's section are read, not the whole binary.
    static func read() -> ChalkObject? {
        (try? CodecRegistry.nativeMark(atPath: executablePath)) ?? nil
    }

    /// The codecs that may hold chalk's own mark on Linux.
    static var nativeCodecs: [any Codec] { CodecRegistry.nativeCodecs() }

    /// The executable's bytes with `mark` embedded.
    private static func markedExecutable(_ mark: ChalkObject, original: [UInt8]) throws(SelfMarkError) -> [UInt8] {
        let input = ArtifactInput(path: executablePath, bytes: original, mode: 0o755)
        do {
            guard let (codec, scan) = try CodecRegistry.claim(input, operation: .insert, codecs: nativeCodecs) else {
                throw SelfMarkError(description: "\(input.path) is not an ELF binary chalk can mark")
            }
            // A fresh mark (new CHALK_ID/HASH/METADATA_ID) that keeps the `$` keys.
            let config = (try? ConfigLoader.load(ConfigLoadRequest(useEmbeddedConfig: false, command: "load",
                                                                   startDirectory: startDirectory()))) ?? ChalkConfig()
            let context = OperationContext(operation: "load", chalkVersion: ChalkVersion.string, config: config)
            let host = BuiltinChalkTimeMetadata().chalkTimeHost(context)
            let full = MarkOperation.buildMark(host: host, artifact: mark, scan: scan, config: config, operation: "load")
            return try codec.render(input, scan: scan, mark: MarkSerializer.serialize(full, order: config.order(of:)))
        } catch let e as SelfMarkError {
            throw e
        } catch {
            throw SelfMarkError(description: "\(error)")
        }
    }

    /// Writes `mark` into this executable atomically (a temporary file in the same directory,
    /// then rename). If the binary's directory is not writable, writes a marked copy to
    /// `./<name>` instead (spec/mark-format.md §4). Returns the path written.
    @discardableResult
    static func write(_ mark: ChalkObject) throws(SelfMarkError) -> String {
        let path = executablePath
        guard let original = readAll(path) else {
            throw SelfMarkError(description: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        let bytes = try markedExecutable(mark, original: original)
        var st = stat()
        let mode: mode_t = stat(path, &st) == 0 ? st.st_mode & 0o7777 : 0o755
        let dir = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        if access(dir.isEmpty ? "/" : dir, W_OK) == 0 {
            let tmp = "\(path).chalk-load.\(getpid())"
            try writeAll(tmp, bytes, mode: mode)
            guard rename(tmp, path) == 0 else {
                let e = String(cString: strerror(errno))
                unlink(tmp)
                throw SelfMarkError(description: "cannot replace \(path): \(e)")
            }
            return path
        }
        let name = path.split(separator: "/").last.map(String.init) ?? "chalk"
        let copy = "./\(name)"
        try writeAll(copy, bytes, mode: mode)
        Log.warn("\(path) is not writable; wrote the newly configured chalk to \(copy)")
        return copy
    }

    private static func readAll(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { return out }
            out.append(contentsOf: buf[0..<n])
        }
    }

    private static func writeAll(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(SelfMarkError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SelfMarkError(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        var rest = bytes[...]
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = String(cString: strerror(errno))
                close(fd); unlink(path)
                throw SelfMarkError(description: "cannot write \(path): \(e)")
            }
            rest = rest.dropFirst(n)
        }
        _ = fchmod(fd, mode)  // keep the executable bits whatever the umask
        guard fsync(fd) == 0, close(fd) == 0 else { unlink(path); throw SelfMarkError(description: "cannot flush \(path)") }
    }
}

/// Writes text to stdout (fd 1) in full.
func writeStdout(_ s: String) {
    var bytes = Array(s.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
        if n < 0 { if errno == EINTR { continue }; return }
        bytes = bytes.dropFirst(n)
    }
}

/// The directory chalk was started in.
func startDirectory() -> String {
    var buf = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buf, buf.count) != nil else { return "/" }
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
