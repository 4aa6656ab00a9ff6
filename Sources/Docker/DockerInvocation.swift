import Config
import ChalkLog

#if canImport(Glibc)
import Glibc
#endif

/// Chalk's own global flags given before `docker` (`chalk --wrap docker build ...`).
public struct DockerChalkOptions: Sendable {
    /// `--wrap` / `--no-wrap`; nil = the config decides.
    public var wrap: Bool?
    public var logLevel: LogLevel?
    public var configFile: String?
    public var useEmbeddedConfig = true
    /// The config embedded in this chalk binary (`$CHALK_CONFIG` of its self-mark), if any.
    public var embeddedConfigSource: String?
    public init() {}

    /// Parses chalk's global flags (everything before the docker arguments). Unknown flags are
    /// warned about and ignored: docker must run whatever chalk's flags say.
    public static func parse(_ flags: [String]) -> DockerChalkOptions {
        var o = DockerChalkOptions()
        var i = 0
        while i < flags.count {
            let f = flags[i]
            func value() -> String? {
                if let eq = f.firstIndex(of: "=") { return String(f[f.index(after: eq)...]) }
                i += 1
                return i < flags.count ? flags[i] : nil
            }
            let name = f.split(separator: "=", maxSplits: 1).first.map(String.init) ?? f
            switch name {
            case "--wrap": o.wrap = true
            case "--no-wrap": o.wrap = false
            case "--log-level", "-l": o.logLevel = value().flatMap { LogLevel(name: $0) }
            case "--verbose", "--trace", "--debug", "--info", "--warn", "--error", "--none":
                o.logLevel = LogLevel(name: String(name.dropFirst(2)))
            case "--config-file", "-f": o.configFile = value()
            case "--use-embedded-config": o.useEmbeddedConfig = true
            case "--no-use-embedded-config": o.useEmbeddedConfig = false
            default: Log.warn("ignoring chalk flag \(f) before 'docker'")
            }
            i += 1
        }
        return o
    }
}

/// The identity of the running chalk (from the executable target).
public struct ChalkIdentity: Sendable {
    public var version: String
    public var commit: String
    public var implementationName: String
    public init(version: String, commit: String, implementationName: String) {
        self.version = version; self.commit = commit; self.implementationName = implementationName
    }
}

/// Docker's own global flags and the rest of its command line.
struct DockerCommandLine: Sendable {
    /// Global flags (before the subcommand), reused on every docker call chalk makes.
    var globals: [String] = []
    /// The subcommand words chalk recognises (`build`, `image build`, `buildx build`, `push`...).
    var command: [String] = []
    /// Everything after the subcommand.
    var rest: [String] = []

    static let globalsWithValue: Set<String> = ["-H", "--host", "-c", "--context", "--config", "-l", "--log-level",
                                                "--tlscacert", "--tlscert", "--tlskey"]

    init(_ args: [String]) {
        var i = 0
        while i < args.count, args[i].hasPrefix("-"), args[i] != "-" {
            let a = args[i]
            globals.append(a)
            if DockerCommandLine.globalsWithValue.contains(a), i + 1 < args.count { globals.append(args[i + 1]); i += 1 }
            i += 1
        }
        guard i < args.count else { return }
        let first = args[i]
        if (first == "image" || first == "buildx"), i + 1 < args.count, ["build", "push"].contains(args[i + 1]) {
            command = [first, args[i + 1]]; i += 2
        } else {
            command = [first]; i += 1
        }
        rest = Array(args[i...])
    }

    /// `build` for the build forms, `push` for the push forms, nil otherwise.
    var operation: String? {
        switch command {
        case ["build"], ["image", "build"], ["buildx", "build"]: "build"
        case ["push"], ["image", "push"]: "push"
        default: nil
        }
    }
}

/// Finding the real docker (issue 7 §1).
enum DockerLocator {
    /// Set in the environment of every docker chalk starts: the chalk binaries already on the
    /// call chain (colon-separated). A chalk named `docker` that finds it set skips them all and
    /// passes straight through, so two chalk copies on PATH can't recurse.
    static let guardVariable = "CHALK_DOCKER_PASSTHROUGH_OF"

    /// This process's executable, resolved.
    static func selfPath() -> String? { FS.realpath("/proc/self/exe") }

    /// `docker_exe` when set and usable, else the first `docker` on PATH that is neither this
    /// chalk nor a chalk on the guard list (compared by resolved file).
    static func find(configured: String?, environment guardValue: String?) -> String? {
        var skip: [(UInt64, UInt64)] = []
        if let me = selfPath(), let id = FS.identity(me) { skip.append(id) }
        for p in (guardValue ?? "").split(separator: ":") { if let id = FS.identity(String(p)) { skip.append(id) } }
        func usable(_ p: String) -> Bool {
            guard FS.isExecutableFile(p), let id = FS.identity(p) else { return false }
            return !skip.contains { $0 == id }
        }
        if let c = configured, !c.isEmpty {
            if usable(c) { return c }
            Log.warn("docker_exe \(c) is not a usable docker; searching PATH")
        }
        for dir in (Proc.getenv("PATH") ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false) {
            let d = dir.isEmpty ? "." : String(dir)
            let p = d + "/docker"
            if usable(p) { return p }
        }
        return nil
    }

    /// The environment for docker children: ours plus the guard variable naming this chalk.
    static func childEnvironment() -> [String] {
        var env = Proc.environment().filter { !$0.hasPrefix(guardVariable + "=") }
        var chain = Proc.getenv(guardVariable).map { $0.split(separator: ":").map(String.init) } ?? []
        if let me = selfPath(), !chain.contains(me) { chain.append(me) }
        env.append(guardVariable + "=" + chain.joined(separator: ":"))
        return env
    }
}
