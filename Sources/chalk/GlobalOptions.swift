import ArgumentParser
import ChalkLog
import Config
import Docker
import Reporting
import Marking
import Operations

/// Chalk's global flags (spec/config.md §6), shared by every command through `@OptionGroup`.
/// Each flag overrides the matching config attribute after the config has loaded.
struct GlobalOptions: ParsableArguments {
    @Option(name: [.customLong("log-level"), .customShort("l")],
            help: "Log level on stderr: none, error, warn, info, trace (or debug), verbose.")
    var logLevel: String?

    @Option(name: [.customLong("config-file"), .customShort("f")], help: "Load this config file.")
    var configFile: String?

    @Flag(inversion: .prefixedNo, help: "Use the configuration embedded in the chalk binary.")
    var useEmbeddedConfig = true

    @Flag(name: [.customLong("virtual"), .customLong("dry-run")], inversion: .prefixedNo,
          help: "Compute marks but write them to ./virtual-chalk.json instead of the artifacts.")
    var virtual: Bool?

    @Flag(name: [.customLong("recursive"), .customShort("r")], help: "Search directories recursively (default).")
    var recursive = false

    @Flag(name: [.customLong("no-recursive"), .customShort("R")], help: "Only look at the files directly inside the given directories.")
    var noRecursive = false

    @Option(help: "Symlinks to files while chalking: skip (default), clobber (modify the target), copy (replace the link with a marked file).")
    var chalkSymlinkBehavior: String?

    @Option(help: "Symlinks to files while scanning (extract, delete): follow (default) or ignore.")
    var scanSymlinkBehavior: String?

    @Flag(inversion: .prefixedNo, help: "Don't publish the operation's report to its sinks.")
    var skipCommandReport: Bool?

    @Flag(inversion: .prefixedNo, help: "Don't print the summary on the terminal.")
    var skipSummaryReport: Bool?

    mutating func validate() throws {
        if let l = logLevel, LogLevel(name: l) == nil {
            throw ValidationError("unknown log level '\(l)' (use none, error, warn, info, trace, verbose)")
        }
        if let b = chalkSymlinkBehavior, ChalkingSymlinkBehavior(rawValue: b) == nil {
            throw ValidationError("--chalk-symlink-behavior must be skip, clobber or copy, not '\(b)'")
        }
        if let b = scanSymlinkBehavior, ScanSymlinkBehavior(rawValue: b) == nil {
            throw ValidationError("--scan-symlink-behavior must be follow or ignore, not '\(b)'")
        }
        if recursive && noRecursive { throw ValidationError("--recursive and --no-recursive exclude each other") }
    }

    /// Loads the configuration for `command` and applies these flags on top of it. Exits 1
    /// with the loader's message when the config is broken.
    func loadConfig(command: String) throws -> ChalkConfig {
        if let l = logLevel.flatMap(LogLevel.init(name:)) { Log.shared.level = l }
        var config: ChalkConfig
        do {
            config = try ConfigLoader.load(ConfigLoadRequest(
                configFile: configFile, useEmbeddedConfig: useEmbeddedConfig,
                embeddedSource: useEmbeddedConfig ? SelfConfig.embeddedSource(in: SelfMark.read()) : nil, command: command,
                startDirectory: ArtifactDiscovery.currentDirectory()))
        } catch {
            Log.error("\(error)")
            throw ExitCode(1)
        }
        if let l = logLevel.flatMap(LogLevel.init(name:)) {
            Log.shared.level = l
        } else if let l = LogLevel(name: config.logLevel) {
            Log.shared.level = l
        }
        Log.shared.jsonFormat = config.logFormat == "json"
        if recursive { config.recursive = true }
        if noRecursive { config.recursive = false }
        if let v = virtual { config.virtualChalk = v }
        if let b = chalkSymlinkBehavior { config.symlinkBehaviorChalking = b }
        if let b = scanSymlinkBehavior { config.symlinkBehaviorNonChalking = b }
        if let s = skipCommandReport { config.skipCommandReport = s }
        if let s = skipSummaryReport { config.skipSummaryReport = s }
        return config
    }
}

/// Runs insert / extract / delete: load config, run the pipeline, hand the run to reporting,
/// exit 1 when any artifact failed.
enum MarkCommandRunner {
    static func run(_ kind: OperationKind, name: String, paths: [String], globals: GlobalOptions,
                    markTemplate: String? = nil, reportTemplate: String? = nil) throws {
        var config = try globals.loadConfig(command: name)
        if let t = markTemplate {
            guard config.markTemplates[t] != nil else { throw ValidationError("no mark template named '\(t)'") }
            config.outconf[name, default: OutConf()].markTemplate = t
        }
        if let t = reportTemplate {
            guard config.reportTemplates[t] != nil else { throw ValidationError("no report template named '\(t)'") }
            config.outconf[name, default: OutConf()].reportTemplate = t
        }
        let context = OperationContext(operation: name, chalkVersion: ChalkVersion.string, config: config)
        // Extract also reads docker images and containers: `images`, `containers`, `all`, and
        // any argument that is not an existing path (spec/mark-format.md §6).
        var filePaths = paths, dockerTargets: [String] = []
        if kind == .extract {
            filePaths = paths.filter { !DockerExtract.isDockerWord($0) && access($0, F_OK) == 0 }
            dockerTargets = paths.filter { DockerExtract.isDockerWord($0) || access($0, F_OK) != 0 }
        }
        // chalk delete ignores --virtual, as Chalk does (spec/mark-format.md §6).
        let request = MarkOperationRequest(kind: kind, paths: filePaths, virtual: kind == .insert && config.virtualChalk,
                                           context: context)
        var result = (filePaths.isEmpty && !dockerTargets.isEmpty)
            ? MarkOperationResult.external(CollectedRun(operation: name), failed: false)
            : MarkOperation(metadata: CollectorMetadata(context: context, paths: filePaths)).run(request)
        if !dockerTargets.isEmpty {
            let identity = ChalkIdentity(version: ChalkVersion.string, commit: ChalkVersion.commit,
                                         implementationName: ChalkVersion.implementationName)
            if let docker = DockerExtract.collect(dockerTargets, config: config, identity: identity) {
                result.run.chalks += docker.chalks
                result.run.unmarked += docker.unmarked
                result.run.errors += docker.errors
                for e in docker.errors { Log.error(e) }  // also in the report's _OP_ERRORS
                if !docker.errors.isEmpty || docker.chalks.contains(where: { $0["_VALIDATED_METADATA"] == .bool(false) }) {
                    result.failed = true
                }
            } else {
                for t in dockerTargets {
                    let msg = "\(t): no such file, and no docker to look it up as an image or container"
                    Log.error(msg)
                    result.run.errors.append(msg)
                }
                result.failed = true
            }
        }
        // A report that can't be delivered is logged by reporting (and cached once the report
        // cache lands); it does not make the artifacts' operation fail.
        ReportHandoff.publish(result.run, config: config)
        if result.failed { throw ExitCode(1) }
    }
}

/// Chalk accepts global flags before the command (`chalk --log-level info insert .`) as well
/// as after it; swift-argument-parser only parses a subcommand's options after its name, so
/// flags found before the command are moved behind it.
enum GlobalFlagPlacement {
    /// Global options that take their value in the next argument.
    static let valueOptions: Set<String> = ["--log-level", "-l", "--config-file", "-f",
                                            "--chalk-symlink-behavior", "--scan-symlink-behavior"]
    /// Commands that take GlobalOptions.
    static let commands: Set<String> = ["insert", "inject", "extract", "delete"]

    static func reorder(_ args: [String]) -> [String] {
        var leading: [String] = []
        var i = 0
        while i < args.count, args[i].hasPrefix("-"), args[i] != "--" {
            if ["--help", "-h", "--version"].contains(args[i]) { return args }
            leading.append(args[i])
            if valueOptions.contains(args[i]), i + 1 < args.count { leading.append(args[i + 1]); i += 1 }
            i += 1
        }
        guard !leading.isEmpty, i < args.count, commands.contains(args[i]) else { return args }
        return [args[i]] + leading + args[(i + 1)...]
    }
}

#if canImport(Glibc)
import Glibc
#endif
