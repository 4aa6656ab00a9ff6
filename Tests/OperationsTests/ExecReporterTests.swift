import Foundation
import Synchronization
import Testing
import ChalkTestSupport
import Config
import Marking
import Reporting
@testable import Operations
#if canImport(Glibc)
import Glibc
#endif

/// The exec reporter with a given config and its reports captured (the spawn, the signal loop and
/// the file sink are covered end to end in CLITests). Serialized: `heartbeatMemoryStaysFlat`
/// reads the process's RSS, which the 400 reporters of `probabilityFiftySamplesAboutHalf`, run
/// alongside, grew by 9 MB.
@Suite(.serialized) struct ExecReporterTests {
    final class Captured: Sendable {
        let runs = Mutex<[CollectedRun]>([])
        let count = Atomic<Int>(0)
        let keep: Bool
        init(keep: Bool = true) { self.keep = keep }
        var all: [CollectedRun] { runs.withLock { $0 } }
    }

    static func info(pid: Int32 = getpid()) -> ExecRunInfo {
        ExecRunInfo(workloadPID: pid, program: "sh", artifactPath: "/bin/sh", workloadArgv: ["sh", "-c", "true"],
                    chalkArgv: ["chalk", "exec", "sh"], startDirectory: "/", startMillis: OperationTime.now().milliseconds,
                    configFile: nil, useEmbeddedConfig: true, reportTemplate: nil, heartbeat: nil, chalkVersion: "test")
    }

    static func config(probability: Int = 100, heartbeat: Bool = false, rateMicros: Int64 = 20_000) -> ChalkConfig {
        var c = ChalkConfig()
        c.exec.reportingProbability = probability
        c.exec.heartbeatRun = heartbeat
        c.exec.heartbeatRate = rateMicros
        return c
    }

    /// Runs a reporter on its own thread; returns it and the captured reports.
    static func start(_ config: ChalkConfig, keep: Bool = true) -> (ExecReporter, Captured) {
        let captured = Captured(keep: keep)
        let reporter = ExecReporter(
            info: info(), hooks: ExecReporterHooks(configLoaded: { _ in }, finished: {}, releaseMemory: {}),
            configSource: .fixed(config),
            publish: { run, _, _ in
                captured.count.add(1, ordering: .relaxed)
                if captured.keep { captured.runs.withLock { $0.append(run) } }
            })
        Thread.detachNewThread { reporter.run() }
        return (reporter, captured)
    }

    static func waitFinished(_ r: ExecReporter, timeout: TimeInterval = 10) -> Bool {
        TestSupport.waitUntil(timeout: timeout, every: 0.001) { r.finished }
    }

    @Test func probabilityZeroNeverReportsAndFinishesAtOnce() {
        for _ in 0..<50 {
            let (r, captured) = Self.start(Self.config(probability: 0))
            #expect(Self.waitFinished(r), "an unsampled reporter finishes without waiting for the workload")
            #expect(captured.all.isEmpty)
        }
    }

    @Test func probabilityHundredAlwaysReportsExecThenPostexec() {
        let (r, captured) = Self.start(Self.config(probability: 100))
        TestSupport.waitUntil(timeout: 10, every: 0.001) { !captured.all.isEmpty }
        #expect(!r.finished, "a sampled reporter waits for the workload to exit")
        r.workloadExited(exitCode: 143)
        #expect(Self.waitFinished(r))
        let runs = captured.all
        #expect(runs.map(\.operation) == ["exec", "postexec"])
        #expect(runs.allSatisfy { $0.host["_EXEC_REPORTING_PROBABILITY"] == .int(100) })
        #expect(runs.last?.host["_OP_EXIT_CODE"] == .int(143))
        #expect(runs.first?.host["_EXEC_ID"] == runs.last?.host["_EXEC_ID"])
        #expect(runs.first?.unmarked == ["/bin/sh"])
    }

    /// Heartbeat and postexec reports reuse the exec report's host keys but not its clock.
    @Test func laterReportsKeepTheHostKeysAndReadTheClockAgain() throws {
        let (r, captured) = Self.start(Self.config(probability: 100))
        TestSupport.waitUntil(timeout: 10, every: 0.001) { !captured.all.isEmpty }
        usleep(40_000)
        r.workloadExited(exitCode: 0)
        #expect(Self.waitFinished(r))
        let runs = captured.all
        let exec = try #require(runs.first?.host), post = try #require(runs.last?.host)
        let execMono = try #require(exec["_MONOTIME"]?.intValue), postMono = try #require(post["_MONOTIME"]?.intValue)
        #expect(postMono >= execMono + 35, "postexec's _MONOTIME is read when it is written")
        #expect(try #require(post["_SINCE_MONOTIME"]?.intValue) >= (exec["_SINCE_MONOTIME"]?.intValue ?? 0) + 35)
        for key in ["_OP_HOSTNAME", "_OP_ARGV", "_OP_PLATFORM", "_OP_EXE_NAME", "_SINCE_TIMESTAMP"] {
            #expect(post[key] != nil && post[key] == exec[key], "\(key)")
        }
        #expect(exec["_OP_EXIT_CODE"] == nil && post["_OPERATION"] == .string("postexec"))
    }

    @Test func probabilityFiftySamplesAboutHalf() {
        let n = 400
        var sampled = 0
        for _ in 0..<n {
            let (r, captured) = Self.start(Self.config(probability: 50))
            r.workloadExited(exitCode: 0)
            _ = Self.waitFinished(r)
            if let exec = captured.all.first {
                sampled += 1
                #expect(exec.host["_EXEC_REPORTING_PROBABILITY"] == .int(50))
            }
        }
        // Binomial(400, 0.5): mean 200, sd 10; 140...260 is six standard deviations either way.
        #expect((140...260).contains(sampled), "\(sampled) of \(n)")
    }

    @Test func heartbeatsCountUpShareTheExecIDAndStopWhenTheWorkloadExits() {
        let (r, captured) = Self.start(Self.config(heartbeat: true, rateMicros: 10_000))
        TestSupport.waitUntil(timeout: 20) { captured.all.filter({ $0.operation == "heartbeat" }).count >= 5 }
        r.workloadExited(exitCode: 0)
        #expect(Self.waitFinished(r))
        let runs = captured.all
        #expect(runs.first?.operation == "exec")
        #expect(runs.last?.operation == "postexec")
        let beats = runs.filter { $0.operation == "heartbeat" }
        #expect(beats.count >= 5)
        #expect(beats.map { $0.host["_HEARTBEAT_COUNT"] } == (1...beats.count).map { ChalkValue.int(Int64($0)) })
        let id = runs.first?.host["_EXEC_ID"]
        #expect(runs.allSatisfy { $0.host["_EXEC_ID"] == id })
        #expect(beats.allSatisfy { $0.chalks.first?["_OP_ARTIFACT_PATH"] == .string("/bin/sh") })
    }

    @Test func heartbeatMemoryStaysFlat() {
        // 500 beats at 1 ms after a warm-up; reports are counted, not kept. Chalk leaked ~1 MB
        // per beat (#443).
        let (r, captured) = Self.start(Self.config(heartbeat: true, rateMicros: 1_000), keep: false)
        func rssKB() -> Int {

            let s = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
            return Int(s.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }?
                .split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        TestSupport.waitUntil(timeout: 60) { captured.count.load(ordering: .relaxed) >= 100 }
        let early = rssKB()
        TestSupport.waitUntil(timeout: 60, every: 0.005) { captured.count.load(ordering: .relaxed) >= 600 }
        let late = rssKB()
        r.workloadExited(exitCode: 0)
        #expect(Self.waitFinished(r))
        #expect(captured.count.load(ordering: .relaxed) >= 600)
        #expect(late - early < 4_096, "RSS grew from \(early) kB to \(late) kB over 500 beats")
    }
}
