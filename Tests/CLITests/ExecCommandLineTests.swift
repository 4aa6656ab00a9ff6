import Foundation
import Testing
import ChalkTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `chalk exec`'s command line, exit codes for programs that can't run, silence, and fail-open.
@Suite struct ExecCommandLineTests {
    func run(_ args: [String], home: URL, cwd: URL? = nil, extra: [String: String] = [:]) throws -> TestSupport.ProcessResult {
        let (exe, argv) = SignalStateHelper.wrap([ExecTest.chalk] + args)
        return try TestSupport.run(exe, argv, environment: ExecTest.environment(home: home, extra: extra), cwd: cwd,
                                   timeout: 60)
    }

    @Test func programNotFoundExits127WithReason() throws {
        let home = try TestSupport.makeTempDir("exec-cli")
        defer { TestSupport.removeTree(home) }
        let r = try run(["exec", "--", "no-such-program-xyz"], home: home)
        #expect(r.status == 127)
        #expect(r.stderr == "chalk: no-such-program-xyz: command not found\n")
        #expect(r.stdout.isEmpty)
        let p = try run(["exec", "/nonexistent/prog"], home: home)
        #expect(p.status == 127)
        #expect(p.stderr == "chalk: /nonexistent/prog: No such file or directory\n")
    }

    @Test func programNotExecutableExits126WithReason() throws {
        let home = try TestSupport.makeTempDir("exec-cli")
        defer { TestSupport.removeTree(home) }
        let plain = ExecTest.write("just text\n", to: home, name: "plain.txt", mode: 0o644)
        let r = try run(["exec", plain], home: home)
        #expect(r.status == 126)
        #expect(r.stderr == "chalk: \(plain): Permission denied\n")
        let dir = try run(["exec", home.path], home: home)
        #expect(dir.status == 126)
        #expect(dir.stderr.hasSuffix(": Is a directory\n"))
        // Executable but not a format the kernel runs (no #! line): execve fails with ENOEXEC.
        let garbage = ExecTest.write("\u{1}\u{2}garbage", to: home, name: "garbage", mode: 0o755)
        let g = try run(["exec", garbage], home: home)
        #expect(g.status == 126)
        #expect(g.stderr == "chalk: \(garbage): Exec format error\n")
        // A script whose interpreter is missing: 127, as the shell does.
        let script = ExecTest.write("#!/nonexistent/interp\n", to: home, name: "script", mode: 0o755)
        let s = try run(["exec", script], home: home)
        #expect(s.status == 127)
        #expect(s.stderr == "chalk: \(script): No such file or directory\n")
    }

    @Test func optionParsingStopsAtTheFirstNonOption() throws {
        let home = try TestSupport.makeTempDir("exec-cli")
        defer { TestSupport.removeTree(home) }
        let r = try run(["exec", "sh", "-c", "echo \"$0 $*\"", "-l", "--foo", "-f", "x"], home: home)
        #expect(r.status == 0)
        #expect(r.stdout == "-l --foo -f x\n")
        #expect(r.stderr.isEmpty)
        // After `--` even option-looking words are PROGRAM and its arguments.
        let d = try run(["exec", "--", "sh", "-c", "echo $0", "--heartbeat"], home: home)
        #expect(d.stdout == "--heartbeat\n")
    }

    @Test func argv0AndWorkingDirectoryAreAsGiven() throws {
        let home = try TestSupport.makeTempDir("exec-cli")
        defer { TestSupport.removeTree(home) }
        let work = home.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let script = #"tr '\0' '\n' < /proc/$$/cmdline | head -n 1; pwd -P; readlink /proc/$PPID/cwd"#
        let r = try run(["exec", "--", "sh", "-c", script], home: home, cwd: work)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(lines.count == 3, "\(r.stdout)")
        #expect(lines.first == "sh", "argv[0] as given")
        #expect(lines.dropFirst().first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
                == work.resolvingSymlinksInPath().path, "the workload keeps the working directory")
        #expect(lines.last == "/", "the supervisor itself moved to /")
    }

    @Test func unknownFlagsBeforeProgramAreWarnedAboutAndIgnored() throws {
        let home = try TestSupport.makeTempDir("exec-cli")
        defer { TestSupport.removeTree(home) }
        let r = try run(["exec", "--no-such-flag", "--remap-exit", "nope", "sh", "-c", "echo ran; exit 4"], home: home)
        #expect(r.status == 4)
        #expect(r.stdout == "ran\n")
        #expect(r.stderr.contains("chalk: warn: exec: unknown flag --no-such-flag before PROGRAM; ignored"), "\(r.stderr)")
        #expect(r.stderr.contains("--remap-exit: 'nope' is not an exit code"), "\(r.stderr)")
    }

    @Test func globalFlagsBeforeAndAfterExec() throws {
        let home = try TestSupport.makeTempDir("exec-cli")
        defer { TestSupport.removeTree(home) }
        let before = try run(["--log-level", "warn", "exec", "true"], home: home)
        #expect(before.status == 0)
        #expect(before.stderr.contains("chalk: warn: "), "\(before.stderr)")
        let after = try run(["exec", "--log-level=info", "--chalk-as-parent", "true"], home: home)
        #expect(after.status == 0)
        #expect(after.stderr.contains("chalk: info: exec: --chalk-as-parent is accepted and ignored"), "\(after.stderr)")
        let quiet = try run(["exec", "--chalk-as-parent", "true"], home: home)
        #expect(quiet.stderr.isEmpty)
    }

    @Test func execCommandNameGivesAllPositionalArgumentsToTheProgram() throws {
        let home = try TestSupport.makeTempDir("exec-cli")
        defer { TestSupport.removeTree(home) }
        let r = try run(["exec", "--exec-command-name", "echo", "--", "-n", "hello"], home: home)
        #expect(r.status == 0)
        #expect(r.stdout == "hello")
        let eq = try run(["exec", "--exec-command-name=echo", "a", "b"], home: home)
        #expect(eq.stdout == "a b\n")
    }

    @Test func missingProgramIsAUsageError() throws {
        let home = try TestSupport.makeTempDir("exec-cli")
        defer { TestSupport.removeTree(home) }
        let r = try run(["exec", "--heartbeat"], home: home)
        #expect(r.status == 2)
        #expect(r.stderr.contains("usage: chalk exec"))
        #expect(r.stdout.isEmpty)
    }

    @Test func neverFindsItselfOnPath() throws {
        let home = try TestSupport.makeTempDir("exec-cli")
        defer { TestSupport.removeTree(home) }
        // chalk installed as `greet` early on PATH; the real `greet` comes later.
        let first = home.appendingPathComponent("first"), second = home.appendingPathComponent("second")
        try FileManager.default.createDirectory(at: first, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: second, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: ExecTest.chalk, toPath: first.appendingPathComponent("greet").path)
        _ = ExecTest.write("#!/bin/sh\necho real greet\n", to: second, name: "greet", mode: 0o755)
        let path = "\(first.path):\(second.path):/usr/bin:/bin"
        let r = try TestSupport.run(first.appendingPathComponent("greet").path, ["exec", "greet"],
                                    environment: ExecTest.environment(home: home, extra: ["PATH": path]), timeout: 60)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "real greet\n")
    }
}
