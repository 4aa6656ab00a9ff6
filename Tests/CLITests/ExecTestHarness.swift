import Foundation
import ChalkTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A process under test that the test talks to while it runs: its stdout and stderr are read in
/// the background, and the test waits for marker lines ("ready") instead of sleeping.
final class LiveProcess: @unchecked Sendable {
    // @unchecked: the buffers are only touched under `lock`.
    let process = Process()
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()
    private let outPipe = Pipe(), errPipe = Pipe()
    private let readers = DispatchGroup()

    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, cwd: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        for (pipe, isOut) in [(outPipe, true), (errPipe, false)] {
            readers.enter()
            let handle = pipe.fileHandleForReading
            Thread.detachNewThread { [self] in
                while true {
                    let d = handle.availableData
                    if d.isEmpty { break }
                    lock.lock(); if isOut { out.append(d) } else { err.append(d) }; lock.unlock()
                }
                readers.leave()
            }
        }
    }

    var pid: Int32 { process.processIdentifier }
    var stdout: String { lock.lock(); defer { lock.unlock() }; return String(decoding: out, as: UTF8.self) }
    var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: err, as: UTF8.self) }

    /// Waits until stdout contains `text` (true), or the timeout passes / the process ends (false).
    @discardableResult
    func waitFor(_ text: String, timeout: TimeInterval = 15) -> Bool {
        TestSupport.waitUntil(timeout: timeout) { stdout.contains(text) || !process.isRunning }
        return stdout.contains(text)
    }

    /// Waits for the process to end (killing it after `timeout`): (exit status or 128+signal).
    func finish(timeout: TimeInterval = 20) -> Int32 {
        TestSupport.waitUntil(timeout: timeout) { !process.isRunning }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
        // Grandchildren may still hold the pipes open: don't wait for EOF forever.
        _ = readers.wait(timeout: .now() + 5)
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }
}

/// Helpers for exec tests.
enum ExecTest {
    /// A shell script that leaves `count` orphans (each `( ... & )` subshell exits at once, so its
    /// child is re-parented to PID 1 or the nearest subreaper), waits (up to 5 s) until every
    /// orphan has been reaped (its PID, recorded in `pidFile`, is gone from /proc), then prints
    /// `zombies=N` for the zombies left in the PID namespace.
    static func orphanScript(count: Int, pidFile: String) -> String {
        """
        for i in $(seq 1 \(count)); do ( sh -c 'echo $$ >> \(pidFile); exit 0' & ); done
        n=0
        while [ $n -lt 500 ]; do
          left=0
          if [ -f \(pidFile) ] && [ $(wc -l < \(pidFile)) -eq \(count) ]; then
            for p in $(cat \(pidFile)); do [ -e /proc/$p ] && left=1; done
          else left=1; fi
          [ $left -eq 0 ] && break
          n=$((n+1)); sleep 0.01
        done
        echo "zombies=$(grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null | wc -l)"
        """
    }

    /// A Python workload that forks a sleeping child, ignores SIGTERM itself, prints "ready",
    /// and reports how its child ended (`child=-15` when SIGTERM killed it).
    static let parentIgnoringTermScript = """
        import os, signal, time
        pid = os.fork()
        if pid == 0:
            time.sleep(100); os._exit(0)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("ready", flush=True)
        _, st = os.waitpid(pid, 0)
        print("child=%d" % os.waitstatus_to_exitcode(st), flush=True)
        """

    static var chalk: String { TestSupport.chalkBinary }

    /// The development build and, when CHALK_STATIC_BIN names it, the static one: they start the
    /// workload from different places (a constructor; the ELF entry point, before libc).
    static var binaries: [String] { [chalk] + (TestSupport.staticChalkBinary.map { [$0] } ?? []) }

    /// An environment with a private HOME (so reports land in a scratch chalk.log).
    static func environment(home: URL, extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = home.path
        env.removeValue(forKey: "CHALK_SUBREAPER")
        for (k, v) in extra { env[k] = v }
        return env
    }

    /// True when `unshare -fp --mount-proc` works here (root, and PID namespaces allowed).
    static let canUnshare: Bool = {
        guard TestSupport.isRoot, let unshare = TestSupport.which("unshare") else { return false }
        return (try? TestSupport.run(unshare, ["-fp", "--mount-proc", "/bin/true"], timeout: 10).status) == 0
    }()

    static var unshare: String { TestSupport.which("unshare") ?? "/usr/bin/unshare" }
    static var python3: String? { TestSupport.which("python3") }

    /// The children of `pid` (from /proc/PID/task/PID/children).
    static func children(of pid: Int32) -> [Int32] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// The host PID of chalk running as PID 1 under `unshare -fp` (unshare's only child).
    static func namespaceInit(of unsharePID: Int32, timeout: TimeInterval = 10) -> Int32? {
        var found: Int32?
        TestSupport.waitUntil(timeout: timeout) {
            found = children(of: unsharePID).first
            return found != nil
        }
        return found
    }

    /// The state letter of a process (`R`, `S`, `Z`, ...), or nil when it no longer exists.
    static func state(of pid: Int32) -> Character? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(close, offsetBy: 2)...].first
    }

    /// Waits until `pid` is gone or a zombie. True when it is.
    static func waitUntilDead(_ pid: Int32, timeout: TimeInterval = 10) -> Bool {
        TestSupport.waitUntil(timeout: timeout, every: 0.005) {
            let s = state(of: pid)
            return s == nil || s == "Z" || s == "X"
        }
    }

    /// The JSON reports in HOME's chalk.log, one array per line, flattened.
    static func reports(home: URL) -> [[String: Any]] {
        let path = home.appendingPathComponent(".local/chalk/chalk.log").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var result: [[String: Any]] = []
        for line in text.split(separator: "\n") {
            if let arr = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [[String: Any]] { result += arr }
        }
        return result
    }

    /// Puts a user config in HOME (`~/.config/chalk/chalk.c4m`, on chalk's config path) with a
    /// report deadline long enough for a loaded test machine, for tests that check the reports
    /// of a workload that exits at once.
    static func writeGenerousDeadlineConfig(home: URL) {
        let dir = home.appendingPathComponent(".config/chalk")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        _ = write("exec {\n  report_deadline: <<5 sec>>\n}\n", to: dir, name: "chalk.c4m")
    }

    /// Writes a file and returns its path.
    static func write(_ text: String, to dir: URL, name: String, mode: Int = 0o644) -> String {
        let url = dir.appendingPathComponent(name)
        try? text.write(to: url, atomically: true, encoding: .utf8)
        chmod(url.path, mode_t(mode))
        return url.path
    }

    /// The value of a `Name:\tvalue` line of /proc/.../status text.
    static func field(_ name: String, in status: String) -> String? {
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            return line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}
