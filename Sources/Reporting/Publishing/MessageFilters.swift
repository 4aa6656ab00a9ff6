import Marking
import ChalkLog

/// The `filters` of a sink_config (spec/config.md §5.2), applied in order to the message text.
/// Report messages are never dropped here: `log_level` and `log_prefix` only mean something on
/// the `logs` topic, which chalk writes straight to stderr.
enum MessageFilters {
    static func apply(_ filters: [String], to message: String, sinkConfig: String, unixSeconds: Int64) -> String {
        var m = message
        for f in filters {
            switch f {
            case "pretty_json":
                if let v = try? ReportJSONParser.parse(m) { m = ReportJSON.pretty(v) + "\n" }
            case "fix_new_line":
                if !m.hasSuffix("\n") { m += "\n" }
            case "wrap", "log_level", "log_prefix":
                break
            case "github_log_group":
                m = "::group::Chalk Report\n" + m + (m.hasSuffix("\n") ? "" : "\n") + "::endgroup::\n"
            case "gitlab_log_section":
                let esc = "\u{1B}[0K"
                m = "\(esc)section_start:\(unixSeconds):chalk_report[collapsed=true]\r\(esc)Chalk Report\n" + m
                    + (m.hasSuffix("\n") ? "" : "\n") + "\(esc)section_end:\(unixSeconds):chalk_report\r\(esc)\n"
            default:
                Log.warn("Message filter '\(f)' cannot be found (sink conf='\(sinkConfig)')")
            }
        }
        return m
    }
}
