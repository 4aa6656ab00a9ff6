import Foundation

/// Helpers shared by the test targets: locating the built `chalk`, running processes, and
/// scratch directories. End-to-end tests run the built binary the way a user does.
public enum TestSupport {
    /// The package root (two levels above this file's directory).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `chalk` binary under test: `$CHALK_BIN` if set, else the debug build next to the
    /// test bundle (`swift build` must have run first; scripts/test.sh does that).
    public static var chalkBinary: String {
        if let p = ProcessInfo.processInfo.environment["CHALK_BIN"], !p.isEmpty { return p }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("chalk").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/chalk").path
    }

    /// The static release binary (`dist/chalk`) when scripts/build-static.sh has built it.
    public static var staticChalkBinary: String? {
        if let p = ProcessInfo.processInfo.environment["CHALK_STATIC_BIN"], !p.isEmpty { return p }
        let p = packageRoot.appendingPathComponent("dist/chalk").path
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }

    /// A fresh scratch directory, removed by the caller with `removeTree`.
    public static func makeTempDir(_ label: String = "chalk-test") throws -> URL {
        let base = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        return base
    }

    public static func removeTree(_ url: URL) { try? FileManager.default.removeItem(at: url) }

    /// The result of running a process to completion.
    public struct ProcessResult: Sendable {
        public var status: Int32
        /// True when the process was killed by a signal (then `status` is the signal number).
        public var signaled: Bool
        public var stdout: String
        public var stderr: String
        public var stdoutData: Data
    }

    /// Runs `executable` with `arguments`, optionally with extra environment, a working
    /// directory, stdin bytes, and a timeout after which it is killed (SIGKILL).
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
                           extraEnvironment: [String: String] = [:], cwd: URL? = nil, stdin: Data? = nil,
                           timeout: TimeInterval = 120) throws -> ProcessResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        var env = environment ?? ProcessInfo.processInfo.environment
        for (k, v) in extraEnvironment { env[k] = v }
        p.environment = env
        if let cwd { p.currentDirectoryURL = cwd }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let inPipe = Pipe()
        p.standardInput = stdin == nil ? FileHandle.nullDevice : inPipe
        try p.run()
        if let stdin {
            inPipe.fileHandleForWriting.write(stdin)
            try? inPipe.fileHandleForWriting.close()
        }
        // Drain both pipes concurrently so a chatty child can't block on a full pipe.
        nonisolated(unsafe) var outData = Data(), errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(5_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        group.wait()
        return ProcessResult(status: p.terminationStatus, signaled: p.terminationReason == .uncaughtSignal,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self), stdoutData: outData)
    }

    /// Runs the chalk binary under test with a private HOME (so reports land in a scratch
    /// `~/.local/chalk/chalk.log`), returning the result.
    @discardableResult
    public static func chalk(_ arguments: [String], home: URL, cwd: URL? = nil, extraEnvironment: [String: String] = [:],
                             binary: String? = nil, timeout: TimeInterval = 120) throws -> ProcessResult {
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = home.path
        for (k, v) in extraEnvironment { env[k] = v }
        return try run(binary ?? chalkBinary, arguments, environment: env, cwd: cwd, timeout: timeout)
    }

    /// True when running as root (tests needing unshare, chroot or docker check this).
    public static var isRoot: Bool { getuid() == 0 }

    /// Whether an executable is on PATH.
    public static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }
}
