/// Checks the attribute tree against the schema (spec/config.md §1.5, §2) and the whole-config
/// rules (§2.14). Every error names where the offending value was written.
struct Validator {
    let root: SectionNode

    func error(_ o: Origin, _ msg: String, suggestion: String? = nil) -> ConfigError {
        ConfigError(file: o.file, line: o.pos.line, column: o.pos.column, message: msg, suggestion: suggestion)
    }

    /// Runs every check; throws the first problem found.
    func validate() throws(ConfigError) {
        try checkSection(root, Schema.root, path: [])
        try checkKeyspecs()
        try checkTemplates()
        try checkOutconf()
        try checkAuthConfigs()
        try checkSinkConfigs()
        try checkCustomReports()
        try checkExec()
        try checkDocker()
    }

    private func checkDocker() throws(ConfigError) {
        guard let a = root.lookup(["docker"])?.field("label_template"), let t = a.value.asString, !t.isEmpty else { return }
        let marks = templateNames("mark_template")
        guard marks.contains(t) else {
            throw error(a.origin, "docker.label_template names the mark_template '\(t)', but no such template exists",
                        suggestion: Suggest.closest(to: t, in: marks))
        }
    }

    private func name(_ path: [String]) -> String { path.isEmpty ? "the top level" : "'\(path.joined(separator: "."))'" }

    /// A section still pending in the base config snapshot holds exactly what the base config
    /// gave it, which passes (BaseSnapshotTests checks the fully run base config).
    private func checkSection(_ node: SectionNode, _ spec: SectionSpec, path: [String]) throws(ConfigError) {
        if spec.lenient || node.untouchedSnapshot != nil { return }
        for fname in node.fieldOrder {
            let a = node.field(fname)!
            guard let fs = spec.fields[fname] else {
                if spec.userDefOK { continue }
                let candidates = Array(spec.fields.keys) + Array(spec.children.keys)
                throw error(a.origin, "unknown attribute '\(fname)' in \(name(path))",
                            suggestion: Suggest.closest(to: fname, in: candidates))
            }
            guard fs.type.accepts(a.value) else {
                throw error(a.origin, "'\((path + [fname]).joined(separator: "."))' must be \(fs.type.description), found \(describe(a.value))")
            }
        }
        for cname in node.childOrder {
            let child = node.child(cname)!
            guard let cs = spec.children[cname] else {
                let candidates = Array(spec.children.keys) + Array(spec.fields.keys)
                let what = path.isEmpty ? "unknown section '\(cname)'" : "unknown section '\(cname)' in \(name(path))"
                throw error(child.origin, what, suggestion: Suggest.closest(to: cname, in: candidates))
            }
            if child.untouchedSnapshot != nil { continue }  // as in checkSection
            switch cs.kind {
            case .singleton:
                try checkSection(child, cs, path: path + [cname])
                try checkRequired(child, cs, path: path + [cname])
            case .object:
                for f in child.fieldOrder {
                    throw error(child.field(f)!.origin, "'\(cname)' needs a name: expected '\(cname) NAME { \(f): … }'")
                }
                for inst in child.childOrder {
                    let node = child.child(inst)!
                    try checkSection(node, cs, path: path + [cname, inst])
                    try checkRequired(node, cs, path: path + [cname, inst])
                }
            }
        }
    }

    private func checkRequired(_ node: SectionNode, _ spec: SectionSpec, path: [String]) throws(ConfigError) {
        if spec.lenient || node.untouchedSnapshot != nil { return }
        for (fname, fs) in spec.fields.sorted(by: { $0.key < $1.key }) where fs.required && node.field(fname) == nil {
            throw error(node.origin, "\(path.first ?? "") '\(path.dropFirst().joined(separator: "."))' is missing required field '\(fname)'")
        }
    }

    private func describe(_ v: CValue) -> String {
        switch v {
        case .string(let s): "\(v.typeName) \"\(s)\""
        case .int, .bool, .float, .size, .duration: "\(v.typeName) \(v.display)"
        default: v.typeName
        }
    }

    // MARK: whole-config rules

    var keyspecNames: [String] { root.lookup(["keyspec"])?.childOrder ?? [] }

    /// Non-standard keys must be `X_…` (chalk-time) or `_X_…` (run-time) (§2.14).
    private func checkKeyspecs() throws(ConfigError) {
        guard let ks = root.lookup(["keyspec"]) else { return }
        try ks.forEachChildFields { (n, origin, fields) throws(ConfigError) in
            func field(_ f: String) -> CValue? { fields.first { $0.0 == f }?.1.value }
            if case .bool(true)? = field("standard") { return }
            let kind = field("kind")?.intLike ?? 0
            let runTime = kind >= 2
            let ok = runTime ? n.hasPrefix("_X_") : n.hasPrefix("X_")
            if !ok {
                throw error(origin, "custom key '\(n)' must be named \(runTime ? "_X_…" : "X_…") (\(runTime ? "run-time" : "chalk-time") keys of users start with \(runTime ? "_X_" : "X_"))")
            }
            if field("value") != nil && field("callback") != nil {
                throw error(origin, "keyspec '\(n)' sets both 'value' and 'callback': expected only one")
            }
        }
    }

    private func checkTemplates() throws(ConfigError) {
        let known = Set(keyspecNames)
        for kind in ["mark_template", "report_template"] {
            guard let ts = root.lookup([kind]) else { continue }
            for t in ts.childOrder {
                guard let keys = ts.child(t)!.child("key") else { continue }
                try keys.forEachChildFields { (k, origin, _) throws(ConfigError) in
                    guard known.contains(k) else {
                        throw error(origin, "\(kind) '\(t)' uses the key '\(k)', which does not exist (no keyspec)",
                                    suggestion: Suggest.closest(to: k, in: known))
                    }
                    if kind == "mark_template", k.hasPrefix("_") {
                        throw error(origin, "mark_template '\(t)' uses the run-time key '\(k)': marks can only hold chalk-time keys (no leading '_')")
                    }
                }
            }
        }
    }

    func templateNames(_ kind: String) -> [String] { root.lookup([kind])?.childOrder ?? [] }

    private func checkOutconf() throws(ConfigError) {
        guard let oc = root.lookup(["outconf"]) else { return }
        let marks = templateNames("mark_template"), reports = templateNames("report_template")
        let inserting: Set = ["insert", "build", "push", "load", "setup"]
        for op in oc.childOrder {
            let node = oc.child(op)!
            guard Schema.operations.contains(op) else {
                throw error(node.origin, "outconf '\(op)' is not an operation: expected one of \(Schema.operations.joined(separator: ", "))",
                            suggestion: Suggest.closest(to: op, in: Schema.operations))
            }
            if let a = node.field("mark_template"), let m = a.value.asString, !m.isEmpty {
                guard inserting.contains(op) else {
                    throw error(a.origin, "outconf '\(op)' cannot have a mark_template: only insert, build, push, load and setup write marks")
                }
                guard marks.contains(m) else {
                    throw error(a.origin, "outconf '\(op)' names the mark_template '\(m)', but no such template exists",
                                suggestion: Suggest.closest(to: m, in: marks))
                }
            } else if inserting.contains(op) {
                throw error(node.origin, "outconf '\(op)' must name a mark_template")
            }
            if let a = node.field("report_template"), let r = a.value.asString, !r.isEmpty, !reports.contains(r) {
                throw error(a.origin, "outconf '\(op)' names the report_template '\(r)', but no such template exists",
                            suggestion: Suggest.closest(to: r, in: reports))
            }
        }
    }

    private func checkCustomReports() throws(ConfigError) {
        guard let crs = root.lookup(["custom_report"]) else { return }
        let reports = templateNames("report_template"), sinks = root.lookup(["sink_config"])?.childOrder ?? []
        let ops = Schema.operations + ["help", "config", "version", "docgen"]
        for n in crs.childOrder {
            let node = crs.child(n)!
            guard let a = node.field("report_template"), let t = a.value.asString, !t.isEmpty else {
                throw error(node.origin, "custom_report '\(n)' must set a report_template")
            }
            guard reports.contains(t) else {
                throw error(a.origin, "custom_report '\(n)' names the report_template '\(t)', but no such template exists",
                            suggestion: Suggest.closest(to: t, in: reports))
            }
            if let s = node.field("sink_configs"), let list = s.value.stringList {
                for sc in list where !sinks.contains(sc) {
                    throw error(s.origin, "custom_report '\(n)' names the sink_config '\(sc)', but no such sink_config exists",
                                suggestion: Suggest.closest(to: sc, in: sinks))
                }
            }
            if let u = node.field("use_when"), let list = u.value.stringList {
                if list.contains("*") && list.count > 1 {
                    throw error(u.origin, "custom_report '\(n)': \"*\" in use_when must appear alone")
                }
                for op in list where op != "*" && !ops.contains(op) {
                    throw error(u.origin, "custom_report '\(n)': use_when names '\(op)', which is not an operation",
                                suggestion: Suggest.closest(to: op, in: ops))
                }
            }
        }
    }

    private func checkExec() throws(ConfigError) {
        guard let ex = root.lookup(["exec"]) else { return }
        if case .bool(true)? = ex.field("override_ok")?.value, case .bool(true)? = ex.field("append_command_line_args")?.value {
            throw error(ex.field("append_command_line_args")!.origin,
                        "exec.append_command_line_args and exec.override_ok cannot both be true: set override_ok = false")
        }
    }
}
