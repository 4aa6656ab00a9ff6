import Marking

/// The readable summary `chalk config` prints.
enum ConfigSummary {
    /// Parameters whose values are never printed.
    static let secretParams: Set<String> = ["secret", "token", "password", "uid"]

    static func render(config c: ChalkConfig, root: SectionNode) -> String {
        var out: [String] = []
        out.append("Configuration sources:")
        out.append("  base:     built-in")
        out.append("  embedded: " + (c.embeddedConfigSource.map { "yes (\($0.utf8.count) bytes)" } ?? "none"))
        out.append("  external: " + (c.externalConfigPath ?? "none"))
        out.append("")
        out.append("Logging: log_level \(c.logLevel), log_format \(c.logFormat), chalk_log_level \(c.chalkLogLevel)")
        out.append("")
        out.append("Operations (outconf):")
        for op in c.outconf.keys.sorted() {
            let o = c.outconf[op]!
            out.append("  \(op.padding(10)) mark_template: \((o.markTemplate ?? "-").padding(14)) report_template: \(o.reportTemplate ?? "-")")
        }
        out.append("")
        out.append("Custom reports:")
        for n in c.customReports.keys.sorted() {
            let r = c.customReports[n]!
            out.append("  \(n): \(r.enabled ? "enabled" : "disabled"), template \(r.reportTemplate), sinks [\(r.sinkConfigs.joined(separator: ", "))], use_when [\(r.useWhen.joined(separator: ", "))]")
        }
        out.append("")
        out.append("Subscriptions:")
        for t in c.subscriptions.keys.sorted() {
            out.append("  \(t) -> [\(c.subscriptions[t]!.joined(separator: ", "))]")
        }
        out.append("")
        out.append("Sink configs:")
        for n in c.sinkConfigs.keys.sorted() {
            let s = c.sinkConfigs[n]!
            let params = s.params.entries.map { e in
                "\(e.key)=" + (secretParams.contains(e.key) ? "<redacted>" : JSONText.encode(e.value))
            }
            let filters = s.filters.isEmpty ? "" : " filters [\(s.filters.joined(separator: ", "))]"
            out.append("  \(n): sink \(s.sink.isEmpty ? "-" : s.sink), \(s.enabled ? "enabled" : "disabled")\(filters) \(params.joined(separator: " "))")
        }
        out.append("")
        let e = c.exec
        out.append("exec: command_name \(e.commandName ?? "-"), reporting_probability \(e.reportingProbability), heartbeat \(e.heartbeatRun ? "on" : "off") every \(e.heartbeatRate / 1_000_000) s, report_deadline \(e.reportDeadline / 1000) ms")
        out.append("Report cache: \(c.useReportCache ? c.reportCacheLocation : "off") (max \(c.reportCacheMaxBytes) bytes)")
        out.append("Templates: \(c.markTemplates.count) mark (\(c.markTemplates.keys.sorted().joined(separator: ", "))), \(c.reportTemplates.count) report (\(c.reportTemplates.keys.sorted().joined(separator: ", ")))")
        out.append("Key catalog: \(c.keyspecs.count) keys")
        if !c.customKeys.isEmpty {
            out.append("Config-supplied key values:")
            for k in c.customKeys.keys.sorted() { out.append("  \(k) = \(JSONText.encode(c.customKeys[k]!))") }
        }
        return out.joined(separator: "\n") + "\n"
    }
}

extension String {
    fileprivate func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
