import ChalkLog
import Config
import Reporting
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The background reporter of `chalk exec` (a thread, never a child process). After the spawn it
/// loads the config, draws the sampling decision, sends the exec report, optional heartbeats and
/// the postexec report. It shares only atomics and a wake-up pipe with the signal loop, so
/// nothing it does (a slow config, a dead sink, an error) can block the loop: the loop waits for
/// it only after the workload has exited, and at most `exec.report_deadline`.
public final class ExecReporter: Sendable {
    /// Where the config comes from: the loader (normal runs), or a given config (tests).
    public enum ConfigSource: Sendable {
        case loader
        case fixed(ChalkConfig)
    }

    /// Publishes one report (`ExecReportPublisher.publish` unless a test captures them).
    public typealias Publish = @Sendable (_ run: CollectedRun, _ config: ChalkConfig, _ templateOverride: String?) -> Void

    private let info: ExecRunInfo
    private let hooks: ExecReporterHooks
    private let configSource: ConfigSource
    private let publish: Publish?
    private let done = Atomic<Bool>(false)
    /// The workload's final exit code once it has exited; `Int64.min` while it runs.
    private let exitCode = Atomic<Int64>(Int64.min)
    private let deadline = Atomic<Int64>(300)
    /// Wake-up pipe: the signal loop writes one byte when the workload exits; the reporter
    /// polls the read end between heartbeats. Both ends non-blocking and close-on-exec.
    private let wakeRead: Int32
    private let wakeWrite: Int32

    public init(info: ExecRunInfo, hooks: ExecReporterHooks, configSource: ConfigSource = .loader,
                publish: Publish? = nil) {
        // Real runs only: the setting is process-wide, and tests run reporters (with a fixed
        // config) inside a test process whose other threads it would affect.
        if case .loader = configSource { ExecReporter.shareMainArena() }
        self.info = info; self.hooks = hooks; self.configSource = configSource
        self.publish = publish
        var fds: [Int32] = [-1, -1]
        // No further process is spawned after the reporter exists, so pipe + fcntl can't leak.
        if pipe(&fds) == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            }
        } else { fds = [-1, -1] }
        wakeRead = fds[0]; wakeWrite = fds[1]
    }

    /// Makes threads created from now on allocate from glibc's main arena (M_ARENA_MAX = 1).
    /// A thread's own arena grows its heap with one mprotect(2) per few pages (~500 calls while
    /// the reporter loads the config); the main arena grows with brk(2) in 128 KiB steps. The
    /// reporter and the signal loop rarely allocate at the same time, and `malloc_trim` (which
    /// gives the reporter's memory back) walks every arena either way.
    static func shareMainArena() {
        _ = glibcMallopt(-8 /* M_ARENA_MAX */, 1)
    }

    /// True when the reporter has nothing more to send.
    public var finished: Bool { done.load(ordering: .acquiring) }

    /// How long chalk may wait for the final report after the workload exits (milliseconds).
    public var deadlineMillis: Int64 { deadline.load(ordering: .relaxed) }

    /// Called by the signal loop when the workload has exited (returns at once).
    public func workloadExited(exitCode code: Int32) {
        exitCode.store(Int64(code), ordering: .releasing)
        var b: UInt8 = 1
        _ = write(wakeWrite, &b, 1)
    }

    /// The thread body.
    public func run() {
        // Nothing the reporter does may make noise in the workload's stderr at the default
        // level: its problems are logged at trace (debug) level.
        Log.demoteProblemsOnThisThread()
        defer {
            done.store(true, ordering: .releasing)
            hooks.finished()
        }
        let config: ChalkConfig
        do {
            config = try loadConfig()
        } catch {
            // Fail open: the workload runs on, unreported (a broken config may have been meant
            // to turn reporting off; guessing defaults could send reports the user didn't want).
            Log.trace("exec: config not loaded, no reports for this run: \(error)")
            return
        }
        runReports(config)
    }

    private func loadConfig() throws(ConfigError) -> ChalkConfig {
        if case .fixed(let c) = configSource { return c }
        return try ConfigLoader.load(ConfigLoadRequest(
                configFile: info.configFile, useEmbeddedConfig: info.useEmbeddedConfig,
                embeddedSource: info.useEmbeddedConfig ? hooks.embeddedConfig?() : nil,
                command: "exec", startDirectory: info.startDirectory))
    }

    private func runReports(_ config: ChalkConfig) {
        deadline.store(max(0, config.exec.reportDeadline / 1000), ordering: .relaxed)
        hooks.configLoaded(config)

        let p = config.exec.reportingProbability
        guard ExecSampling.shouldReport(probability: p) else {
            Log.trace("exec: not sampled (exec.reporting_probability = \(p)); no reports for this run")
            hooks.releaseMemory()
            return
        }
        let builder = ExecReportBuilder(info: info, execID: SystemFacts.execID, probability: ExecSampling.reported(p),
                                        collectors: ExecCollectors(config: config, info: info))
        send(builder.execReport(), config, info.reportTemplate)
        if hooks.releaseAndPoll == nil { hooks.releaseMemory() }

        let heartbeat = info.heartbeat ?? config.exec.heartbeatRun
        let rateMillis = max(1, config.exec.heartbeatRate / 1000)
        var beats: Int64 = 0
        while true {
            if let code = exitedCode() {
                if config.exec.postexecRun {
                    send(builder.postexecReport(exitCode: code), config, nil)
                }
                return
            }
            if waitForExit(timeoutMillis: heartbeat ? rateMillis : -1) { continue }
            beats += 1
            send(builder.heartbeatReport(count: beats), config, nil)
            if hooks.releaseAndPoll == nil { hooks.releaseMemory() }
        }
    }

    /// Sends one report: through the test's capture, or to Reporting. The final (postexec) send
    /// is bounded by the report deadline; the others by the sinks' own timeouts.
    private func send(_ run: CollectedRun, _ config: ChalkConfig, _ template: String?) {
        if let publish { publish(run, config, template); return }
        let bound: Int64? = run.operation == "postexec" ? deadline.load(ordering: .relaxed) : nil
        ExecReportPublisher.publish(run, config: config, templateOverride: template, deadlineMillis: bound,
                                    chalkVersion: info.chalkVersion)
    }

    private func exitedCode() -> Int32? {
        let c = exitCode.load(ordering: .acquiring)
        return c == Int64.min ? nil : Int32(truncatingIfNeeded: c)
    }

    /// Sleeps until the workload exits or the timeout passes (negative: no timeout). Returns
    /// true when the workload has exited.
    private func waitForExit(timeoutMillis: Int64) -> Bool {
        if exitedCode() != nil { return true }
        guard wakeRead >= 0 else {
            // No pipe: poll the flag.
            usleep(UInt32(min(timeoutMillis < 0 ? 50 : timeoutMillis, 50) * 1000))
            return exitedCode() != nil
        }
        let end = timeoutMillis < 0 ? Int64.max : monotonicMillis() + timeoutMillis
        while true {
            let left = end == Int64.max ? -1 : Int32(clamping: max(0, end - monotonicMillis()))
            let r: Int32
            if let releaseAndPoll = hooks.releaseAndPoll {
                r = releaseAndPoll(wakeRead, left)
            } else {
                var pfd = pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)
                r = poll(&pfd, 1, left)
            }
            if exitedCode() != nil { return true }
            if r == 0 { return false }
            if r < 0 && errno != EINTR { return false }
            if end != Int64.max && monotonicMillis() >= end { return false }
        }
    }

    private func monotonicMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

// glibc's mallopt is not exported by the Glibc module (malloc.h); bind the C symbol directly.
@_silgen_name("mallopt")
private func glibcMallopt(_ param: Int32, _ value: Int32) -> Int32
