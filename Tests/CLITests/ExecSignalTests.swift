import Foundation
import Testing
import ChalkTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Signal state, forwarding options and the terminal, with chalk not PID 1.
@Suite(.enabled(if: SignalStateHelper.path != nil, "needs a C compiler for the signal-state helper"))
struct ExecSignalTests {
    /// Starts `chalk exec ARGS` with a clean signal state plus helper `options`.
    func start(_ args: [String], options: [String] = [], home: URL, extra: [String: String] = [:],
               chalk: String = ExecTest.chalk) throws -> LiveProcess {
        let (exe, argv) = SignalStateHelper.wrap([chalk, "exec"] + args, options: options)
        return try LiveProcess(exe, argv, environment: ExecTest.environment(home: home, extra: extra))
    }

    @Test(arguments: ExecTest.binaries)
    func inheritedMaskAndIgnoredSignalsAreRestoredAndChalkThreadsBlockEverything(chalk: String) throws {
        let home = try TestSupport.makeTempDir("exec-sig")
        defer { TestSupport.removeTree(home) }
        // chalk starts with SIGUSR1 and SIGHUP blocked and SIGUSR2, SIGXFSZ and SIGCHLD ignored; SIGPIPE is
        // default (so anything the Swift runtime ignores would show up as a difference).
        // The workload is `cat` itself (a shell would reset its own mask at start-up).
        let p = try start(["/bin/cat", "/proc/self/status"],
                          options: ["--block", "\(SIGUSR1)", "--block", "\(SIGHUP)", "--ignore", "\(SIGUSR2)", "--ignore", "\(SIGXFSZ)",
                                    "--ignore", "\(SIGCHLD)"],
                          home: home, chalk: chalk)
        #expect(p.finish() == 0)
        let out = p.stdout
        let expectedBlocked = (UInt64(1) << (SIGUSR1 - 1)) | (UInt64(1) << (SIGHUP - 1))
        // SIGCHLD too: chalk sets it to SIG_DFL for itself, and the workload gets SIG_IGN back.
        let expectedIgnored = (UInt64(1) << (SIGUSR2 - 1)) | (UInt64(1) << (SIGXFSZ - 1)) | (UInt64(1) << (SIGCHLD - 1))
        #expect(ExecTest.field("SigBlk", in: out).flatMap { UInt64($0, radix: 16) } == expectedBlocked, "\(out)")
        #expect(ExecTest.field("SigIgn", in: out).flatMap { UInt64($0, radix: 16) } == expectedIgnored, "\(out)")
        // chalk's own threads, seen from its workload while both run.
        // Wait (up to 5 s) until the reporter thread exists, then list every thread's mask.
        let script = #"""
            n=0; while [ $(ls /proc/$PPID/task | wc -l) -lt 2 ] && [ $n -lt 500 ]; do n=$((n+1)); sleep 0.01; done
            for t in /proc/$PPID/task/*; do echo "chalk-thread $(grep '^SigBlk' $t/status)"; done
            echo "chalk-children=$(cat /proc/$PPID/task/*/children | tr -s ' ' | sed 's/ $//')"
            echo "workload=$$"
            """#
        let q = try start(["/bin/sh", "-c", script], home: home, chalk: chalk)
        #expect(q.finish() == 0)
        let threads = q.stdout.split(separator: "\n").filter { $0.hasPrefix("chalk-thread") }
        #expect(threads.count >= 2, "the signal loop and the reporter thread: \(q.stdout)")
        // The reporter is a thread, not a process: chalk's only child is the workload.
        let workloadPID = q.stdout.components(separatedBy: "workload=").last?.prefix { $0.isNumber } ?? ""
        #expect(q.stdout.contains("chalk-children=\(workloadPID)\n"), "\(q.stdout)")
        for t in threads {
            // Every signal but SIGKILL and SIGSTOP (which the kernel never blocks), 32 and 33 included.
            #expect(t.hasSuffix("fffffffffffbfeff"), "chalk thread not fully blocked: \(t)")
        }
    }

    /// The reporter yields to the workload: its thread runs at nice 10 and never keeps a real-time
    /// policy chalk was started with (`chrt`), while the signal loop keeps chalk's own.
    @Test(arguments: ExecTest.binaries)
    func reporterThreadRunsInTheBackground(chalk: String) throws {
        let home = try TestSupport.makeTempDir("exec-nice")
        defer { TestSupport.removeTree(home) }
        // Waits (up to 5 s) for the reporter thread to exist and to have set its priority (it does
        // so first thing; a failure shows as the nice value it kept).
        let script = #"""
            n=0; while [ $(ls /proc/$PPID/task | wc -l) -lt 2 ] && [ $n -lt 500 ]; do n=$((n+1)); sleep 0.01; done
            n=0; while [ $n -lt 500 ]; do
              ok=1; for t in /proc/$PPID/task/*; do [ "${t##*/}" = "$PPID" ] && continue; s=$(cat $t/stat); s=${s##*) }; set -- $s; [ "${17}" = 10 ] || ok=0; done
              [ $ok = 1 ] && break; n=$((n+1)); sleep 0.01
            done
            for t in /proc/$PPID/task/*; do
              s=$(cat $t/stat); s=${s##*) }; set -- $s
              if [ "${t##*/}" = "$PPID" ]; then echo "main nice=${17} policy=${39}"; else echo "other nice=${17} policy=${39}"; fi
            done
            """#
        var prefixes: [[String]] = [[]]
        if let chrt = TestSupport.which("chrt"), (try? TestSupport.run(chrt, ["-f", "10", "/bin/true"], timeout: 10).status) == 0 {
            prefixes.append([chrt, "-f", "10"])
        }
        for prefix in prefixes {
            let cmd = prefix + [chalk, "exec", "/bin/sh", "-c", script]
            let r = try TestSupport.run(cmd[0], Array(cmd.dropFirst()), environment: ExecTest.environment(home: home), timeout: 60)
            #expect(r.status == 0, "\(cmd): \(r.stderr)")
            let lines = r.stdout.split(separator: "\n")
            let others = lines.filter { $0.hasPrefix("other") }
            #expect(!others.isEmpty, "the reporter thread: \(r.stdout)")
            for o in others { #expect(o == "other nice=10 policy=0", "\(cmd): \(r.stdout)") }
            // The signal loop keeps chalk's own priority: SCHED_FIFO (1) under chrt.
            #expect(lines.contains(prefix.isEmpty ? "main nice=0 policy=0" : "main nice=0 policy=1"), "\(cmd): \(r.stdout)")
        }
    }

    @Test(arguments: ExecTest.binaries)
    func terminalIsHandedToTheWorkloadsOwnProcessGroup(chalk: String) throws {
        let py = try #require(ExecTest.python3)
        let home = try TestSupport.makeTempDir("exec-tty")
        defer { TestSupport.removeTree(home) }
        // pty.fork gives chalk a controlling terminal with chalk's group in the foreground.
        let workload = #"read -r a b c d pgrp sess tty tpgid rest < /proc/self/stat; read -r a b c d cpg rest < /proc/$PPID/stat; echo "pgrp=$pgrp tpgid=$tpgid chalkpgrp=$cpg""#
        let script = """
            import os, pty, sys
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(sys.argv[1], [sys.argv[1], "exec", "/bin/sh", "-c", sys.argv[2]])
            out = b""
            while True:
                try:
                    d = os.read(fd, 4096)
                except OSError:
                    break
                if not d:
                    break
                out += d
            _, st = os.waitpid(pid, 0)
            print(out.decode().strip())
            print("status=%d" % os.waitstatus_to_exitcode(st))
            """
        let (exe, argv) = SignalStateHelper.wrap([py, "-c", script, chalk, workload])
        let p = try LiveProcess(exe, argv, environment: ExecTest.environment(home: home))
        #expect(p.finish() == 0)
        let out = p.stdout
        #expect(out.contains("status=0"), "\(out) \(p.stderr)")
        func value(_ k: String) -> Int? {
            guard let r = out.range(of: k + "=") else { return nil }
            return Int(out[r.upperBound...].prefix { $0.isNumber })
        }
        let pgrp = try #require(value("pgrp")), tpgid = try #require(value("tpgid")), chalkPgrp = try #require(value("chalkpgrp"))
        #expect(pgrp == tpgid, "the workload's group is the terminal's foreground group: \(out)")
        #expect(pgrp != chalkPgrp, "the workload has its own process group: \(out)")
    }

    @Test func signalGroupForwardsToTheGroupAndTerminatesItWhenTheWorkloadExits() throws {
        let py = try #require(ExecTest.python3)
        let home = try TestSupport.makeTempDir("exec-sig")
        defer { TestSupport.removeTree(home) }
        let p = try start(["--signal-group", py, "-c", ExecTest.parentIgnoringTermScript], home: home)
        #expect(p.waitFor("ready"))
        kill(p.pid, SIGTERM)  // the helper exec'd chalk, so this is chalk
        #expect(p.finish() == 0)
        #expect(p.stdout.contains("child=-15"), "\(p.stdout)")

        // When the workload exits, the rest of its group gets SIGTERM.
        let q = try start(["--signal-group", "/bin/sh", "-c", "sleep 100 & echo \"bg=$!\"; exit 3"], home: home)
        #expect(q.finish() == 3)
        let bg = try #require(Int32(q.stdout.components(separatedBy: "bg=").last?.prefix { $0.isNumber } ?? ""))
        #expect(ExecTest.waitUntilDead(bg), "the background process of the group survived")
    }

    @Test func withoutSignalGroupOnlyTheWorkloadGetsTheSignal() throws {
        let py = try #require(ExecTest.python3)
        let home = try TestSupport.makeTempDir("exec-sig")
        defer { TestSupport.removeTree(home) }
        let script = """
            import os, time
            pid = os.fork()
            if pid == 0:
                # Let go of the test's pipes, so the test doesn't wait for this orphan.
                null = os.open("/dev/null", os.O_RDWR)
                os.dup2(null, 1); os.dup2(null, 2)
                time.sleep(100); os._exit(0)
            print("bg=%d" % pid, flush=True)
            print("ready", flush=True)
            time.sleep(100)
            """
        let p = try start([py, "-c", script], home: home)
        #expect(p.waitFor("ready"))
        let bg = try #require(Int32(p.stdout.components(separatedBy: "bg=").last?.prefix { $0.isNumber } ?? ""))
        kill(p.pid, SIGTERM)
        // chalk has exited (a zombie until the test reaps it) while the workload's child lives on.
        #expect(ExecTest.waitUntilDead(p.pid))
        let s = ExecTest.state(of: bg)
        #expect(s != nil && s != "Z", "the workload's child should have been left alone")
        kill(bg, SIGKILL)  // (Foundation's Process reports the exit only once it is gone)
        #expect(p.finish() == 143)
    }

    @Test func rewriteSignalRewritesAndDrops() throws {
        let py = try #require(ExecTest.python3)
        let home = try TestSupport.makeTempDir("exec-sig")
        defer { TestSupport.removeTree(home) }
        let script = """
            import signal
            sigs = [signal.SIGUSR1, signal.SIGHUP, signal.SIGINT, signal.SIGTERM]
            signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
            print("ready", flush=True)
            while True:
                s = signal.sigwaitinfo(sigs).si_signo
                print("got %d" % s, flush=True)
                if s == signal.SIGINT:
                    break
            """
        let p = try start(["--rewrite-signal", "SIGTERM:USR1", "--rewrite-signal", "1:0", py, "-c", script], home: home)
        #expect(p.waitFor("ready"))
        kill(p.pid, SIGTERM)
        #expect(p.waitFor("got \(SIGUSR1)\n"))
        kill(p.pid, SIGHUP)   // dropped
        kill(p.pid, SIGINT)
        #expect(p.finish() == 0)
        #expect(!p.stdout.contains("got \(SIGHUP)\n"), "\(p.stdout)")
        #expect(!p.stdout.contains("got \(SIGTERM)\n"), "\(p.stdout)")
    }

    @Test func remapExitTurnsGivenCodesIntoZero() throws {
        let home = try TestSupport.makeTempDir("exec-sig")
        defer { TestSupport.removeTree(home) }
        let a = try start(["--remap-exit", "42", "/bin/sh", "-c", "exit 42"], home: home)
        #expect(a.finish() == 0)
        let b = try start(["--remap-exit", "42", "/bin/sh", "-c", "exit 43"], home: home)
        #expect(b.finish() == 43)
        let c = try start(["--remap-exit=143", "/bin/sh", "-c", "echo ready; exec sleep 100"], home: home)
        #expect(c.waitFor("ready"))
        kill(c.pid, SIGTERM)
        #expect(c.finish() == 0)
    }

    @Test func workloadKilledBySignalGives128PlusN() throws {
        let home = try TestSupport.makeTempDir("exec-sig")
        defer { TestSupport.removeTree(home) }
        let p = try start(["/bin/sh", "-c", "kill -KILL $$"], home: home)
        #expect(p.finish() == 137)
    }

    @Test func subreaperReapsOrphansWhenNotPID1() throws {
        let home = try TestSupport.makeTempDir("exec-sig")
        defer { TestSupport.removeTree(home) }
        let script = ExecTest.orphanScript(count: 2, pidFile: home.appendingPathComponent("o1").path)
        let p = try start(["--subreaper", "--warn-reaped", "/bin/sh", "-c", script], home: home)
        #expect(p.finish() == 0)
        #expect(p.stderr.components(separatedBy: "Reaped zombie process with pid=").count - 1 == 2, "\(p.stderr)")
        // CHALK_SUBREAPER set, even empty, does the same; and no "won't reap" warning at warn level.
        let script2 = ExecTest.orphanScript(count: 2, pidFile: home.appendingPathComponent("o2").path)
        let q = try start(["--log-level", "warn", "--warn-reaped", "/bin/sh", "-c", script2], home: home,
                          extra: ["CHALK_SUBREAPER": ""])
        #expect(q.finish() == 0)
        #expect(q.stderr.contains("Reaped zombie process"), "\(q.stderr)")
        #expect(!q.stderr.contains("not a child subreaper"), "\(q.stderr)")
    }

    @Test func warnsAtWarnLevelWhenOrphansWontBeReaped() throws {
        let home = try TestSupport.makeTempDir("exec-sig")
        defer { TestSupport.removeTree(home) }
        let p = try start(["--log-level", "warn", "/bin/true"], home: home)
        #expect(p.finish() == 0)
        #expect(p.stderr.contains("chalk: warn: chalk is not PID 1 and not a child subreaper"), "\(p.stderr)")
        let quiet = try start(["/bin/true"], home: home)
        #expect(quiet.finish() == 0)
        #expect(quiet.stderr.isEmpty, "silent by default: \(quiet.stderr)")
    }

    @Test(arguments: ExecTest.binaries)
    func subreaperEPERMUnderLambdaDegradesQuietly(chalk: String) throws {
        let home = try TestSupport.makeTempDir("exec-lambda")
        defer { TestSupport.removeTree(home) }
        let lambda = [
            "AWS_LAMBDA_FUNCTION_NAME": "chalk-test", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_EXECUTION_ENV": "AWS_Lambda_provided.al2023",
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001", "AWS_REGION": "us-east-1", "LAMBDA_TASK_ROOT": "/var/task",
            "CHALK_SUBREAPER": "1",
        ]
        let p = try start(["--subreaper", "/bin/sh", "-c", "echo handler-ran; exit 7"], options: ["--deny-subreaper"],
                          home: home, extra: lambda, chalk: chalk)
        #expect(p.finish() == 7)
        #expect(p.stdout == "handler-ran\n")
        #expect(p.stderr.isEmpty, "EPERM must be quiet at the default level: \(p.stderr)")
        // The filter really refused it: at trace level chalk says so.
        let t = try start(["--log-level", "trace", "--subreaper", "/bin/true"], options: ["--deny-subreaper"],
                          home: home, extra: lambda, chalk: chalk)
        #expect(t.finish() == 0)
        #expect(t.stderr.contains("could not become a child subreaper: Operation not permitted"), "\(t.stderr)")
    }

    @Test(arguments: ExecTest.binaries)
    func failsOpenByExecingTheWorkloadWhenItCannotFork(chalk: String) throws {
        let home = try TestSupport.makeTempDir("exec-failopen")
        defer { TestSupport.removeTree(home) }
        // `echo` and `exit` are shell builtins: the workload itself needs no fork.
        let p = try start(["/bin/sh", "-c", "echo \"pid=$$\"; exit 12"], options: ["--deny-fork"], home: home, chalk: chalk)
        #expect(p.finish() == 12)
        #expect(p.stdout == "pid=\(p.pid)\n", "the workload replaced chalk (same PID): \(p.stdout)")
        #expect(p.stderr.isEmpty, "\(p.stderr)")
        // A program that can't run is still reported the usual way.
        let q = try start(["/nonexistent/prog"], options: ["--deny-fork"], home: home, chalk: chalk)
        #expect(q.finish() == 127)
    }

    /// The workload starts before chalk's main (pre-main launcher), so the parent can die before
    /// chalk asks for the signal: chalk compares with the parent it started with. Both the
    /// development and the static binary (they launch from different hooks).
    @Test(arguments: ExecTest.binaries)
    func parentDeathSignalArrivesWhenChalksParentDies(chalk: String) throws {
        let home = try TestSupport.makeTempDir("exec-pdeath")
        defer { TestSupport.removeTree(home) }
        let ready = home.appendingPathComponent("ready").path, got = home.appendingPathComponent("got").path
        let pidFile = home.appendingPathComponent("chalk.pid").path
        // The workload writes `ready`, then waits; on SIGTERM it writes `got` and exits.
        let workload = "trap 'echo term > \(got); exit 0' TERM; echo > \(ready); i=0; while [ \\$i -lt 1500 ]; do i=\\$((i+1)); sleep 0.02; done"
        // chalk's parent (a shell) exits once the workload is ready: chalk gets SIGTERM and forwards it.
        let launcher = """
            \(chalk) exec --parent-death-signal SIGTERM -- /bin/sh -c "\(workload)" </dev/null >/dev/null 2>&1 &
            echo $! > \(pidFile)
            n=0; while [ ! -e \(ready) ] && [ $n -lt 500 ]; do n=$((n+1)); sleep 0.01; done
            """
        let p = try start(["/bin/true"], home: home)  // (warm-up: the binary is in the page cache)
        _ = p.finish()
        let (exe, argv) = SignalStateHelper.wrap(["/bin/sh", "-c", launcher])
        let r = try TestSupport.run(exe, argv, environment: ExecTest.environment(home: home), timeout: 30)
        #expect(r.status == 0)
        let end = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: got) && Date() < end { usleep(10_000) }
        #expect(FileManager.default.fileExists(atPath: got), "the workload never got the parent-death SIGTERM")
        // If it didn't, don't leave chalk and its workload running.
        if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            _ = kill(-pid, SIGKILL); _ = kill(pid, SIGKILL)
        }
    }
}
