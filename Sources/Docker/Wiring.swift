import Marking
import Config
import Reporting
import Operations
import ChalkLog

#if canImport(Glibc)
import Glibc
#endif

/// Every call from the docker module into other engineers' code goes through here, so the lead
/// can rewire it in one place.
public enum DockerWiring {
    /// The Config module's loader (base, embedded and external configs).
    static func loadConfig(_ options: DockerChalkOptions) throws(ConfigError) -> ChalkConfig {
        var c = try ConfigLoader.load(ConfigLoadRequest(configFile: options.configFile,
                                                        useEmbeddedConfig: options.useEmbeddedConfig,
                                                        embeddedSource: options.embeddedConfigSource,
                                                        command: "docker", startDirectory: FS.cwd()))
        if let w = options.wrap { c.docker.wrapEntrypoint = w }
        return c
    }

    /// Reporting's publisher, through the same call insert/extract/delete use.
    static func publish(_ run: CollectedRun, config: ChalkConfig) {
        ReportHandoff.publish(run, config: config)
    }

    /// The mark's bytes (Marking's serializer, the config's key order).
    static func serializeMark(_ mark: ChalkObject, config: ChalkConfig) -> String {
        MarkSerializer.serializeString(mark, order: { config.order(of: $0) })
    }

    /// METADATA_ID of a mark (current normalization).
    static func metadataID(_ mark: ChalkObject) -> String { MarkNormalization.current.metadataIdentity(mark).id }

    /// A random CHALK_ID (images have no unchalked hash, spec/mark-format.md §2.2).
    static func randomChalkID() -> String { ChalkIdentifiers.randomChalkID() }

    /// Parses docker's JSON output.
    static func parseJSON(_ text: String) -> ChalkValue? { DockerJSONParser.parse(text) }

    /// Parses a mark (`/chalk.json`) with Marking's parser; nil when it isn't one JSON object.
    static func parseMark(_ bytes: [UInt8]) -> ChalkObject? { try? MarkParser.parseWholeObject(bytes) }

    /// Validates an extracted image/container mark: METADATA_ID recomputed; images have no
    /// HASH, so there is no CHALK_ID check. Returns (validated, normalization, problem).
    static func validate(_ mark: ChalkObject) -> (Bool, String?, String?) {
        let v = MarkValidation.validate(mark, currentHash: nil)
        return (v.valid, v.normalization?.rawValue, v.problem)
    }

    /// The chalk-time host and artifact keys of the build, from the same collectors insert uses
    /// (host facts, git of the build context, CI, CODEOWNERS, custom keys).
    /// `startMillis` is the build's start: TIMESTAMP_WHEN_CHALKED and DATETIME_WHEN_CHALKED.
    static func chalkTimeCollectedKeys(contextDirectory: String, config: ChalkConfig, version: String, argv: [String],
                                       startMillis: Int64) -> ChalkObject {
        let ctx = OperationContext(operation: "build", chalkVersion: version, config: config, startMillis: startMillis, argv: argv,
                                   startDirectory: FS.cwd())
        let source = CollectorMetadata(context: ctx, paths: [contextDirectory])
        var keys = source.chalkTimeHost(ctx)
        keys.merge(source.chalkTimeArtifact(path: contextDirectory, ctx))
        return keys
    }
}

