#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Marking
import Config
import CBuildInfo

/// A minimal set of run-time host keys (uname, time, chalk's identity, filtered environment)
/// for reports such as `chalk env`. The collectors module provides the full set; this is what
/// Reporting can say on its own.
public enum HostFacts {
    /// `env_always_show` defaults (spec/config.md §2.1); everything else is left out of `_ENV`,
    /// and `env_redact` names are shown as `<<redacted>>`.
    static let envAlwaysShow = ["PATH", "PWD", "XDG_SESSION_TYPE", "USER", "SSH_TTY"]
    static let envRedact: Set<String> = ["AWS_SECRET_ACCESS_KEY"]

    /// Run-time host keys for an operation: `_OPERATION`, `_TIMESTAMP`, `_DATETIME`,
    /// `_ACTION_ID`, `_ARGV`/`_OP_ARGV`, `_OP_CHALKER_VERSION`, `_OP_CHALKER_COMMIT_ID`,
    /// `_OP_PLATFORM`, `_OP_HOSTNAME`, `_OP_HOST_SYSNAME` … `_OP_HOST_MACHINE`, `_ENV`.
    public static func basic(operation: String, chalkVersion: String, argv: [String] = CommandLine.arguments) -> ChalkObject {
        var o = ChalkObject()
        let now = Clock.unixMilliseconds()
        o["_OPERATION"] = .string(operation)
        o["_TIMESTAMP"] = .int(now)
        o["_DATETIME"] = .string(Clock.localDateTime(unixMilliseconds: now))
        o["_ACTION_ID"] = .string(RandomBytes.hex(8))
        o["_OP_ARGV"] = .array(argv.map { .string($0) })
        o.setIfNotEmpty("_OP_CHALKER_VERSION", .string(chalkVersion))
        o["_OP_CHALKER_COMMIT_ID"] = .string(String(cString: chalk_build_commit()))
        var u = utsname()
        if uname(&u) == 0 {
            func field<T>(_ value: T) -> String {
                withUnsafeBytes(of: value) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
            }
            let sysname = field(u.sysname), node = field(u.nodename), release = field(u.release)
            let version = field(u.version), machine = field(u.machine)
            o["_OP_PLATFORM"] = .string("\(sysname == "Linux" ? "GNU/Linux" : sysname) \(machine)")
            o["_OP_HOSTNAME"] = .string(node)
            o["_OP_HOST_SYSNAME"] = .string(sysname)
            o["_OP_HOST_NODENAME"] = .string(node)
            o["_OP_HOST_RELEASE"] = .string(release)
            o["_OP_HOST_VERSION"] = .string(version)
            o["_OP_HOST_MACHINE"] = .string(machine)
        }
        var env = ChalkObject()
        for name in envAlwaysShow {
            guard let v = FileSystem.env(name) else { continue }
            env[name] = .string(envRedact.contains(name) ? "<<redacted>>" : v)
        }
        o.setIfNotEmpty("_ENV", .object(env))
        return o
    }
}

/// `chalk env`: publishes an `env` report about the current host (a push-based health check),
/// through the same templates and sinks as every report.
public func publishEnvReport(config: ChalkConfig, chalkVersion: String, options: PublishOptions = PublishOptions()) -> PublishOutcome {
    let run = CollectedRun(operation: "env", host: HostFacts.basic(operation: "env", chalkVersion: chalkVersion))
    var opts = options
    if opts.chalkVersion.isEmpty { opts.chalkVersion = chalkVersion }
    return publishReports(run, config: config, options: opts)
}
