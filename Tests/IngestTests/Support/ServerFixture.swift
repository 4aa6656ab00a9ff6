import ChalkTestSupport
import Foundation

/// A `chalk-server serve` process on 127.0.0.1 with a free port, started the way a user starts
/// it. `start` returns once the server printed its "listening" line (no sleeps).
final class ServerFixture: @unchecked Sendable {
    // @unchecked: the Process and pipes are only touched from the test's own thread.
    let process: Process
    let port: Int
    let database: String
    let stderrFile: URL
    var client: HTTPTestClient { HTTPTestClient(port: port) }

    /// The built `chalk-server`: `$CHALK_SERVER_BIN`, else next to the test bundle or in .build/debug.
    static var binary: String {
        if let p = ProcessInfo.processInfo.environment["CHALK_SERVER_BIN"], !p.isEmpty { return p }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("chalk-server").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return TestSupport.packageRoot.appendingPathComponent(".build/debug/chalk-server").path
    }

    init(database: String, scratch: URL, extraArguments: [String] = [], timeout: TimeInterval = 60) throws {
        self.database = database
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = ["serve", "--host", "127.0.0.1", "--port", "0", "--database", database] + extraArguments
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = scratch.path
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        stderrFile = scratch.appendingPathComponent("server-\(UUID().uuidString.prefix(6)).stderr")
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        p.standardError = try FileHandle(forWritingTo: stderrFile)
        try p.run()
        process = p
        // Readiness handshake: wait for "listening on http://127.0.0.1:PORT". A reader thread
        // collects stdout (and keeps draining it, so the server never blocks on a full pipe);
        // this thread polls with a deadline, so a server that hangs fails the test instead of hanging it.
        let handle = out.fileHandleForReading
        let collected = LockedText()
        // A dedicated thread, not a Dispatch worker: a reader blocked for the server's whole life
        // would starve Dispatch's small pool, which also delivers Process exit notifications.
        Thread {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                collected.append(String(decoding: chunk, as: UTF8.self))
            }
        }.start()
        let deadline = Date().addingTimeInterval(timeout)
        var found: Int?
        while Date() < deadline, found == nil {
            let text = collected.value
            if let range = text.range(of: #"listening on https?://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                found = Int(text[range].split(separator: ":").last!)
                break
            }
            if !p.isRunning { break }
            usleep(10_000)
        }
        guard let found else {
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            let err = (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? ""
            throw HTTPTestClient.ClientError(description: "chalk-server did not start: stdout=\(collected.value) stderr=\(err)")
        }
        port = found
    }

    var stderrText: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

    /// SIGTERM, then wait; returns the exit status (nil if it had to be killed).
    @discardableResult
    func terminate(timeout: TimeInterval = 20) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        TestSupport.waitUntil(timeout: timeout, every: 0.01) { !process.isRunning }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// `chalk-server token create` against a database; returns the token printed.
    static func createToken(database: String, scope: String, home: URL) throws -> String {
        let r = try TestSupport.run(binary, ["token", "create", "--database", database, "--scope", scope, "--name", "test"],
                                    extraEnvironment: ["HOME": home.path], timeout: 60)
        guard r.status == 0 else {
            throw HTTPTestClient.ClientError(description: "token create failed (\(r.status)): \(r.stderr)")
        }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Text appended by one thread and read by another.
final class LockedText: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var text = ""
    func append(_ s: String) { lock.withLock { text += s } }
    var value: String { lock.withLock { text } }
}
