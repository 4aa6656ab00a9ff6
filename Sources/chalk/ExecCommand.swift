import ArgumentParser
import CChalkSys
import ChalkLog
import Config
import Operations
import Reporting
import Supervisor
#if canImport(Glibc)
import Glibc
#endif

/// `chalk exec`: parsed by hand (ExecFastPath) so that option parsing stops at the first
/// non-option and the workload starts at once. This ParsableCommand exists for `--help`.
struct ExecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a workload under chalk's supervisor (PID-1 safe) and report on it in the background.",
        discussion: """
            chalk [GLOBAL FLAGS] exec [OPTIONS] [--] PROGRAM [ARG...]

            Options (also settable in the config's exec section):
              --subreaper               become a child subreaper (also when
                                        CHALK_SUBREAPER is set)
              --signal-group            forward signals to the workload's process
                                        group; SIGTERM the group when it exits
              --remap-exit CODE         exit 0 when the workload exits with CODE
                                        (repeatable)
              --parent-death-signal SIG ask the kernel for SIG when chalk's parent
                                        dies (name or number)
              --rewrite-signal FROM:TO  rewrite a received signal before forwarding
                                        it; TO=0 drops it (repeatable)
              --warn-reaped             log every reaped orphan at warn level
              --heartbeat               send periodic heartbeat reports
              --exec-command-name C     the program to run; every positional
                                        argument goes to it
              --report-template T       template of the exec report

            Option parsing stops at the first non-option: `chalk exec ls -la` runs
            `ls -la`. With no PROGRAM, chalk runs exec.command_name with
            exec.default_args from its config. Exit status: the workload's, 128+N
            after signal N, 127 when PROGRAM is not found, 126 when it can't be run.
            """)

    @Argument(parsing: .captureForPassthrough, help: "The workload and its arguments, passed verbatim.")
    var program: [String] = []

    /// Runs `chalk exec` and exits with the workload's status. Order matters: signals are
    /// blocked before anything else (no thread exists yet, so every later thread inherits the
    /// mask), and nothing that can wait (config, marks, sampling) runs before the spawn (RULINGS 2).
    static func runFast(_ args: [String]) -> Never {
        SignalMask.blockAll()
        // An inherited SIGCHLD=SIG_IGN would make the kernel reap the workload for us and hide
        // its status; the workload gets the inherited disposition back.
        signal(SIGCHLD, SIG_DFL)
        let startMillis = EarlyLaunch.startMillis ?? OperationTime.now().milliseconds

        let parsed = ExecArguments.parse(args)
        Log.shared.level = parsed.logLevel ?? .error
        if parsed.jsonLog { Log.shared.jsonFormat = true }
        // Bad flags are shown whatever the level: the user asked for something chalk won't do.
        for w in parsed.warnings { Log.shared.emit(.warn, "exec: \(w)") }
        for n in parsed.notes { Log.info("exec: \(n)") }

        var argv = parsed.command
        if let name = parsed.commandName { argv.insert(name, at: 0) }
        var preloadedConfig: ChalkConfig?
        if argv.isEmpty {
            (preloadedConfig, argv) = ConfiguredProgram.load(
                configFile: parsed.configFile, useEmbeddedConfig: parsed.useEmbeddedConfig,
                startDirectory: currentDirectory())
        }
        let program = argv[0]

        if let pds = parsed.parentDeathSignal { ParentDeath.request(pds) }
        if parsed.subreaper || getenv("CHALK_SUBREAPER") != nil { ProcessRole.becomeSubreaper() }
        // With the level from the command line the warning comes at once (one prctl); otherwise
        // when the config has set the level.
        if parsed.logLevel != nil { ProcessRole.warnIfNotReaping() }

        // Usually the pre-main launcher (CExecLaunch) has started the workload already; else
        // (PROGRAM not found, fork failed, ...) it is resolved and spawned here.
        let workload = EarlyLaunch.workload(program: program, argv: argv) ?? spawnWorkload(program: program, argv: argv)
        // The workload keeps the directory chalk started in; chalk itself moves to `/` so it
        // holds no mount busy. Relative config paths still resolve against the start directory.
        let startDirectory = currentDirectory()
        _ = chdir("/")

        let live = LiveSupervisorOptions(parsed.options)
        let waker = SignalLoopWaker.forCurrentThread()
        let ran = workload.path
        let artifactPath = ran.hasPrefix("/") ? ran
            : startDirectory + "/" + (ran.hasPrefix("./") ? String(ran.dropFirst(2)) : ran)
        let info = ExecRunInfo(
            workloadPID: workload.pid, program: program, artifactPath: artifactPath, workloadArgv: argv,
            chalkArgv: CommandLine.arguments, startDirectory: startDirectory, startMillis: startMillis,
            // chalk has moved to `/`: a relative --config-file is relative to the start directory.
            configFile: parsed.configFile.map { $0.hasPrefix("/") ? $0 : startDirectory + "/" + $0 },
            useEmbeddedConfig: parsed.useEmbeddedConfig,
            reportTemplate: parsed.reportTemplate, heartbeat: parsed.heartbeat, chalkVersion: ChalkVersion.string)
        let logLevelFromFlag = parsed.logLevel != nil
        let reporter = ExecReporter(info: info, hooks: ExecReporterHooks(
            configLoaded: { config in
                if !logLevelFromFlag, let level = ExecLogLevel.fromConfig(config) { Log.shared.level = level }
                if config.logFormat == "json" { Log.shared.jsonFormat = true }
                if config.exec.subreaper { ProcessRole.becomeSubreaper() }
                live.mergeFromConfig(SupervisorOptions(
                    signalGroup: config.exec.signalGroup, remapExit: Set(config.exec.remapExit),
                    rewriteSignal: config.exec.rewriteSignal, warnReaped: config.exec.warnReaped,
                    parentDeathSignal: config.exec.parentDeathSignal))
                if !logLevelFromFlag { ProcessRole.warnIfNotReaping() }
                if config.exec.chalkAsParent {
                    Log.info("exec.chalk_as_parent is accepted and ignored: chalk always stays the parent of the workload")
                }
                waker.wake()  // the signal loop applies a parent-death signal from the config
            },
            finished: { waker.wake() },
            releaseMemory: { chalk_release_memory() },
            releaseAndPoll: { fd, timeout in chalk_release_memory_and_poll(fd, timeout) },
            embeddedConfig: { SelfConfig.embeddedSource(in: SelfMark.read()) }),
            configSource: preloadedConfig.map { .fixed($0) } ?? .loader)
        let started = BackgroundThread.start { reporter.run() }
        SignalMask.blockAll()  // glibc's pthread_create restores a mask without 32 and 33
        if !started { Log.trace("exec: reporter thread not started; running without reports") }

        let status = SignalLoop.run(workload, options: live, hooks: SignalLoopHooks(
            workloadExited: { s in
                BackgroundThread.restorePriority()
                reporter.workloadExited(exitCode: live.current.finalExitCode(s))
            },
            reporterFinished: { !started || reporter.finished },
            reportDeadlineMillis: { reporter.deadlineMillis }))
        // _exit: no atexit handlers, nothing to flush (chalk never buffers stdout), and the
        // reporter thread, if still busy past its deadline, ends with the process.
        _exit(live.current.finalExitCode(status))
    }

    /// Resolves PROGRAM and starts it; exits 126/127 with `chalk: PROGRAM: reason` when it
    /// can't be run, and fails open (execs it directly) when chalk can't set up a child.
    static func spawnWorkload(program: String, argv: [String]) -> Workload {
        let candidates: [String]
        switch ProgramResolver.resolve(program, path: getenv("PATH").map { String(cString: $0) },
                                       selfExe: ExecCollectorsBridge.selfExe()) {
        case .success(let c): candidates = c
        case .failure(let e):
            Log.writeStderr(e.description + "\n")
            _exit(e.exitCode)
        }
        let spec = WorkloadSpec(candidates: candidates, argv: argv)
        switch WorkloadSpawner.spawn(spec, program: program) {
        case .started(let w): return w
        case .execFailed(let e):
            Log.writeStderr(e.description + "\n")
            _exit(e.exitCode)
        case .setupFailed(let err):
            // Fail open: chalk can't supervise, so it becomes the workload.
            Log.trace("exec: cannot start a supervised child (\(ProgramResolver.errnoText(err))); executing \(program) directly")
            let e = WorkloadSpawner.execDirectly(spec, program: program)
            Log.writeStderr(e.description + "\n")
            _exit(e.exitCode)
        }
    }

    static func currentDirectory() -> String {
        var buf = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buf, buf.count) != nil else { return "/" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// chalk's own executable path, for the never-find-ourself rule of the PATH search.
enum ExecCollectorsBridge {
    static func selfExe() -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The log level exec uses once the config has loaded.
enum ExecLogLevel {
    /// The config's `log_level`, or nil to keep exec's default (error, RULINGS 8).
    ///
    /// TODO(lead): the skeleton ConfigLoader returns `warn` for every command; until the con4m
    /// loader applies exec's own default (`error`, because ConfigLoadRequest.command == "exec"),
    /// a loaded `warn` is treated as "not set" so that exec stays silent by default.
    static func fromConfig(_ config: ChalkConfig) -> LogLevel? {
        guard let level = LogLevel(name: config.logLevel), level != .warn else { return nil }
        return level
    }
}
