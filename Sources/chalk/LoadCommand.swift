import ArgumentParser
import ChalkLog
import Config

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `chalk load FILE`: validates a config in full, then embeds it into this binary's self-mark.
/// A config that would fail to load is never written, so no config can brick the binary.
struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Embed a config file into this chalk binary (after validating it in full).",
        discussion: "FILE is a con4m config file, or `default` to remove the embedded config.")

    @Argument(help: "The config file to embed, or `default`.")
    var file: String

    @Flag(help: "Accepted for compatibility: the file always replaces the embedded config.")
    var replace = false

    func run() throws {
        let exe = SelfMark.executablePath
        let source: String?
        if file == "default" {
            source = nil
        } else {
            if file.hasPrefix("https://") || file.hasPrefix("http://") {
                Log.error("loading a config from a URL is not supported yet: download it and load the file")
                throw ExitCode(1)
            }
            let cwd = startDirectory()
            let path = file.hasPrefix("/") ? file : (cwd == "/" ? "/" : cwd + "/") + file
            guard let text = readTextFile(path) else {
                Log.error("\(file): cannot read the config file: \(String(cString: strerror(errno)))")
                throw ExitCode(1)
            }
            do {
                _ = try ConfigLoader.validateCandidate(source: text, file: file, startDirectory: cwd)
            } catch {
                Log.error("\(error)")
                Log.error("config not loaded: \(exe) is unchanged")
                throw ExitCode(1)
            }
            source = text
        }
        let mark = SelfConfig.updatedMark(current: SelfMark.read(), configSource: source)
        do {
            let written = try SelfMark.write(mark)
            Log.info(source == nil ? "Removed the embedded configuration from \(written)" : "Configuration \(file) loaded into \(written)")
        } catch {
            Log.error("\(error)")
            Log.error("config not loaded: \(exe) is unchanged")
            throw ExitCode(1)
        }
    }
}

/// The whole file as text, or nil.
func readTextFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var st = stat()
    if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { errno = EISDIR; return nil }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n < 0 { if errno == EINTR { continue }; return nil }
        if n == 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return String(decoding: out, as: UTF8.self)
}

/// Writes text to a file; returns a message on failure.
func writeTextFile(_ path: String, _ text: String) -> String? {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return "cannot open \(path) for writing: \(String(cString: strerror(errno)))" }
    defer { close(fd) }
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if n < 0 { if errno == EINTR { continue }; return "cannot write \(path): \(String(cString: strerror(errno)))" }
        bytes = bytes.dropFirst(n)
    }
    return nil
}
