import Config

/// Builds a sink from its `sink_config` (lazily, on first use, as Chalk does).
enum SinkFactory {
    static func make(_ sc: SinkConfig, config: ChalkConfig, chalkVersion: String) throws(SinkError) -> any ReportSink {
        switch sc.sink {
        case "stdout": return StreamSink(configName: sc.name, fd: 1)
        case "stderr": return StreamSink(configName: sc.name, fd: 2)
        case "file": return try FileSink(config: sc, defaultSearchPath: config.logSearchPath)
        case "rotating_log": return try RotatingLogSink(config: sc, defaultSearchPath: config.logSearchPath)
        case "post": return try PostSink(config: sc, authConfigs: config.authConfigs, chalkVersion: chalkVersion)
        case "s3": return try S3Sink(config: sc)
        case "presign", "dns":
            throw SinkError.failed("sink config '\(sc.name)': the '\(sc.sink)' sink is not supported yet")
        case "":
            throw SinkError.failed("sink config '\(sc.name)' names no sink type")
        default:
            throw SinkError.failed("sink config '\(sc.name)': unknown sink type '\(sc.sink)'")
        }
    }
}
