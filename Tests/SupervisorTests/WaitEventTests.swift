import Testing
@testable import Supervisor
#if canImport(Glibc)
import Glibc
#endif

/// With WUNTRACED/WCONTINUED a `waitpid` status word can be a stop or a continue: the reaping
/// loop must never take those for an exit (a stop decoded as an end reads as "signal 127").
@Suite struct WaitEventTests {
    @Test func decodesStopsContinuesAndEnds() {
        #expect(WaitEvent(waitStatus: 0x7f | (SIGTSTP << 8)) == .stopped(SIGTSTP))
        #expect(WaitEvent(waitStatus: 0x7f | (SIGSTOP << 8)) == .stopped(SIGSTOP))
        #expect(WaitEvent(waitStatus: 0xffff) == .continued)
        #expect(WaitEvent(waitStatus: 3 << 8) == .ended(.exited(3)))
        #expect(WaitEvent(waitStatus: SIGTERM) == .ended(.signaled(SIGTERM)))
        #expect(WaitEvent(waitStatus: SIGSEGV | 0x80) == .ended(.signaled(SIGSEGV)))  // core dumped
    }

    /// A real child, stopped, continued and killed, seen through real `waitpid` status words.
    @Test func realStopContinueAndExitOfAChild() {
        let outcome = WorkloadSpawner.spawn(WorkloadSpec(candidates: ["/bin/sleep"], argv: ["sleep", "30"]),
                                            program: "sleep", handTerminal: false)
        guard case .started(let w) = outcome else { Issue.record("expected started, got \(outcome)"); return }
        defer { kill(w.pid, SIGKILL); var st: Int32 = 0; _ = waitpid(w.pid, &st, WNOHANG) }
        var st: Int32 = 0
        kill(w.pid, SIGSTOP)
        #expect(waitpid(w.pid, &st, WUNTRACED) == w.pid)
        #expect(WaitEvent(waitStatus: st) == .stopped(SIGSTOP))
        kill(w.pid, SIGCONT)
        #expect(waitpid(w.pid, &st, WCONTINUED) == w.pid)
        #expect(WaitEvent(waitStatus: st) == .continued)
        kill(w.pid, SIGKILL)
        #expect(waitpid(w.pid, &st, 0) == w.pid)
        #expect(WaitEvent(waitStatus: st) == .ended(.signaled(SIGKILL)))
    }
}
