import Marking
import Config
import Reporting
import ChalkLog

#if canImport(Glibc)
import Glibc
#endif

/// What every docker operation needs: the real docker, docker's global flags, config, identity.
struct DockerContext: Sendable {
    var docker: String
    var globals: [String]
    var config: ChalkConfig
    var identity: ChalkIdentity
    /// chalk's whole argv (`_OP_ARGV`).
    var argv: [String]
    var env: [String]

    /// Runs `docker <globals> args...` with captured output (for inspect, cp, create, tag).
    func docker(_ args: [String], stdout: Proc.Stream = .capture, stderr: Proc.Stream = .capture,
                stdinBytes: [UInt8]? = nil, stdinNull: Bool = true) -> Proc.Result {
        Proc.run(docker, ["docker"] + globals + args, env: env, stdinBytes: stdinBytes, stdinNull: stdinNull,
                 stdout: stdout, stderr: stderr)
    }

    /// Runs `docker <globals> args...` in the background without waiting (clean-up).
    func dockerDetached(_ args: [String]) {
        Proc.spawnDetached(docker, ["docker"] + globals + args, env: env)
    }

    /// `docker inspect --type T ref` → the first object, or nil.
    func inspect(_ ref: String, type: String) -> ChalkObject? {
        let r = docker(["inspect", "--type", type, ref])
        guard r.status == 0, let v = DockerWiring.parseJSON(r.stdoutText), let first = v.arrayValue?.first?.objectValue else {
            Log.trace("docker inspect \(ref) failed: \(r.stderrText.trimmed)")
            return nil
        }
        return first
    }

    /// Host-level keys every docker report carries.
    func hostKeys(_ now: Int64) -> ChalkObject {
        var h = ChalkObject()
        h["_TIMESTAMP"] = .int(now)
        h["_DATETIME"] = .string(OperationTime(milliseconds: now).dateTime)
        h["_OP_CHALKER_VERSION"] = .string(identity.version)
        h["_OP_CHALKER_COMMIT_ID"] = .string(identity.commit)
        h["_OP_ARGV"] = .array(argv.map { .string($0) })
        h["_OP_PLATFORM"] = .string(SystemFacts.platform)
        var u = utsname()
        if uname(&u) == 0 {
            h["_OP_HOSTNAME"] = .string(withUnsafeBytes(of: u.nodename) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
        }
        return h
    }
}

/// `chalk docker ...` and chalk invoked as `docker` (issue 7).
public enum DockerMode {
    /// Runs docker mode with docker's own arguments `args` and chalk's global `options`.
    /// Never returns: exits with docker's exit code or replaces itself with docker.
    public static func main(_ args: [String], options: DockerChalkOptions, identity: ChalkIdentity) -> Never {
        Log.shared.level = options.logLevel ?? .warn
        let guardValue = Proc.getenv(DockerLocator.guardVariable)
        let argv = CommandLine.arguments
        // A chalk already on the call chain is handling this command: pass straight through.
        if guardValue != nil {
            guard let docker = DockerLocator.find(configured: nil, environment: guardValue) else { noDocker() }
            passthrough(docker, args)
        }
        var config: ChalkConfig? = nil
        do { config = try DockerWiring.loadConfig(options) } catch {
            Log.warn("cannot load the chalk configuration (\(error)); running docker without chalk")
        }
        guard let docker = DockerLocator.find(configured: config?.docker.dockerExe, environment: nil) else { noDocker() }
        guard let config else { passthrough(docker, args) }
        if options.logLevel == nil, let l = LogLevel(name: config.logLevel), l > .warn { Log.shared.level = l }
        let cl = DockerCommandLine(args)
        let ctx = DockerContext(docker: docker, globals: cl.globals, config: config, identity: identity, argv: argv,
                                env: DockerLocator.childEnvironment())
        // Help and usage errors are docker's business: nothing to mark or report.
        let wantsHelp = cl.rest.contains { $0 == "--help" || $0 == "-h" }
        switch wantsHelp ? nil : cl.operation {
        case "build" where BuildOptions(cl.rest).context == nil: passthrough(docker, args)
        case "build": exit(DockerBuild(ctx, commandLine: cl).run())
        case "push": exit(DockerPush(ctx, commandLine: cl).run())
        default:
            if config.docker.reportUnwrappedCommands {
                let host = ctx.hostKeys(OperationTime.now().milliseconds)
                DockerWiring.publish(CollectedRun(operation: "docker", host: host), config: config)
            }
            passthrough(docker, args)
        }
    }

    static func noDocker() -> Never {
        Log.shared.emit(.error, "no docker found: set docker_exe in the chalk config or put the real docker on PATH")
        exit(127)
    }

    /// Hands the command to docker untouched (same argv, stdio and terminal; exit code is docker's).
    static func passthrough(_ docker: String, _ args: [String]) -> Never {
        let err = Proc.exec(docker, [docker] + args, env: DockerLocator.childEnvironment())
        Log.shared.emit(.error, "cannot run \(docker): \(String(cString: strerror(err)))")
        exit(127)
    }
}
