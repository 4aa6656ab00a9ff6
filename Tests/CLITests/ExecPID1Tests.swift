import Foundation
import Testing
import ChalkTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `chalk exec` as PID 1 of a PID namespace (`unshare -fp --mount-proc`), as in a container.
@Suite(.enabled(if: ExecTest.canUnshare && SignalStateHelper.path != nil, "needs root, unshare -fp and a C compiler"))
struct ExecPID1Tests {
    /// Runs `chalk exec ARGS` as PID 1; returns the live unshare process.
    func startAsInit(_ args: [String], home: URL) throws -> LiveProcess {
        let (exe, argv) = SignalStateHelper.wrap([ExecTest.unshare, "-fp", "--mount-proc", ExecTest.chalk, "exec"] + args)
        return try LiveProcess(exe, argv, environment: ExecTest.environment(home: home))
    }

    @Test(arguments: [Int32(0), 1, 42])
    func exitCodePassesThrough(code: Int32) throws {
        let home = try TestSupport.makeTempDir("exec-pid1")
        defer { TestSupport.removeTree(home) }
        let p = try startAsInit(["--", "/bin/sh", "-c", "exit \(code)"], home: home)
        #expect(p.finish() == code)
        #expect(p.stdout.isEmpty)
        #expect(p.stderr.isEmpty, "exec must be silent by default: \(p.stderr)")
    }

    @Test func sigtermToInitGives143() throws {
        let home = try TestSupport.makeTempDir("exec-pid1")
        defer { TestSupport.removeTree(home) }
        let p = try startAsInit(["/bin/sh", "-c", "echo ready; exec sleep 100"], home: home)
        #expect(p.waitFor("ready"))
        let initPID = try #require(ExecTest.namespaceInit(of: p.pid))

        // What `docker stop` does: SIGTERM to PID 1 (from outside the namespace).
        kill(initPID, SIGTERM)
        #expect(p.finish() == 143)
    }

    @Test func orphansAreReapedToZeroZombies() throws {
        let home = try TestSupport.makeTempDir("exec-pid1")
        defer { TestSupport.removeTree(home) }
        let script = ExecTest.orphanScript(count: 3, pidFile: home.appendingPathComponent("orphans").path)
        let p = try startAsInit(["--warn-reaped", "/bin/sh", "-c", script], home: home)
        #expect(p.finish() == 0)
        #expect(p.stdout.contains("zombies=0"), "stdout: \(p.stdout)")
        let reaped = p.stderr.components(separatedBy: "Reaped zombie process with pid=").count - 1
        #expect(reaped >= 3, "stderr: \(p.stderr)")
    }

    @Test func signalGroupReachesTheWholeGroupAsInit() throws {
        let py = try #require(ExecTest.python3)
        let home = try TestSupport.makeTempDir("exec-pid1")
        defer { TestSupport.removeTree(home) }
        // The workload ignores SIGTERM; its child does not. Only a group-wide SIGTERM kills the child.
        let p = try startAsInit(["--signal-group", py, "-c", ExecTest.parentIgnoringTermScript], home: home)
        #expect(p.waitFor("ready"))
        let initPID = try #require(ExecTest.namespaceInit(of: p.pid))
        kill(initPID, SIGTERM)
        #expect(p.finish() == 0)
        #expect(p.stdout.contains("child=-15"), "stdout: \(p.stdout)")
    }

    @Test func signalsIncludingSynchronousAndRealtimeAreForwarded() throws {
        let py = try #require(ExecTest.python3)
        let home = try TestSupport.makeTempDir("exec-pid1")
        defer { TestSupport.removeTree(home) }
        let sigs: [Int32] = [SIGUSR1, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGSYS, SIGWINCH, 37, 64]
        let script = """
            import signal, sys
            sigs = [\(sigs.map(String.init).joined(separator: ","))]
            signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
            print("ready", flush=True)
            for _ in sigs:
                info = signal.sigwaitinfo(sigs)
                print("got", info.si_signo, flush=True)
            """
        let p = try startAsInit([py, "-c", script], home: home)
        #expect(p.waitFor("ready"))
        let initPID = try #require(ExecTest.namespaceInit(of: p.pid))
        for s in sigs {
            kill(initPID, s)
            #expect(p.waitFor("got \(s)\n"), "signal \(s) not forwarded; stdout: \(p.stdout)")
        }
        #expect(p.finish() == 0)
    }
}
