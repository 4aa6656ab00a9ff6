import Foundation
import Testing
import ChalkTestSupport

/// The progress line of insert/extract/delete: shown on a terminal, never in pipes or CI.
@Suite struct MarkingProgressTests {
    static let python3 = TestSupport.which("python3")

    /// Runs chalk with stderr (and stdout) on a pseudo-terminal; returns what the terminal got.
    func onTerminal(_ args: [String], home: URL, cwd: URL, extra: [String: String]) throws -> String {
        let py = try #require(Self.python3)
        let script = """
            import os, pty, sys
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(sys.argv[1], sys.argv[1:])
            out = b""
            while True:
                try:
                    d = os.read(fd, 65536)
                except OSError:
                    break
                if not d:
                    break
                out += d
            os.waitpid(pid, 0)
            sys.stdout.write(out.decode(errors="replace"))
            """
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = home.path
        env.removeValue(forKey: "CI")
        for (k, v) in extra { env[k] = v }
        return try TestSupport.run(py, ["-c", script, TestSupport.chalkBinary] + args, environment: env, cwd: cwd,
                                   timeout: 120).stdout
    }

    func makeTree(_ dir: URL, files: Int) throws {
        let tree = dir.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        for i in 0..<files {
            try "#!/bin/sh\necho \(i)\n".write(to: tree.appendingPathComponent("s\(i).sh"), atomically: false, encoding: .utf8)
        }
    }

    @Test(.enabled(if: python3 != nil)) func insertShowsProgressOnATerminalAndErasesIt() throws {
        let dir = try TestSupport.makeTempDir("progress")
        defer { TestSupport.removeTree(dir) }
        try makeTree(dir, files: 400)
        let out = try onTerminal(["insert", "tree"], home: dir, cwd: dir, extra: ["CHALK_PROGRESS_AFTER_MS": "0"])
        #expect(out.contains("chalk: insert: "), "\(out.suffix(400))")
        #expect(out.contains("/400 artifacts ("), "\(out.suffix(400))")
        #expect(out.contains("marked"))
        // The last status line is erased: the final output doesn't end on a status line.
        let lastStatus = try #require(out.range(of: "artifacts (", options: .backwards))
        #expect(out[lastStatus.upperBound...].contains("\r\u{1B}[K"), "the line is erased when done")
    }

    @Test func noProgressWhenStderrIsNotATerminalOrInCI() throws {
        let dir = try TestSupport.makeTempDir("progress")
        defer { TestSupport.removeTree(dir) }
        try makeTree(dir, files: 50)
        let piped = try TestSupport.chalk(["insert", "tree"], home: dir, cwd: dir,
                                          extraEnvironment: ["CHALK_PROGRESS_AFTER_MS": "0"])
        #expect(piped.status == 0)
        #expect(!piped.stderr.contains("artifacts ("))
        if Self.python3 != nil {
            let ci = try onTerminal(["extract", "tree"], home: dir, cwd: dir,
                                    extra: ["CHALK_PROGRESS_AFTER_MS": "0", "CI": "true"])
            #expect(!ci.contains("artifacts ("), "\(ci.suffix(300))")
        }
    }
}
