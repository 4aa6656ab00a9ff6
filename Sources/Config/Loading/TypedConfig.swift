import ChalkLog
import Marking

/// Builds the typed `ChalkConfig` from the evaluated attribute tree.
struct TypedConfigBuilder {
    let interp: Interpreter
    let startDirectory: String
    var root: SectionNode { interp.root }

    private func v(_ path: String) -> CValue? { root.value(at: path.split(separator: ".").map(String.init)) }
    private func str(_ p: String) -> String? { v(p)?.asString }
    private func bool(_ p: String) -> Bool? { v(p)?.asBool }
    private func int(_ p: String) -> Int64? { v(p)?.intLike }
    private func list(_ p: String) -> [String]? { v(p)?.stringList }

    /// Keys every mark carries whatever its template says (spec/config.md §3).
    static let forcedMarkKeys = ["MAGIC", "CHALK_ID", "CHALK_VERSION", "METADATA_ID", "HASH"]

    func build() throws(ConfigError) -> ChalkConfig {
        var c = ChalkConfig()
        c.logLevel = str("log_level") ?? c.logLevel
        let fmt = str("log_format") ?? "auto"
        c.logFormat = fmt == "json" ? "json" : "plain"  // auto: plain lines (RULINGS 8)
        c.chalkLogLevel = str("chalk_log_level") ?? c.chalkLogLevel
        c.color = bool("color") ?? false

        buildKeyspecs(&c)
        buildTemplates(&c)
        if let oc = root.lookup(["outconf"]) {
            for op in oc.childOrder {
                let n = oc.child(op)!
                let m = n.field("mark_template")?.value.asString.flatMap { $0.isEmpty ? nil : $0 }
                let r = n.field("report_template")?.value.asString.flatMap { $0.isEmpty ? nil : $0 }
                c.outconf[op] = OutConf(markTemplate: m ?? (["insert", "build", "push", "load", "setup"].contains(op) ? "mark_default" : nil),
                                        reportTemplate: r ?? "null")
            }
        }
        if let crs = root.lookup(["custom_report"]) {
            for name in crs.childOrder {
                let n = crs.child(name)!
                c.customReports[name] = CustomReport(
                    name: name, enabled: n.field("enabled")?.value.asBool ?? true,
                    reportTemplate: n.field("report_template")?.value.asString ?? "",
                    sinkConfigs: n.field("sink_configs")?.value.stringList ?? [],
                    useWhen: n.field("use_when")?.value.stringList ?? ["*"])
            }
        }
        buildSinkConfigs(&c)
        for topic in interp.topicOrder { c.subscriptions[topic] = interp.subscriptions[topic] }
        c.exec = try buildExec()

        c.artifactSearchPath = list("artifact_search_path") ?? c.artifactSearchPath
        c.recursive = bool("recursive") ?? c.recursive
        c.ignorePatterns = list("ignore_patterns") ?? c.ignorePatterns
        c.symlinkBehaviorChalking = str("symlink_behavior_chalking") ?? c.symlinkBehaviorChalking
        c.symlinkBehaviorNonChalking = str("symlink_behavior_non_chalking") ?? c.symlinkBehaviorNonChalking
        c.virtualChalk = bool("virtual_chalk") ?? c.virtualChalk
        c.skipCommandReport = bool("skip_command_report") ?? c.skipCommandReport
        c.skipSummaryReport = bool("skip_summary_report") ?? c.skipSummaryReport
        c.skipCustomReports = bool("skip_custom_reports") ?? c.skipCustomReports
        c.forceOutputOnReportingFails = bool("force_output_on_reporting_fails") ?? c.forceOutputOnReportingFails
        c.logSearchPath = list("log_search_path") ?? c.logSearchPath
        c.envAlwaysShow = list("env_always_show") ?? c.envAlwaysShow
        c.envNeverShow = list("env_never_show") ?? c.envNeverShow
        c.envRedact = list("env_redact") ?? c.envRedact
        c.envDefaultAction = str("env_default_action") ?? c.envDefaultAction

        c.useReportCache = bool("use_report_cache") ?? c.useReportCache
        c.reportCacheLocation = resolveRelative(str("report_cache_location") ?? c.reportCacheLocation)
        c.reportCacheMaxBytes = int("report_cache_max_size") ?? c.reportCacheMaxBytes
        c.reportCacheLockTimeoutSec = Int(int("report_cache_lock_timeout_sec") ?? 15)
        if let acs = root.lookup(["auth_config"]) {
            for name in acs.childOrder {
                let n = acs.child(name)!
                c.authConfigs[name] = ChalkObject(n.fieldOrder.map { ($0, n.field($0)!.value.chalkValue) })
            }
        }
        c.docker = buildDocker()
        c.customKeys = try resolveCustomKeys()
        return c
    }

    /// Relative paths with a directory part resolve against the start directory (RULINGS 10);
    /// `~` is left for the user of the path (a missing HOME is handled there, RULINGS 11).
    func resolveRelative(_ p: String) -> String {
        if p.isEmpty || p.hasPrefix("/") || p.hasPrefix("~") { return p }
        return PathUtil.resolve(p, relativeTo: startDirectory)
    }

    private func buildKeyspecs(_ c: inout ChalkConfig) {
        guard let ks = root.lookup(["keyspec"]) else { return }
        c.keyspecs.reserveCapacity(c.keyspecs.count + 600)
        ks.forEachChildFields(valuesOnly: true) { name, _, fields in
            func f(_ n: String) -> CValue? { fields.first { $0.0 == n }?.1.value }
            let kind = KeyKind(rawValue: Int(f("kind")?.intLike ?? 1)) ?? .chalkTimeArtifact
            c.keyspecs[name] = KeySpec(
                name: name, kind: kind, type: f("type")?.display ?? "string",
                normalizedOrder: f("normalized_order")?.intLike ?? KeySpec.defaultOrder,
                system: f("system")?.asBool ?? false, codec: f("codec")?.asBool ?? false,
                doc: f("shortdoc")?.asString ?? f("doc")?.asString ?? "")
        }
    }

    private func buildTemplates(_ c: inout ChalkConfig) {
        let dollarKeys = c.keyspecs.keys.filter { $0.hasPrefix("$") }
        for (kind, isMark) in [("mark_template", true), ("report_template", false)] {
            guard let ts = root.lookup([kind]) else { continue }
            for name in ts.childOrder {
                var t = Template(name: name)
                let keys = ts.child(name)!.child("key")
                t.use.reserveCapacity((keys?.childCount ?? 0) + (isMark ? dollarKeys.count + 5 : 0))
                // Read without making the key sections when the template is the base one.
                keys?.forEachChildFields(valuesOnly: true) { k, _, fields in
                    var use = true  // declaring a key turns it on
                    for (f, a) in fields {
                        if f == "use" { use = a.value.asBool ?? true }
                        if f == "order", let o = a.value.intLike { t.order[k] = o }
                    }
                    t.use[k] = use
                }
                if isMark {
                    for k in TypedConfigBuilder.forcedMarkKeys + dollarKeys { t.use[k] = true }
                    c.markTemplates[name] = t
                } else {
                    c.reportTemplates[name] = t
                }
            }
        }
    }

    private func buildSinkConfigs(_ c: inout ChalkConfig) {
        guard let scs = root.lookup(["sink_config"]) else { return }
        for name in scs.childOrder {
            let n = scs.child(name)!
            let sink = n.field("sink")?.value.asString ?? ""
            var params = ChalkObject()
            for f in n.fieldOrder where !["enabled", "filters", "sink"].contains(f) {
                var value = n.field(f)!.value.chalkValue
                if f == "filename", let s = value.stringValue, s.contains("/") { value = .string(resolveRelative(s)) }
                params[f] = value
            }
            if sink == "s3", (params["region"]?.stringValue ?? "").isEmpty {
                let region = FileIO.env("AWS_REGION").flatMap { $0.isEmpty ? nil : $0 } ?? "us-east-1"
                params["region"] = .string(region)
                Log.info("sink_config '\(name)' has no region (now required for s3): using '\(region)' from \(FileIO.env("AWS_REGION")?.isEmpty == false ? "AWS_REGION" : "the default"); set region: \"…\" to choose")
            }
            var sc = SinkConfig(name: name, sink: sink, enabled: n.field("enabled")?.value.asBool ?? true,
                                filters: n.field("filters")?.value.stringList ?? [], params: params, origin: n.origin.text)
            sc.priority = Int(n.field("priority")?.value.intLike ?? 0)
            c.sinkConfigs[name] = sc
        }
    }

    private func buildExec() throws(ConfigError) -> ExecConfig {
        var e = ExecConfig()
        let cmd = str("exec.command_name") ?? ""
        e.commandName = cmd.isEmpty ? nil : cmd
        e.searchPath = list("exec.search_path") ?? []
        e.chalkAsParent = bool("exec.chalk_as_parent") ?? false
        e.reportingProbability = Int(int("exec.reporting_probability") ?? 100)
        e.heartbeatRun = bool("exec.heartbeat.run") ?? false
        e.heartbeatRate = int("exec.heartbeat.rate") ?? e.heartbeatRate
        e.reportDeadline = int("exec.report_deadline") ?? e.reportDeadline
        e.postexecRun = bool("exec.postexec.run") ?? e.postexecRun
        e.subreaper = bool("exec.subreaper") ?? false
        e.signalGroup = bool("exec.signal_group") ?? false
        e.warnReaped = bool("exec.warn_reaped") ?? false
        e.remapExit = (v("exec.remap_exit")?.asList ?? []).compactMap { $0.intLike.map { Int32(truncatingIfNeeded: $0) } }
        if case .dict(let keys, let values)? = v("exec.rewrite_signal") {
            for (k, val) in zip(keys, values) {
                guard let from = Signals.number(k), let to = Signals.number(val) else {
                    throw configError("exec.rewrite_signal", "must map signal names or numbers to signal names or numbers, found \(k.display) : \(val.display)")
                }
                e.rewriteSignal[from] = to
            }
        }
        if let pds = v("exec.parent_death_signal"), pds != .string("") {
            guard let n = Signals.number(pds) else {
                throw configError("exec.parent_death_signal", "is not a signal name or number: \(pds.display)")
            }
            e.parentDeathSignal = n
        }
        e.commandNameFromArgs = bool("exec.command_name_from_args") ?? true
        e.defaultArgs = list("exec.default_args") ?? []
        e.appendCommandLineArgs = bool("exec.append_command_line_args") ?? false
        e.overrideOk = bool("exec.override_ok") ?? true
        e.usePath = bool("exec.use_path") ?? true
        e.initialSleepTime = int("exec.initial_sleep_time") ?? e.initialSleepTime
        return e
    }

    private func buildDocker() -> DockerConfig {
        var d = DockerConfig()
        if let exe = str("docker_exe"), !exe.isEmpty { d.dockerExe = exe }
        d.wrapEntrypoint = bool("docker.wrap_entrypoint") ?? d.wrapEntrypoint
        d.wrapCmd = bool("docker.wrap_cmd") ?? d.wrapCmd
        d.labelPrefix = str("docker.label_prefix") ?? d.labelPrefix
        d.labelTemplate = str("docker.label_template") ?? d.labelTemplate
        d.reportUnwrappedCommands = bool("docker.report_unwrapped_commands") ?? d.reportUnwrappedCommands
        d.reportEmptyFields = bool("docker.report_empty_fields") ?? d.reportEmptyFields
        func pairs(_ p: String) -> [(String, String)] {
            guard case .dict(let keys, let values)? = v(p) else { return [] }
            return zip(keys, values).map { ($0.asString ?? $0.display, $1.asString ?? $1.display) }
        }
        d.customLabels = pairs("docker.custom_labels")
        d.additionalEnvVars = pairs("docker.additional_env_vars")
        return d
    }

    private func configError(_ path: String, _ msg: String) -> ConfigError {
        let parts = path.split(separator: ".").map(String.init)
        let o = root.lookup(Array(parts.dropLast()))?.field(parts.last!)?.origin ?? .builtin
        return ConfigError(file: o.file, line: o.pos.line, column: o.pos.column, message: "'\(path)' \(msg)")
    }

    /// Values of keyspecs with `value` or `callback` (the conffile plugin's job in Chalk).
    /// Callbacks are called once, at load, with an empty artifact path.
    private func resolveCustomKeys() throws(ConfigError) -> [String: ChalkValue] {
        var out: [String: ChalkValue] = [:]
        guard let ks = root.lookup(["keyspec"]) else { return out }
        // Each keyspec's fields as they are when it is reached (a callback may set some).
        try ks.forEachChildFields { (name, keyOrigin, fields) throws(ConfigError) in
            func field(_ f: String) -> Attribute? { fields.first { $0.0 == f }?.1 }
            if field("system")?.value.asBool == true { return }
            let type = field("type")?.value.display ?? "`x"
            var value: CValue?
            var origin = keyOrigin
            if let a = field("value") {
                value = a.value
                origin = a.origin
            } else if let a = field("callback"), case .callback(let fname) = a.value {
                origin = a.origin
                guard let f = interp.functions[fname] else {
                    throw ConfigError(file: a.origin.file, line: a.origin.pos.line, column: a.origin.pos.column,
                                      message: "keyspec '\(name)': callback '\(fname)' is not a function defined in the config",
                                      suggestion: Suggest.closest(to: fname, in: interp.functions.keys))
                }
                let args: [CValue] = f.params.isEmpty ? [] : [.string("")] + Array(repeating: CValue.string(""), count: f.params.count - 1)
                value = try interp.callUser(fname, f, args, a.origin.pos)
            }
            guard let value else { return }
            guard KeyTypes.matches(value, type) else {
                throw ConfigError(file: origin.file, line: origin.pos.line, column: origin.pos.column,
                                  message: "keyspec '\(name)' is declared as \(type), but its value is a \(value.typeName)")
            }
            out[name] = value.chalkValue
        }
        return out
    }
}

/// Checks a value against a keyspec's declared type (the common cases; `` `x `` and nested
/// generics accept anything of the right outer shape).
enum KeyTypes {
    static func matches(_ v: CValue, _ type: String) -> Bool {
        switch type {
        case "string": if case .string = v { return true } else { return false }
        case "int": return v.intLike != nil
        case "bool": return v.asBool != nil
        case "float": if case .float = v { return true } else { return false }
        case "list[string]": return v.stringList != nil
        default:
            if type.hasPrefix("list[") { if case .list = v { return true } else { return false } }
            if type.hasPrefix("dict[") { if case .dict = v { return true } else { return false } }
            return true
        }
    }
}

/// Signal names and numbers (Linux).
enum Signals {
    static let names: [String: Int32] = [
        "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "BUS": 7, "FPE": 8, "KILL": 9, "USR1": 10,
        "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16, "CHLD": 17, "CONT": 18, "STOP": 19,
        "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25, "VTALRM": 26, "PROF": 27, "WINCH": 28,
        "IO": 29, "PWR": 30, "SYS": 31,
    ]

    static func number(_ v: CValue) -> Int32? {
        if let i = v.intLike { return (1...64).contains(i) ? Int32(i) : nil }
        guard var s = v.asString?.uppercased() else { return nil }
        if let i = Int32(s) { return (1...64).contains(i) ? i : nil }
        if s.hasPrefix("SIG") { s.removeFirst(3) }
        return names[s]
    }
}
