import Marking
import Config
import Reporting
import ChalkLog

#if canImport(Glibc)
import Glibc
#endif

/// Every call from the docker module into other engineers' code goes through here, so the lead
/// can wire it in one place at merge.
public enum DockerWiring {
    /// LEAD: wire to the Config module's real loader (it already is `ConfigLoader.load`; check
    /// the request fields the final loader needs, e.g. external config search and --config-file).
    static func loadConfig(_ options: DockerChalkOptions) throws(ConfigError) -> ChalkConfig {
        var c = try ConfigLoader.load(ConfigLoadRequest(configFile: options.configFile,
                                                        useEmbeddedConfig: options.useEmbeddedConfig,
                                                        command: "docker", startDirectory: FS.cwd()))
        if let w = options.wrap { c.docker.wrapEntrypoint = w }
        return c
    }

    /// LEAD: wire to Reporting's `publishReports` (templates, topics, sinks, report cache).
    /// INTERIM: appends `[ {report} ]` as one line to `~/.local/chalk/chalk.log`.
    static func publish(_ run: CollectedRun, config: ChalkConfig) {
        InterimPublisher.append(run)
    }

    /// LEAD: wire to Marking's mark serializer.
    static func serializeMark(_ mark: ChalkObject) -> String { InterimMark.serialize(mark) }

    /// LEAD: wire to Marking's METADATA_ID computation (current normalization).
    static func metadataID(_ mark: ChalkObject) -> String { InterimMark.metadataID(mark) }

    /// LEAD: wire to Marking's random CHALK_ID (`idFormat(32 random bytes)`, §2.2).
    static func randomChalkID() -> String { InterimMark.idFormat(InterimMark.randomBytes(32)) }

    /// LEAD: wire to Marking's JSON parser.
    static func parseJSON(_ text: String) -> ChalkValue? { InterimJSONParser.parse(text) }

    /// LEAD: wire to Marking's validation of an extracted mark (METADATA_ID recomputed; images
    /// have no HASH, so no CHALK_ID check). Returns (validated, normalization used).
    static func validate(_ mark: ChalkObject) -> (Bool, String) {
        guard let id = mark["METADATA_ID"]?.stringValue, mark["CHALK_ID"] != nil else { return (false, "current") }
        return (InterimMark.metadataID(mark) == id, "current")
    }

    /// LEAD: wire to the collectors (git `vctl_git`, CI plugins) that add chalk-time keys for an
    /// artifact at `path`. INTERIM: none (the docker module adds its own keys).
    static func chalkTimeCollectedKeys(contextDirectory: String) -> ChalkObject { [:] }
}

/// INTERIM report publisher until Reporting's publisher lands (see DockerWiring.publish).
enum InterimPublisher {
    static func append(_ run: CollectedRun) {
        var r = ChalkObject()
        r["_OPERATION"] = .string(run.operation)
        r.merge(run.host)
        if !run.chalks.isEmpty { r["_CHALKS"] = .array(run.chalks.map { .object($0) }) }
        if !run.unmarked.isEmpty { r["_UNMARKED"] = .array(run.unmarked.map { .string($0) }) }
        if !run.errors.isEmpty { r["_OP_ERRORS"] = .array(run.errors.map { .string($0) }) }
        r["_OP_CHALK_COUNT"] = .int(Int64(run.chalks.count))
        r["_OP_UNMARKED_COUNT"] = .int(Int64(run.unmarked.count))
        let line = "[ " + InterimJSONWriter.write(.object(r)) + " ]\n"
        guard let home = Proc.getenv("HOME"), !home.isEmpty, home != "/" else {
            Log.trace("no usable HOME; docker report not written")
            return
        }
        let dir = home + "/.local/chalk"
        mkdir(home + "/.local", 0o755); mkdir(dir, 0o755)
        let fd = open(dir + "/chalk.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { Log.error("cannot write \(dir)/chalk.log: \(String(cString: strerror(errno)))"); return }
        defer { close(fd) }
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress!, bytes.count) }
    }
}

/// Time stamps without Foundation.
enum Clock {
    /// Milliseconds since the epoch.
    static func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// `yyyy-MM-ddTHH:mm:ss.fff+hh:mm` in local time (Chalk's DATETIME format).
    static func datetime(_ millis: Int64) -> String {
        var t = time_t(millis / 1000)
        var tmv = tm()
        localtime_r(&t, &tmv)
        func p(_ n: Int32, _ w: Int = 2) -> String { let s = String(n); return String(repeating: "0", count: max(0, w - s.count)) + s }
        let off = Int32(tmv.tm_gmtoff / 60)
        let sign = off < 0 ? "-" : "+"
        return "\(p(tmv.tm_year + 1900, 4))-\(p(tmv.tm_mon + 1))-\(p(tmv.tm_mday))T\(p(tmv.tm_hour)):\(p(tmv.tm_min)):\(p(tmv.tm_sec))."
            + p(Int32(millis % 1000), 3) + "\(sign)\(p(abs(off) / 60)):\(p(abs(off) % 60))"
    }
}
