#if canImport(Glibc)
import Glibc
#endif
import ChalkLog
import Config
import Marking
import Reporting

/// INTERIM report builder and file sink, used until the Reporting module's builder lands
/// (the lead then points `ReportHandoff.publish` at it). It builds the primary report of an
/// operation from its report template (spec/config.md §7), appends it as one line
/// `[ { … } ]` to each `file` sink subscribed to topic `report` (by default
/// `~/.local/chalk/chalk.log`), and prints a pretty summary on stdout only when stdout is a
/// terminal.
public enum InterimReportWriter {
    /// The report object (one element of the envelope array).
    public static func buildReport(_ run: CollectedRun, config: ChalkConfig) -> ChalkObject {
        let template = config.reportTemplate(for: run.operation)
        func order(_ k: String) -> Int64 { template?.order[k] ?? config.order(of: k) }
        func uses(_ k: String) -> Bool { template?.uses(k) ?? true }
        func sorted(_ o: ChalkObject) -> ChalkObject {
            var out = ChalkObject()
            for k in MarkSerializer.orderedKeys(o, order: order) where uses(k) {
                if let v = o[k], !v.isEmptyForMark { out[k] = v }
            }
            return out
        }
        var host = run.host
        host["_OPERATION"] = .string(run.operation)
        let items = run.chalks.map(sorted).filter { !$0.isEmpty }
        if !items.isEmpty { host["_CHALKS"] = .array(items.map { .object($0) }) }
        if !run.unmarked.isEmpty { host["_UNMARKED"] = .array(run.unmarked.map { .string($0) }) }
        if !run.errors.isEmpty { host["_OP_ERRORS"] = .array(run.errors.map { .string($0) }) }
        host["_OP_CHALK_COUNT"] = .int(Int64(items.count))
        host["_OP_UNMARKED_COUNT"] = .int(Int64(run.unmarked.count))
        var report = sorted(host)
        // The operation is always named, whatever the template.
        if report["_OPERATION"] == nil { report["_OPERATION"] = .string(run.operation) }
        return report
    }

    /// The envelope line: `[ { … } ]` + newline.
    public static func envelope(_ report: ChalkObject) -> [UInt8] {
        var out = Array("[ ".utf8)
        MarkSerializer.appendValue(.object(report), to: &out)
        out.append(contentsOf: " ]\n".utf8)
        return out
    }

    /// Publishes the primary report; returns false when no sink could take it.
    @discardableResult
    public static func publish(_ run: CollectedRun, config: ChalkConfig) -> Bool {
        let report = buildReport(run, config: config)
        var ok = true
        if !config.skipCommandReport {
            let line = envelope(report)
            for name in config.subscriptions["report"] ?? [] {
                guard let sink = config.sinkConfigs[name], sink.enabled else { continue }
                guard sink.sink == "file", let file = sink.params["filename"]?.stringValue else {
                    Log.trace("sink \(name) (\(sink.sink)) is not handled by the interim report writer")
                    continue
                }
                guard let path = expandHome(file) else {
                    Log.trace("no usable HOME: report sink \(name) (\(file)) skipped")
                    continue
                }
                makeParentDirectories(path)
                do {
                    try ArtifactFiles.append(path, bytes: line)
                    Log.info("Full chalk report appended to: \(path)")
                } catch {
                    Log.error("cannot write the report: \(error)")
                    ok = false
                }
            }
        }
        if !config.skipSummaryReport && isatty(1) == 1 {
            var text = PrettyJSON.render(.array([.object(report)]))
            text.append(0x0A)
            writeStdout(text)
        }
        return ok
    }

    static func expandHome(_ p: String) -> String? {
        guard p.hasPrefix("~") else { return p }
        guard let h = getenv("HOME") else { return nil }
        let home = String(cString: h)
        guard !home.isEmpty, home != "/" || access("/", W_OK) == 0 else { return nil }
        return home + p.dropFirst()
    }

    static func makeParentDirectories(_ path: String) {
        var parts = path.split(separator: "/").dropLast()
        var cur = ""
        while !parts.isEmpty {
            cur += "/" + parts.removeFirst()
            _ = mkdir(cur, 0o755)
        }
    }

    static func writeStdout(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(1, $0.baseAddress! + off, bytes.count - off) }
            if n < 0 { if errno == EINTR { continue }; return }
            off += n
        }
    }
}

/// JSON pretty-printed with two-space indentation (the terminal summary).
enum PrettyJSON {
    static func render(_ v: ChalkValue, indent: Int = 0) -> [UInt8] {
        var out: [UInt8] = []
        append(v, indent: indent, to: &out)
        return out
    }

    static func append(_ v: ChalkValue, indent: Int, to out: inout [UInt8]) {
        let pad = Array(repeating: UInt8(ascii: " "), count: indent + 2)
        switch v {
        case .array(let items) where !items.isEmpty:
            out.append(contentsOf: "[\n".utf8)
            for (i, item) in items.enumerated() {
                out.append(contentsOf: pad)
                append(item, indent: indent + 2, to: &out)
                out.append(contentsOf: (i + 1 < items.count ? ",\n" : "\n").utf8)
            }
            out.append(contentsOf: Array(repeating: UInt8(ascii: " "), count: indent)); out.append(UInt8(ascii: "]"))
        case .object(let o) where !o.isEmpty:
            out.append(contentsOf: "{\n".utf8)
            for (i, (k, val)) in o.entries.enumerated() {
                out.append(contentsOf: pad)
                MarkSerializer.appendString(k, to: &out)
                out.append(contentsOf: ": ".utf8)
                append(val, indent: indent + 2, to: &out)
                out.append(contentsOf: (i + 1 < o.count ? ",\n" : "\n").utf8)
            }
            out.append(contentsOf: Array(repeating: UInt8(ascii: " "), count: indent)); out.append(UInt8(ascii: "}"))
        default:
            MarkSerializer.appendValue(v, to: &out)
        }
    }
}
