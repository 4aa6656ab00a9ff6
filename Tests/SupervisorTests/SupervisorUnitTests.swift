import Foundation
import Testing
import ChalkTestSupport
@testable import Supervisor
#if canImport(Glibc)
import Glibc
#endif

@Suite struct SignalNamesTests {
    @Test(arguments: [("SIGUSR1", Int32(10)), ("USR1", 10), ("usr1", 10), ("sigterm", 15), ("15", 15), ("1", 1),
                      ("SIGRTMIN", 34), ("RTMIN+2", 36), ("RTMAX", 64), ("RTMAX-1", 63), ("SIGCHLD", 17), ("64", 64)])
    func parses(text: String, number: Int32) {
        #expect(SignalNames.parse(text) == number)
    }

    @Test func rejectsUnknownAndOutOfRange() {
        for bad in ["", "SIGFOO", "65", "-1", "RTMIN+40", "0"] { #expect(SignalNames.parse(bad) == nil, "\(bad)") }
        #expect(SignalNames.parse("0", allowZero: true) == 0)
    }

    @Test func names() {
        #expect(SignalNames.name(of: 15) == "SIGTERM")
        #expect(SignalNames.name(of: 40) == "SIG40")
    }
}

@Suite struct WorkloadStatusTests {
    @Test func decodesWaitStatusAndMapsToExitCodes() {
        #expect(WorkloadStatus(waitStatus: 42 << 8) == .exited(42))
        #expect(WorkloadStatus(waitStatus: 15) == .signaled(15))
        #expect(WorkloadStatus(waitStatus: 9 | 0x80) == .signaled(9))  // core dumped
        #expect(WorkloadStatus.exited(0).exitCode == 0)
        #expect(WorkloadStatus.signaled(15).exitCode == 143)
    }

    @Test func optionsRewriteDropAndRemap() {
        let o = SupervisorOptions(remapExit: [143, 42], rewriteSignal: [15: 10, 1: 0])
        #expect(o.forwarded(15) == 10)
        #expect(o.forwarded(1) == nil)
        #expect(o.forwarded(2) == 2)
        #expect(o.finalExitCode(.signaled(15)) == 0)
        #expect(o.finalExitCode(.exited(42)) == 0)
        #expect(o.finalExitCode(.exited(1)) == 1)
    }

    @Test func commandLineWinsOverConfig() {
        let live = LiveSupervisorOptions(SupervisorOptions(remapExit: [1], rewriteSignal: [15: 10]))
        live.mergeFromConfig(SupervisorOptions(signalGroup: true, remapExit: [2], rewriteSignal: [15: 0, 2: 3],
                                               parentDeathSignal: 9))
        let o = live.current
        #expect(o.signalGroup)
        #expect(o.remapExit == [1, 2])
        #expect(o.rewriteSignal == [15: 10, 2: 3])
        #expect(o.parentDeathSignal == 9)
    }
}

@Suite struct ProgramResolverTests {
    @Test func searchesPathInOrderAndKeepsEveryCandidate() throws {
        let dir = try TestSupport.makeTempDir("resolver")
        defer { TestSupport.removeTree(dir) }
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b"), c = dir.appendingPathComponent("c")
        for d in [a, b, c] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        _ = FileManager.default.createFile(atPath: a.appendingPathComponent("tool").path, contents: Data("x".utf8),
                                       attributes: [.posixPermissions: 0o644])
        _ = FileManager.default.createFile(atPath: b.appendingPathComponent("tool").path, contents: Data("x".utf8),
                                       attributes: [.posixPermissions: 0o755])
        _ = FileManager.default.createFile(atPath: c.appendingPathComponent("tool").path, contents: Data("x".utf8),
                                       attributes: [.posixPermissions: 0o700])
        let path = "\(a.path):\(b.path):\(c.path)"
        let r = ProgramResolver.resolve("tool", path: path, selfExe: nil)
        #expect((try? r.get()) == [b.appendingPathComponent("tool").path, c.appendingPathComponent("tool").path])
        // Only a non-executable match: 126.
        if case .failure(let e) = ProgramResolver.resolve("tool", path: a.path, selfExe: nil) {
            #expect(e.exitCode == 126)
        } else { Issue.record("expected a failure") }
        if case .failure(let e) = ProgramResolver.resolve("nothing-here", path: path, selfExe: nil) {
            #expect(e.exitCode == 127)
            #expect(e.description == "chalk: nothing-here: command not found")
        } else { Issue.record("expected a failure") }
        // Never find ourself: chalk installed as b/tool skips b.
        let skip = ProgramResolver.resolve("tool", path: path, selfExe: b.appendingPathComponent("tool").path)
        #expect((try? skip.get()) == [c.appendingPathComponent("tool").path])
    }

    @Test func aNameWithASlashIsUsedAsWritten() {
        #expect((try? ProgramResolver.resolve("/bin/sh", path: "", selfExe: nil).get()) == ["/bin/sh"])
        if case .failure(let e) = ProgramResolver.resolve("/no/such", path: nil, selfExe: nil) {
            #expect(e.exitCode == 127)
        } else { Issue.record("expected a failure") }
    }
}

@Suite struct WorkloadSpawnerTests {
    @Test func execErrorsComeBackThroughThePipe() {
        // A candidate that exists but can't be exec'd (a directory passed straight to execve).
        let outcome = WorkloadSpawner.spawn(WorkloadSpec(candidates: ["/"], argv: ["root"]), program: "root", handTerminal: false)
        guard case .execFailed(let e) = outcome else { Issue.record("expected execFailed, got \(outcome)"); return }
        #expect(e.exitCode == 126)
        #expect(e.description == "chalk: root: Permission denied")
    }

    @Test func laterCandidatesAreTriedWhenAnEarlierOneFails() {
        let outcome = WorkloadSpawner.spawn(WorkloadSpec(candidates: ["/nonexistent/true", "/bin/true"], argv: ["true"]),
                                            program: "true", handTerminal: false)
        guard case .started(let w) = outcome else { Issue.record("expected started, got \(outcome)"); return }
        #expect(w.path == "/bin/true", "the candidate that ran")
        var st: Int32 = 0
        #expect(waitpid(w.pid, &st, 0) == w.pid)
        #expect(WorkloadStatus(waitStatus: st) == .exited(0))
    }

    @Test func theWorkloadGetsItsOwnProcessGroup() {
        let outcome = WorkloadSpawner.spawn(WorkloadSpec(candidates: ["/bin/sleep"], argv: ["sleep", "5"]), program: "sleep", handTerminal: false)
        guard case .started(let w) = outcome else { Issue.record("expected started, got \(outcome)"); return }
        #expect(getpgid(w.pid) == w.pid)
        kill(w.pid, SIGKILL)
        var st: Int32 = 0
        _ = waitpid(w.pid, &st, 0)
        #expect(WorkloadStatus(waitStatus: st) == .signaled(SIGKILL))
    }
}

import CChalkSys

@Suite struct ReleaseMemoryTests {
    @Test func releaseAndPollTimesOutAndWakesAndCodeRunsOnAfterwards() {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        // Timeout: nothing to read. The process's code was dropped and faults back in.
        #expect(chalk_release_memory_and_poll(fds[0], 20) == 0)
        var b: UInt8 = 1
        #expect(write(fds[1], &b, 1) == 1)
        #expect(chalk_release_memory_and_poll(fds[0], 1_000) == 1)
        // Still working after repeated releases (heartbeats call it once per beat).
        for _ in 0..<20 { _ = chalk_release_memory_and_poll(fds[0], 0) }
        #expect(SignalNames.parse("TERM") == 15)
    }
}
