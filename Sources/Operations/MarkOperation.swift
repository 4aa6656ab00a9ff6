#if canImport(Glibc)
import Glibc
#endif
import ChalkLog
import Config
import Marking
import Reporting

/// What the user asked for on the command line of insert / extract / delete.
public struct MarkOperationRequest: Sendable {
    public var kind: OperationKind
    /// Paths to search; empty means `artifact_search_path` (default ".").
    public var paths: [String]
    /// `--virtual`: compute marks, append them to ./virtual-chalk.json, leave files untouched.
    public var virtual: Bool
    public var context: OperationContext

    public init(kind: OperationKind, paths: [String], virtual: Bool, context: OperationContext) {
        self.kind = kind; self.paths = paths; self.virtual = virtual; self.context = context
    }
}

/// The result of one run: the collected data handed to reporting, and whether anything failed.
public struct MarkOperationResult: Sendable {
    public var run: CollectedRun
    /// True when any artifact failed (the command then exits 1).
    public var failed: Bool
}

/// The insert / extract / delete pipelines: discover → claim → existing mark → metadata →
/// mark template → CHALK_ID, METADATA_ID → codec renders → atomic write (DESIGN.md "Two flows").
public struct MarkOperation: Sendable {
    public var codecs: [any Codec]
    public var metadata: any ChalkTimeMetadataSource

    /// Keys every mark carries whatever the template says (`initCollection`).
    public static let forcedKeys: Set<String> = ["MAGIC", "CHALK_VERSION", "CHALK_ID", "METADATA_ID", "HASH"]

    public init(codecs: [any Codec] = CodecRegistry.fileCodecs(), metadata: any ChalkTimeMetadataSource = BuiltinChalkTimeMetadata()) {
        self.codecs = codecs; self.metadata = metadata
    }

    /// Runs the operation over every discovered artifact; one artifact's failure never stops
    /// the others.
    public func run(_ request: MarkOperationRequest) -> MarkOperationResult {
        let ctx = request.context
        let config = ctx.config
        var run = CollectedRun(operation: ctx.operation)
        var failed = false
        func fail(_ message: String) { Log.error(message); run.errors.append(message); failed = true }

        var options = DiscoveryOptions()
        options.recursive = config.recursive
        options.chalking = request.kind.isChalking
        options.chalkingSymlinks = ChalkingSymlinkBehavior(rawValue: config.symlinkBehaviorChalking) ?? .skip
        options.scanSymlinks = ScanSymlinkBehavior(rawValue: config.symlinkBehaviorNonChalking) ?? .follow
        for p in config.ignorePatterns {
            do { options.ignore.append(try IgnorePattern(p)) } catch { Log.warn("\(error); pattern not used") }
        }
        let selfPath = ArtifactDiscovery.realPath("/proc/self/exe")
        if let selfPath { options.excluded.insert(selfPath) }

        let roots = request.paths.isEmpty ? config.artifactSearchPath : request.paths
        let found = ArtifactDiscovery.discover(roots, options: options)
        for w in found.warnings { Log.warn(w) }
        for e in found.errors { fail(e) }

        let host = request.kind == .insert ? metadata.chalkTimeHost(ctx) : [:]
        run.host = metadata.runTimeHost(ctx)
        for file in found.files {
            if request.kind != .extract, let selfPath, file.path == selfPath {
                fail("\(file.path): refusing to modify the running chalk binary (use 'chalk load' to change its configuration)")
                continue
            }
            do {
                switch request.kind {
                case .insert: try insert(file.path, host: host, request: request, run: &run)
                case .extract: if try !extract(file.path, run: &run) { failed = true }
                case .delete: try delete(file.path, run: &run)
                case .exec: break
                }
            } catch {
                fail(error.description)
            }
        }
        return MarkOperationResult(run: run, failed: failed)
    }

    private func claim(_ path: String, _ kind: OperationKind,
                       currentHash: inout BackgroundHash?) throws(MarkingError) -> (ArtifactInput, any Codec, CodecScan)? {
        let input = try ArtifactFiles.read(path)
        // Extract reports _CURRENT_HASH: start it now, next to the codec's own hashing.
        if kind == .extract { currentHash = BackgroundHash(input.bytes) }
        guard let (codec, scan) = try CodecRegistry.claim(input, operation: kind, codecs: codecs) else {
            Log.trace("\(path): no codec claims this file")
            return nil
        }
        return (input, codec, scan)
    }

    /// The report item keys every operation adds to a marked artifact.
    private func reportItem(_ base: ChalkObject, path: String, scan: CodecScan, currentHash: String) -> ChalkObject {
        var item = base
        item["_OP_ARTIFACT_PATH"] = .string(path)
        item["_OP_ARTIFACT_TYPE"] = .string(scan.artifactType)
        item["_CURRENT_HASH"] = .string(currentHash)
        return item
    }

    private func insert(_ path: String, host: ChalkObject, request: MarkOperationRequest, run: inout CollectedRun) throws(MarkingError) {
        let ctx = request.context
        var unused: BackgroundHash?
        guard let (input, codec, scan) = try claim(path, .insert, currentHash: &unused) else { return }
        if let old = scan.mark, old["$CHALK_CONFIG"] != nil {
            Log.warn("\(path): skipped: it is a chalk binary carrying its own configuration")
            return
        }
        let mark = Self.buildMark(host: host, artifact: metadata.chalkTimeArtifact(path: path, ctx), scan: scan,
                                  config: ctx.config, operation: ctx.operation)
        let markBytes = MarkSerializer.serialize(mark, order: ctx.config.order(of:))
        let currentHash: String
        if request.virtual {
            var line = markBytes; line.append(0x0A)
            try ArtifactFiles.append(ArtifactDiscovery.absolutePath("virtual-chalk.json", cwd: ctx.startDirectory), bytes: line)
            currentHash = SHA256.hexDigest(input.bytes)
        } else {
            let out = try codec.render(input, scan: scan, mark: markBytes)
            let hashing = BackgroundHash(out)
            defer { _ = hashing.value() }
            try ArtifactFiles.writeAtomically(path, bytes: out, mode: input.mode)
            currentHash = hashing.value()
        }
        var item = reportItem(mark, path: path, scan: scan, currentHash: currentHash)
        item["_VIRTUAL"] = .bool(request.virtual)
        run.chalks.append(item)
        Log.info("\(path): marked (\(scan.artifactType), CHALK_ID \(mark["CHALK_ID"]?.stringValue ?? "?"))")
    }

    /// The mark for an artifact: chalk-time host and artifact data filtered by the operation's
    /// mark template (plus the forced and `$` keys), empty values left out, then CHALK_ID and
    /// METADATA_ID (spec/mark-format.md §1.2, §2.2, §2.3).
    public static func buildMark(host: ChalkObject, artifact: ChalkObject, scan: CodecScan,
                                 config: ChalkConfig, operation: String) -> ChalkObject {
        var data = host
        data.merge(artifact)
        data.merge(scan.extra)
        data["MAGIC"] = .string("dadfedabbadabbed")
        data["ARTIFACT_TYPE"] = .string(scan.artifactType)
        if let hash = scan.unchalkedHash {
            data["HASH"] = .string(hash)
            data["CHALK_ID"] = .string(ChalkIdentifiers.chalkID(fromHash: hash))
        } else {
            data["CHALK_ID"] = .string(ChalkIdentifiers.randomChalkID())
        }
        let template = config.markTemplate(for: operation)
        var mark = ChalkObject()
        for (k, v) in data.entries where !v.isEmptyForMark {
            if template == nil || template!.uses(k) || forcedKeys.contains(k) || k.hasPrefix("$") { mark[k] = v }
        }
        let (mdHash, mdID) = MarkNormalization.current.metadataIdentity(mark)
        if template?.uses("METADATA_HASH") == true { mark["METADATA_HASH"] = .string(mdHash) }
        mark["METADATA_ID"] = .string(mdID)
        return mark
    }

    /// A mark holding only MAGIC is the placeholder a script keeps after its mark was removed
    /// from the middle of a line. Chalk reports it as an invalid mark (spec §1.7 [quirk]);
    /// here it means "unmarked", so that insert → delete → extract comes back clean.
    static func isPlaceholder(_ mark: ChalkObject) -> Bool { mark.keys == ["MAGIC"] }

    /// Returns false when the artifact's mark does not validate.
    private func extract(_ path: String, run: inout CollectedRun) throws(MarkingError) -> Bool {
        var hashing: BackgroundHash?
        defer { _ = hashing?.value() }
        guard let (_, _, scan) = try claim(path, .extract, currentHash: &hashing) else { return true }
        guard let mark = scan.mark, !Self.isPlaceholder(mark) else { run.unmarked.append(path); return true }
        let v = MarkValidation.validate(mark, currentHash: scan.unchalkedHash)
        var item = reportItem(mark, path: path, scan: scan, currentHash: hashing?.value() ?? "")
        item["_VALIDATED_METADATA"] = .bool(v.valid)
        if let n = v.normalization { item["_VALIDATED_NORMALIZATION"] = .string(n.rawValue) }
        if mark["SIGNATURE"] != nil {
            Log.info("\(path): the mark carries a SIGNATURE; signatures are not verified yet")
        }
        run.chalks.append(item)
        if !v.valid { Log.error("\(path): invalid chalk mark: \(v.problem ?? "validation failed")") }
        return v.valid
    }

    private func delete(_ path: String, run: inout CollectedRun) throws(MarkingError) {
        var unused: BackgroundHash?
        guard let (input, codec, scan) = try claim(path, .delete, currentHash: &unused) else { return }
        guard let mark = scan.mark, !Self.isPlaceholder(mark) else { run.unmarked.append(path); return }
        if mark["$CHALK_IMPLEMENTATION_NAME"] != nil {
            throw MarkingError(.unsupported, path: path, "refusing to delete the mark of a chalk binary")
        }
        let out = try codec.render(input, scan: scan, mark: nil)
        try ArtifactFiles.writeAtomically(path, bytes: out, mode: input.mode)
        run.chalks.append(reportItem(mark, path: path, scan: scan, currentHash: SHA256.hexDigest(out)))
        Log.info("\(path): mark removed")
    }
}
