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

/// The pre-main launcher (Sources/CExecLaunch) starts the workload before the Swift parser reads
/// the command line; both must agree on what the workload is, whatever flags come first.
@Suite struct ExecPreMainLauncherTests {
    @Test(arguments: [
        ["exec", "--log-level", "trace", "sh", "-c", "exit 0"],
        ["--log-level", "trace", "exec", "--", "sh", "-c", "exit 0"],
        ["--log-level=trace", "exec", "--remap-exit", "3", "--rewrite-signal=USR1:0", "sh", "-c", "exit 3"],
        ["-l", "trace", "--no-use-embedded-config", "exec", "--heartbeat", "--subreaper", "--", "sh", "-c", "exit 0"],
        ["exec", "--trace", "--bogus-flag", "--warn-reaped", "sh", "-c", "exit 0"],
        ["exec", "--log-level", "trace", "--exec-command-name", "sh", "--", "-c", "exit 0"],
        ["exec", "--log-level", "trace", "--exec-command-name=true", "positional", "args"],
        ["exec", "--log-level", "trace", "--signal-group", "--parent-death-signal", "TERM", "sh", "-c", "exit 0"],
    ])
    func launcherAndParserAgree(args: [String]) throws {
        let home = try TestSupport.makeTempDir("exec-launch")
        defer { TestSupport.removeTree(home) }
        // The development build launches from a constructor, the static one from its ELF entry point.
        for chalk in Self.binaries {
            let r = try TestSupport.run(chalk, args, environment: ExecTest.environment(home: home), timeout: 60)
            #expect(r.status == 0, "\(chalk) \(args): \(r.stderr)")
            #expect(r.stderr.contains("was started before main by the pre-main launcher"), "\(chalk) \(args): \(r.stderr)")
            // The static binary starts it at its ELF entry point, before glibc's start-up.
            let hook = chalk == TestSupport.staticChalkBinary ? "at the ELF entry point, before libc started" : "from a constructor"
            #expect(r.stderr.contains(hook), "\(chalk) \(args): \(r.stderr)")
            #expect(!r.stderr.contains("internal:"), "\(chalk) \(args): \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
    }

    static var binaries: [String] { ExecTest.binaries }

    /// The workload started before main gets chalk's whole environment, argv and stdio.
    @Test func launchedWorkloadGetsTheEnvironmentAndArguments() throws {
        let home = try TestSupport.makeTempDir("exec-launch")
        defer { TestSupport.removeTree(home) }
        for chalk in Self.binaries {
            let r = try TestSupport.run(chalk, ["exec", "--", "sh", "-c", "echo \"$CHALK_TEST_MARKER|$0|$1\"", "zero", "one"],
                                        environment: ExecTest.environment(home: home, extra: ["CHALK_TEST_MARKER": "m-42"]),
                                        timeout: 60)
            #expect(r.status == 0, "\(chalk): \(r.stderr)")
            #expect(r.stdout == "m-42|zero|one\n", "\(chalk)")
        }
    }

    /// When PROGRAM can't be found the launcher leaves it to the Swift path, which says why.
    @Test func launcherLeavesUnresolvableProgramsToTheSupervisor() throws {
        let home = try TestSupport.makeTempDir("exec-launch")
        defer { TestSupport.removeTree(home) }
        let r = try TestSupport.run(ExecTest.chalk, ["exec", "--log-level", "trace", "no-such-program-xyz"],
                                    environment: ExecTest.environment(home: home), timeout: 60)
        #expect(r.status == 127)
        #expect(!r.stderr.contains("pre-main launcher"))
        #expect(r.stderr.contains("chalk: no-such-program-xyz: command not found"))
    }
}

/// `chalk exec` with no PROGRAM runs what the config names (exec.command_name, exec.default_args).
@Suite struct ExecConfiguredProgramTests {
    func run(_ args: [String], config: String, home: URL) throws -> TestSupport.ProcessResult {
        let file = ExecTest.write(config, to: home, name: "exec.c4m", mode: 0o644)
        return try TestSupport.run(ExecTest.chalk, ["--config-file", file] + args,
                                   environment: ExecTest.environment(home: home), timeout: 60)
    }

    @Test func commandNameAndDefaultArgsFromTheConfig() throws {
        let home = try TestSupport.makeTempDir("exec-config-program")
        defer { TestSupport.removeTree(home) }
        let config = "exec {\n  command_name: \"sh\"\n  default_args: [\"-c\", \"echo from config; exit 5\"]\n}\n"
        let r = try run(["exec"], config: config, home: home)
        #expect(r.status == 5, "\(r.stderr)")
        #expect(r.stdout == "from config\n")
        // A program on the command line wins: the config never delays a named workload.
        let named = try run(["exec", "--", "sh", "-c", "echo named"], config: config, home: home)
        #expect(named.status == 0)
        #expect(named.stdout == "named\n")
    }

    @Test func firstDefaultArgIsTheProgramWhenNoCommandName() throws {
        let home = try TestSupport.makeTempDir("exec-config-program")
        defer { TestSupport.removeTree(home) }
        let r = try run(["exec"], config: "exec {\n  default_args: [\"sh\", \"-c\", \"echo first; exit 6\"]\n}\n", home: home)
        #expect(r.status == 6, "\(r.stderr)")
        #expect(r.stdout == "first\n")
        let off = try run(["exec"], config: "exec {\n  command_name_from_args: false\n  default_args: [\"sh\"]\n}\n",
                          home: home)
        #expect(off.status == 2)
        #expect(off.stderr.contains("the config names none"), "\(off.stderr)")
    }
}
