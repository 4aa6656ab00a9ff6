import CChalkSys
import ChalkLog
import Supervisor

/// Recognises `chalk [global flags] exec ...` and parses exec's command line by hand, without
/// swift-argument-parser, so that option parsing stops at the first non-option and nothing slow
/// runs before the spawn (RULINGS 2, 9).
enum ExecFastPath {
    /// Global flags that take a value (`--flag V` or `--flag=V`). The lists live in C
    /// (CChalkSys/exec_cmdline.c), shared with the pre-main launcher.
    static let globalValueFlags = cStrings(chalk_global_value_flag_list())
    /// Exec flags that take a value.
    static let execValueFlags = cStrings(chalk_exec_value_flag_list())

    private static func cStrings(_ list: UnsafePointer<UnsafePointer<CChar>?>?) -> Set<String> {
        guard let list else { return [] }
        var out: Set<String> = []
        var i = 0
        while let p = list[i] { out.insert(String(cString: p)); i += 1 }
        return out
    }
    /// Yes/no global flags (and their `--no-` forms), accepted and, unless ExecArguments uses
    /// them, without effect in exec.
    static let globalSwitches: Set<String> = [
        "color", "use-embedded-config", "use-external-config", "use-report-cache", "time", "show-config", "config",
        "run-sbom-tools", "run-sast-tools", "virtual", "dry-run", "debug", "skip-command-report",
        "skip-custom-reports", "skip-summary-report", "wrap", "pager", "more", "less", "skip", "clobber", "copy",
        "ignore", "follow", "verbose", "trace", "info", "warn", "error", "none", "env-vars",
    ]

    /// Returns the arguments after `exec` (global flags before it are kept in front), or nil
    /// when the command is not `exec`, or is `exec --help` (left to swift-argument-parser).
    static func execArguments(_ args: [String]) -> [String]? {
        var i = 0
        var globals: [String] = []
        while i < args.count {
            let a = args[i]
            if a == "exec" {
                let rest = Array(args[(i + 1)...])
                if let first = rest.first, first == "--help" || first == "-h" { return nil }
                return globals + rest
            }
            guard a.hasPrefix("-") else { return nil }
            if a == "--help" || a == "-h" || a == "--version" { return nil }
            globals.append(a)
            if globalValueFlags.contains(a), i + 1 < args.count {
                globals.append(args[i + 1]); i += 1
            }
            i += 1
        }
        return nil
    }
}

/// `chalk exec`'s command line, parsed.
struct ExecArguments {
    var logLevel: LogLevel?
    var configFile: String?
    var useEmbeddedConfig = true
    var useExternalConfig = true
    var jsonLog = false
    var commandName: String?
    var reportTemplate: String?
    var heartbeat: Bool?
    var subreaper = false
    var parentDeathSignal: Int32?
    var options = SupervisorOptions()
    /// PROGRAM and its arguments, verbatim.
    var command: [String] = []
    /// Problems with flags: warned about, then ignored (RULINGS 9).
    var warnings: [String] = []
    /// Messages at info level (e.g. --chalk-as-parent is ignored, RULINGS 1).
    var notes: [String] = []

    /// Parses the words after `exec` (with any global flags given before `exec` in front).
    /// Stops at `--` or at the first word that is not an option.
    static func parse(_ args: [String]) -> ExecArguments {
        var r = ExecArguments()
        var i = 0
        while i < args.count {
            let word = args[i]
            if word == "--" { i += 1; break }
            if !word.hasPrefix("-") || word == "-" { break }
            // Split `--flag=value`.
            var flag = word, inlineValue: String?
            if word.hasPrefix("--"), let eq = word.firstIndex(of: "=") {
                flag = String(word[..<eq]); inlineValue = String(word[word.index(after: eq)...])
            }
            let takesValue = ExecFastPath.globalValueFlags.contains(flag) || ExecFastPath.execValueFlags.contains(flag)
            var value: String?
            if takesValue {
                if let inlineValue { value = inlineValue } else if i + 1 < args.count { value = args[i + 1]; i += 1 } else {
                    r.warnings.append("\(flag) needs a value; ignored"); i += 1; continue
                }
            }
            r.apply(flag: flag, value: value, inlineValue: inlineValue)
            i += 1
        }
        r.command = Array(args[i...])
        return r
    }

    private mutating func apply(flag: String, value: String?, inlineValue: String?) {
        let v = value ?? ""
        switch flag {
        case "--log-level", "-l":
            if let l = LogLevel(name: v) { logLevel = l } else { warnings.append("unknown log level '\(v)'; ignored") }
        case "--verbose": logLevel = .verbose
        case "--trace", "--debug": logLevel = .trace
        case "--info": logLevel = .info
        case "--warn": logLevel = .warn
        case "--error": logLevel = .error
        case "--none": logLevel = LogLevel.none
        case "--log-format": jsonLog = v == "json"
        case "--config-file", "-f": configFile = v
        case "--use-embedded-config": useEmbeddedConfig = true
        case "--no-use-embedded-config": useEmbeddedConfig = false
        case "--use-external-config": useExternalConfig = true
        case "--no-use-external-config": useExternalConfig = false
        case "--exec-command-name": commandName = v
        case "--report-template": reportTemplate = v
        case "--heartbeat": heartbeat = true
        case "--no-heartbeat": heartbeat = false
        case "--subreaper": subreaper = true
        case "--signal-group": options.signalGroup = true
        case "--warn-reaped": options.warnReaped = true
        case "--remap-exit":
            if let code = Int32(v), (0...255).contains(code) { options.remapExit.insert(code) } else {
                warnings.append("--remap-exit: '\(v)' is not an exit code (0-255); ignored")
            }
        case "--parent-death-signal":
            if let s = SignalNames.parse(v) { parentDeathSignal = s } else {
                warnings.append("--parent-death-signal: unknown signal '\(v)'; ignored")
            }
        case "--rewrite-signal":
            let parts = v.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count == 2, let from = SignalNames.parse(String(parts[0])),
               let to = SignalNames.parse(String(parts[1]), allowZero: true) {
                options.rewriteSignal[from] = to
            } else {
                warnings.append("--rewrite-signal: expected FROM:TO with signal names or numbers, got '\(v)'; ignored")
            }
        case "--chalk-as-parent", "--pg13", "--pg-13", "--no-chalk-as-parent", "--no-pg13", "--no-pg-13":
            notes.append("\(flag) is accepted and ignored: chalk always stays the parent of the workload")
        default:
            if ExecFastPath.globalValueFlags.contains(flag) || ["-c", "-C", "-v", "-V"].contains(flag) { return }
            var name = flag.hasPrefix("--") ? String(flag.dropFirst(2)) : flag
            if name.hasPrefix("no-") { name = String(name.dropFirst(3)) }
            if ExecFastPath.globalSwitches.contains(name) && inlineValue == nil { return }
            warnings.append("unknown flag \(flag) before PROGRAM; ignored")
        }
    }
}
