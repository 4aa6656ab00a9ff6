import ChalkLog
import Config
import Marking
import Reporting
#if canImport(Glibc)
import Glibc
#endif

/// The exec reporter's one way out: every exec, heartbeat and postexec report goes through
/// `publish`.
enum ExecReportPublisher {
    /// Publishes one report. Never throws and never blocks for long; a failure is logged at
    /// trace level (fail open).
    ///
    /// TODO(lead): replace the body with the reporting engineer's `publishReports(run, config)`
    /// (templates, topics, sinks, report cache), passing `templateOverride` for the exec report
    /// (`--report-template`). Until then the report goes to the default file sink through the
    /// interim writer below.
    static func publish(_ run: CollectedRun, config: ChalkConfig, templateOverride: String?) {
        InterimChalkLogWriter.append(run)
    }
}

/// INTERIM (until the reporting module's `publishReports` is wired in): appends the report, as one
/// JSON line `[ {...} ]`, to `~/.local/chalk/chalk.log`, the default file sink. No template
/// filtering. No usable HOME: skipped with a trace message (RULINGS 11).
enum InterimChalkLogWriter {
    static func append(_ run: CollectedRun) {
        guard let home = getenv("HOME").map({ String(cString: $0) }), !home.isEmpty else {
            Log.trace("exec report not written: HOME is not set"); return
        }
        let dir = home + "/.local/chalk"
        for d in [home + "/.local", dir] where mkdir(d, 0o755) != 0 && errno != EEXIST {
            Log.trace("exec report not written: cannot create \(d): \(String(cString: strerror(errno)))"); return
        }
        let path = dir + "/chalk.log"
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { Log.trace("exec report not written: \(path): \(String(cString: strerror(errno)))"); return }
        defer { close(fd) }
        var line: [UInt8] = Array("[ ".utf8)
        InterimJSON.append(.object(reportObject(run)), to: &line)
        line += Array(" ]\n".utf8)
        // One write(2) with O_APPEND: concurrent writers never interleave within a line.
        let n = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n != line.count { Log.trace("exec report not written completely to \(path)") }
    }

    /// The report object: host keys, then `_CHALKS`, `_UNMARKED`, `_OP_ERRORS`.
    static func reportObject(_ run: CollectedRun) -> ChalkObject {
        var o = run.host
        o["_OPERATION"] = .string(run.operation)
        if !run.chalks.isEmpty { o["_CHALKS"] = .array(run.chalks.map { .object($0) }) }
        if !run.unmarked.isEmpty { o["_UNMARKED"] = .array(run.unmarked.map { .string($0) }) }
        if !run.errors.isEmpty { o["_OP_ERRORS"] = .array(run.errors.map { .string($0) }) }
        return o
    }
}

/// INTERIM: minimal JSON writer for ChalkValue (goes away with the interim writer).
enum InterimJSON {
    static func append(_ v: ChalkValue, to out: inout [UInt8]) {
        switch v {
        case .string(let s): appendString(s, to: &out)
        case .int(let i): out += Array(String(i).utf8)
        case .float(let d): out += Array((d.isFinite ? "\(d)" : "null").utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .null: out += Array("null".utf8)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, e) in a.enumerated() {
                if i > 0 { out += Array(", ".utf8) }
                append(e, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, (k, e)) in o.entries.enumerated() {
                if i > 0 { out += Array(", ".utf8) }
                appendString(k, to: &out)
                out += Array(": ".utf8)
                append(e, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += Array("\\\"".utf8)
            case UInt8(ascii: "\\"): out += Array("\\\\".utf8)
            case 0x0a: out += Array("\\n".utf8)
            case 0x0d: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0..<0x20:
                let hex = String(b, radix: 16)
                out += Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
