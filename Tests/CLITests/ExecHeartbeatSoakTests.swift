import Foundation
import Testing
import ChalkTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A soak test of `chalk exec` heartbeats as a user runs them: the built binary, a config file
/// that turns heartbeats on every second and sends reports to a file sink, and a workload that
/// sleeps. Over about two minutes (some 120 heartbeats, each really built and written) chalk's
/// own RSS, thread count and open file descriptors must stay flat. Chalk leaked ~1 MB per beat
/// (crashappsec/chalk#443); the bound here is 1 MB over ~120 beats (checked: a leak of 20 KB per
/// beat injected into the reporter grew RSS by ~1.5 MB and failed it).
///
/// The test takes about 2.5 minutes; set `CHALK_SKIP_SOAK` to skip it.
@Suite(.disabled(if: ProcessInfo.processInfo.environment["CHALK_SKIP_SOAK"] != nil,
                 "CHALK_SKIP_SOAK is set: heartbeat soak test skipped"))
struct ExecHeartbeatSoakTests {
    /// Seconds after the first heartbeat when the baseline is taken (allocator and caches warm).
    static let warmUp: TimeInterval = 20
    /// Seconds after the first heartbeat when the last sample is taken.
    static let soakEnd: TimeInterval = 140
    /// Allowed RSS growth between the baseline and the last sample, in kB.
    static let rssGrowthBoundKB = 1024

    /// One look at chalk's process in /proc.
    struct Sample: CustomStringConvertible {
        let at: TimeInterval, rssKB: Int, threads: Int, fds: Int, beats: Int
        var description: String { "t=\(Int(at))s rss=\(rssKB)kB threads=\(threads) fds=\(fds) beats=\(beats)" }
    }

    static func sample(pid: Int32, since start: Date, beats: Int) -> Sample? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let rss = ExecTest.field("VmRSS", in: status)?.split(separator: " ").first.flatMap({ Int($0) }),
              let threads = ExecTest.field("Threads", in: status).flatMap({ Int($0) }),
              let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { return nil }
        return Sample(at: Date().timeIntervalSince(start), rssKB: rss, threads: threads, fds: fds.count, beats: beats)
    }

    /// The reports the file sink wrote: one JSON array per line.
    static func reports(in path: String) -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var result: [[String: Any]] = []
        for line in text.split(separator: "\n") {
            if let arr = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [[String: Any]] { result += arr }
        }
        return result
    }

    static func count(_ op: String, in reports: [[String: Any]]) -> Int {
        reports.filter { $0["_OPERATION"] as? String == op }.count
    }

    /// Sleeps until `seconds` after `start` (or returns at once when chalk has gone).
    static func sleep(until seconds: TimeInterval, after start: Date, while p: LiveProcess) {
        while Date().timeIntervalSince(start) < seconds && p.process.isRunning { usleep(100_000) }
    }

    @Test func heartbeatsForTwoMinutesKeepMemoryThreadsAndFdsFlat() throws {
        let home = try TestSupport.makeTempDir("exec-soak")
        defer { TestSupport.removeTree(home) }
        let sinkFile = home.appendingPathComponent("soak-reports.jsonl").path
        // The reports go only to the test's own file sink (default_out unsubscribed), so every
        // heartbeat counted below went through template, JSON encoding and a real file write.
        let cfg = ExecTest.write("""
            exec {
              heartbeat {
                run: true
                rate: <<1 sec>>
              }
              report_deadline: <<5 sec>>
            }
            sink_config soak_file {
              sink:     "file"
              filename: "\(sinkFile)"
            }
            unsubscribe("report", "default_out")
            subscribe("report", "soak_file")
            """, to: home, name: "soak.c4m")

        // The config loads and says what the test relies on.
        let shown = try TestSupport.run(ExecTest.chalk, ["config", "-f", cfg],
                                        environment: ExecTest.environment(home: home), cwd: home, timeout: 60)
        #expect(shown.status == 0, "chalk config -f: \(shown.stderr)")
        #expect(shown.stdout.contains("heartbeat on every 1 s"), "effective config: \(shown.stdout)")

        let (exe, argv) = SignalStateHelper.wrap([ExecTest.chalk, "--config-file", cfg, "exec", "--",
                                                  "sh", "-c", "echo ready; exec sleep 600"])
        let p = try LiveProcess(exe, argv, environment: ExecTest.environment(home: home), cwd: home.path)
        defer { if p.process.isRunning { kill(p.pid, SIGKILL); _ = p.finish(timeout: 5) } }
        try #require(p.waitFor("ready", timeout: 30), "workload never started; stderr: \(p.stderr)")
        // The helper execs chalk: the PID we sample is chalk's own, not the workload's.
        let comm = (try? String(contentsOfFile: "/proc/\(p.pid)/comm", encoding: .utf8)) ?? ""
        let binaryName = String(URL(fileURLWithPath: ExecTest.chalk).lastPathComponent.prefix(15))  // TASK_COMM_LEN
        #expect(comm.trimmingCharacters(in: .whitespacesAndNewlines) == binaryName)

        // The clock starts at the first heartbeat written.
        let firstBeatBy = Date().addingTimeInterval(30)
        while Self.count("heartbeat", in: Self.reports(in: sinkFile)) == 0 && Date() < firstBeatBy && p.process.isRunning {
            usleep(50_000)
        }
        try #require(Self.count("heartbeat", in: Self.reports(in: sinkFile)) > 0,
                     "no heartbeat within 30 s; stderr: \(p.stderr)")
        let start = Date()

        // A sample every 10 s after warm-up: the baseline first, the last at soakEnd.
        var samples: [Sample] = []
        var t = Self.warmUp
        while t <= Self.soakEnd {
            Self.sleep(until: t, after: start, while: p)
            guard p.process.isRunning,
                  let s = Self.sample(pid: p.pid, since: start, beats: Self.count("heartbeat", in: Self.reports(in: sinkFile)))
            else { break }
            samples.append(s)
            t += 10
        }
        print("exec heartbeat soak samples:\n  " + samples.map(\.description).joined(separator: "\n  "))
        try #require(p.process.isRunning, "chalk ended during the soak; stderr: \(p.stderr)")
        let base = try #require(samples.first), last = try #require(samples.last)
        #expect(last.at >= Self.soakEnd - 1, "only sampled until \(last.at) s")

        // Memory: flat within the bound from warm-up to the end.
        let growth = last.rssKB - base.rssKB
        print("exec heartbeat soak: RSS \(base.rssKB) kB -> \(last.rssKB) kB (\(growth) kB) over \(last.beats - base.beats) beats;"
              + " threads \(samples.map(\.threads)); fds \(samples.map(\.fds))")
        #expect(growth < Self.rssGrowthBoundKB,
                "RSS grew \(growth) kB (\(base.rssKB) -> \(last.rssKB)) over \(last.beats - base.beats) heartbeats")
        // No thread or descriptor is left behind by a heartbeat.
        #expect(samples.allSatisfy { $0.threads == base.threads }, "threads: \(samples.map(\.threads))")
        #expect(samples.allSatisfy { $0.fds == base.fds }, "open fds: \(samples.map(\.fds))")

        // SIGTERM goes to the workload; chalk exits as it did and sends the postexec report.
        kill(p.pid, SIGTERM)
        #expect(p.finish(timeout: 30) == 143)
        let reports = Self.reports(in: sinkFile)
        let heartbeats = reports.filter { $0["_OPERATION"] as? String == "heartbeat" }
        print("exec heartbeat soak: \(heartbeats.count) heartbeat reports written")
        #expect(heartbeats.count >= 100, "\(heartbeats.count) heartbeats")
        #expect(heartbeats.allSatisfy { $0["_EXEC_REPORTING_PROBABILITY"] as? Int == 100 })
        #expect(Self.count("exec", in: reports) == 1)
        #expect(Self.count("postexec", in: reports) == 1)
        #expect(reports.last?["_OPERATION"] as? String == "postexec")
        // Nothing went to the default sink.
        #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent(".local/chalk/chalk.log").path))
        #expect(p.stdout == "ready\n")
    }
}
