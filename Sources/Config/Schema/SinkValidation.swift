/// `sink_config` checks (spec/config.md §2.6): the sink must exist, parameters must be declared
/// by it, required ones present, and each parameter of the right type.
extension Validator {
    static let typedSinkParams: [String: FieldType] = [
        "max": .size, "truncation_amount": .size, "timeout": .size, "headers": .dict,
        "disable_after_errors": .int, "dns_timeout": .int, "use_search_path": .bool, "disallow_http": .bool,
        "prefer_bundled_certs": .bool, "require_chalk_mark": .bool, "log_search_path": .stringList,
        "record_type": .choice(["A", "AAAA", "any"]),
    ]

    /// Parameters a sink may leave out even though the sink declares them required, because this
    /// project fills them in (the s3 `region`, from AWS_REGION or us-east-1).
    static let defaultedRequired: Set<String> = ["s3.region"]

    func checkSinkConfigs() throws(ConfigError) {
        guard let scs = root.lookup(["sink_config"]) else { return }
        let sinks = root.lookup(["sink"])
        let sinkNames = sinks?.childOrder ?? []
        for n in scs.childOrder {
            let node = scs.child(n)!
            guard let sa = node.field("sink"), let sink = sa.value.asString, !sink.isEmpty else { continue }
            guard let decl = sinks?.child(sink) else {
                throw error(sa.origin, "sink_config '\(n)' uses the sink '\(sink)', which does not exist: expected one of \(sinkNames.joined(separator: ", "))",
                            suggestion: Suggest.closest(to: sink, in: sinkNames))
            }
            let own: Set = ["enabled", "priority", "filters", "sink"]
            for f in node.fieldOrder where !own.contains(f) {
                let a = node.field(f)!
                guard decl.field(f) != nil else {
                    throw error(a.origin, "sink_config '\(n)': the \(sink) sink has no parameter '\(f)'",
                                suggestion: Suggest.closest(to: f, in: decl.fieldOrder))
                }
                let t = Validator.typedSinkParams[f] ?? .string
                if f == "timeout", case .int = a.value { continue }
                guard t.accepts(a.value) else {
                    throw error(a.origin, "sink_config '\(n)': '\(f)' must be \(t.description), found \(a.value.typeName)")
                }
            }
            for f in decl.fieldOrder where decl.field(f)?.value == .bool(true) && node.field(f) == nil {
                if Validator.defaultedRequired.contains("\(sink).\(f)") { continue }
                throw error(node.origin, "sink_config '\(n)' is missing the required \(sink) parameter '\(f)'")
            }
            if let flt = node.field("filters"), let list = flt.value.stringList {
                for x in list where !Schema.knownFilters.contains(x) {
                    throw error(flt.origin, "sink_config '\(n)': unknown filter '\(x)': expected one of \(Schema.knownFilters.joined(separator: ", "))",
                                suggestion: Suggest.closest(to: x, in: Schema.knownFilters))
                }
            }
            if let a = node.field("auth"), let authName = a.value.asString, !authName.isEmpty,
               root.lookup(["auth_config", authName]) == nil {
                throw error(a.origin, "sink_config '\(n)' names the auth_config '\(authName)', but no such auth_config exists",
                            suggestion: Suggest.closest(to: authName, in: root.lookup(["auth_config"])?.childOrder ?? []))
            }
            if sink == "rotating_log", let m = node.field("max")?.value.intLike, m < 1024 {
                throw error(node.field("max")!.origin, "sink_config '\(n)': 'max' must be at least 1024 bytes, found \(m)")
            }
        }
    }
}

extension Validator {
    /// `auth_config NAME { auth: "basic"|"jwt"; … }` against the `auth` declarations (§2.7):
    /// every required field present, no undeclared fields, every value a string.
    func checkAuthConfigs() throws(ConfigError) {
        guard let acs = root.lookup(["auth_config"]) else { return }
        let auths = root.lookup(["auth"])
        for n in acs.childOrder {
            let node = acs.child(n)!
            guard let a = node.field("auth"), let kind = a.value.asString else { continue }
            guard let decl = auths?.child(kind) else {
                throw error(a.origin, "auth_config '\(n)' uses the auth '\(kind)', which does not exist: expected one of \((auths?.childOrder ?? []).joined(separator: ", "))",
                            suggestion: Suggest.closest(to: kind, in: auths?.childOrder ?? []))
            }
            for f in node.fieldOrder where f != "auth" {
                let attr = node.field(f)!
                guard decl.field(f) != nil else {
                    throw error(attr.origin, "auth_config '\(n)': the \(kind) auth has no field '\(f)'",
                                suggestion: Suggest.closest(to: f, in: decl.fieldOrder))
                }
                guard case .string = attr.value else {
                    throw error(attr.origin, "auth_config '\(n)': '\(f)' must be a string, found \(attr.value.typeName)")
                }
            }
            for f in decl.fieldOrder where decl.field(f)?.value == .bool(true) && node.field(f) == nil {
                throw error(node.origin, "auth_config '\(n)' is missing the required \(kind) field '\(f)'")
            }
        }
    }
}
