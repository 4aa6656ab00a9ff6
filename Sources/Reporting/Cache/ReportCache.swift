#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Marking
import Config
import ChalkLog

/// A report a sink could not take, kept for a later run (spec/config.md §5.6, RULINGS 15).
struct CachedReport: Equatable {
    /// Identifies the row across runs, so a run removes exactly what it delivered even when
    /// another chalk process changed the file in between.
    var id: String
    /// The envelope as it was published (`[ {…} ]` + newline).
    var message: String
    var topic: String
    /// sink_config names that still have to receive it.
    var sinks: [String]

    /// The report objects inside the envelope, as JSON text (without the outer brackets).
    var objectText: String {
        var t = Substring(message)
        while let c = t.first, c.isWhitespace { t = t.dropFirst() }
        while let c = t.last, c.isWhitespace { t = t.dropLast() }
        if t.first == "[" && t.last == "]" { t = t.dropFirst().dropLast() }
        return t.trimmingSpaces()
    }

    var row: String {
        ReportJSON.compact(.object(["$message": .string(message), "$topic": .string(topic),
                                    "$sinks": .array(sinks.map { .string($0) }), "$id": .string(id)]))
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        var t = self
        while let c = t.first, c.isWhitespace { t = t.dropFirst() }
        while let c = t.last, c.isWhitespace { t = t.dropLast() }
        return String(t)
    }
}

/// The report cache file (`report_cache_location`, JSON lines). Written only once something
/// fails; bounded by `reportCacheMaxBytes` (oldest rows go first, and the count of dropped
/// reports is kept in a `{ "$dropped" : N }` row until a report carries it as
/// `_OP_REPORTS_DROPPED`). All access is under an exclusive flock on `<cache>.lock`, and the file
/// is replaced atomically, so concurrent chalk runs neither lose nor corrupt rows. A run removes
/// only the rows it delivered, so the worst a race can do is deliver a report twice.
final class ReportCache {
    struct Snapshot {
        var rows: [CachedReport] = []
        var dropped: Int64 = 0
    }

    /// What one run did, applied to the file in one locked step.
    struct Changes {
        /// row id -> sinks that received it.
        var delivered: [String: Set<String>] = [:]
        /// rows removed without delivery (a single report refused as too large, RULINGS 16).
        var discarded: Set<String> = []
        var added: [CachedReport] = []
        /// drops this run reported (`_OP_REPORTS_DROPPED` sent or cached): subtract them.
        var droppedReported: Int64 = 0
        /// drops that happened in this run.
        var droppedNow: Int64 = 0

        var isEmpty: Bool {
            delivered.isEmpty && discarded.isEmpty && added.isEmpty && droppedReported == 0 && droppedNow == 0
        }
    }

    /// Absolute or start-directory-relative path; nil when the cache is off or unusable.
    let path: String?
    let configuredLocation: String
    let enabled: Bool
    let maxBytes: Int64
    let lockTimeoutSeconds: Int

    init(config: ChalkConfig) {
        enabled = config.useReportCache
        configuredLocation = config.reportCacheLocation
        path = config.useReportCache ? FileSystem.expandTilde(config.reportCacheLocation) : nil
        maxBytes = config.reportCacheMaxBytes
        lockTimeoutSeconds = max(1, config.reportCacheLockTimeoutSec)
    }

    /// Reads the cache (nothing to do when the file doesn't exist).
    func load() -> Snapshot {
        guard let path, FileSystem.exists(path) else { return Snapshot() }
        guard let lock = acquireLock(path) else { return Snapshot() }
        defer { releaseLock(lock) }
        return read(path)
    }

    /// Applies a run's changes. Returns false (after logging at error level) when the cache
    /// could not be written.
    @discardableResult
    func commit(_ changes: Changes) -> Bool {
        if changes.isEmpty { return true }
        guard let path else {
            if !changes.added.isEmpty || changes.droppedNow > 0 {
                let why = enabled ? "'\(configuredLocation)' is under ~ but HOME is unset or not writable" : "use_report_cache is off"
                Log.error("report cache unavailable (\(why)): \(changes.added.count) undelivered report(s) lost")
            }
            return false
        }
        do throws(SinkError) {
            try FileSystem.makeDirectories(FileSystem.dirname(path))
        } catch {
            Log.error("report cache \(path) can't be written: \(error); \(changes.added.count) undelivered report(s) lost")
            return false
        }
        guard let lock = acquireLock(path) else {
            Log.error("report cache \(path) could not be locked (waited up to \(lockTimeoutSeconds) s); \(changes.added.count) undelivered report(s) lost")
            return false
        }
        defer { releaseLock(lock) }
        var snap = read(path)
        var rows: [CachedReport] = []
        for var row in snap.rows {
            if changes.discarded.contains(row.id) { continue }
            if let done = changes.delivered[row.id] { row.sinks.removeAll { done.contains($0) } }
            if !row.sinks.isEmpty { rows.append(row) }
        }
        rows += changes.added
        snap.dropped = max(0, snap.dropped - changes.droppedReported) + changes.droppedNow
        // Bound: drop the oldest rows until the file fits.
        var lines = rows.map { $0.row + "\n" }
        var total = lines.reduce(0) { $0 + Int64($1.utf8.count) } + 32
        var first = 0
        while total > maxBytes && first < lines.count {
            total -= Int64(lines[first].utf8.count)
            snap.dropped += 1
            first += 1
        }
        if first > 0 {
            Log.warn("report cache \(path) is over its \(maxBytes)-byte bound: dropped the \(first) oldest report(s)")
        }
        lines = Array(lines[first...])
        if snap.dropped > 0 { lines.insert(ReportJSON.compact(.object(["$dropped": .int(snap.dropped)])) + "\n", at: 0) }
        if lines.isEmpty {
            if unlink(path) != 0 && errno != ENOENT {
                Log.error("report cache \(path) can't be removed: \(FileSystem.errorText())")
                return false
            }
            return true
        }
        do throws(SinkError) {
            try FileSystem.writeFileAtomically(path, Array(lines.joined().utf8), mode: 0o600)
        } catch {
            Log.error("report cache \(path) can't be written: \(error); \(changes.added.count) undelivered report(s) lost")
            return false
        }
        return true
    }

    private func read(_ path: String) -> Snapshot {
        var snap = Snapshot()
        guard let bytes = FileSystem.readFile(path) else {
            if errno != ENOENT { Log.error("report cache \(path) can't be read: \(FileSystem.errorText())") }
            return snap
        }
        var lineNumber = 0
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: true) {
            lineNumber += 1
            let text = String(decoding: line, as: UTF8.self)
            guard case .object(let o)? = try? ReportJSONParser.parse(text) else {
                Log.warn("report cache \(path):\(lineNumber): not a JSON object; line ignored")
                continue
            }
            if let d = o["$dropped"]?.intValue { snap.dropped += d; continue }
            guard let message = o["$message"]?.stringValue, let sinks = o["$sinks"]?.arrayValue else {
                Log.warn("report cache \(path):\(lineNumber): missing $message or $sinks; line ignored")
                continue
            }
            // Rows without an id (written by Chalk) get one derived from their bytes, stable
            // across reads.
            snap.rows.append(CachedReport(id: o["$id"]?.stringValue ?? "sha256:" + SHA256.hexDigest(Array(line)),
                                          message: message, topic: o["$topic"]?.stringValue ?? "report",
                                          sinks: sinks.compactMap(\.stringValue)))
        }
        return snap
    }

    /// Takes the exclusive lock, trying every 100 ms for `lockTimeoutSeconds`.
    private func acquireLock(_ path: String) -> Int32? {
        let lockPath = path + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            Log.error("report cache lock \(lockPath) can't be opened: \(FileSystem.errorText())")
            return nil
        }
        let tries = lockTimeoutSeconds * 10
        for i in 0..<tries {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return fd }
            if i + 1 < tries { Clock.sleepMilliseconds(100) }
        }
        close(fd)
        return nil
    }

    private func releaseLock(_ fd: Int32) {
        _ = flock(fd, LOCK_UN)
        close(fd)
    }
}
