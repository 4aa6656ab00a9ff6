#if canImport(Glibc)
import Glibc
#endif
import ChalkLog
import Config
import Marking
import Reporting
import Synchronization

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
        let paths = found.files.map(\.path)
        // Artifacts are processed on several threads (reading, hashing and the rename of one
        // file overlap with the others); their outcomes are merged strictly in discovery
        // order, so the report, the logs and virtual-chalk.json read as with one thread.
        var progress = ProgressLine(label: ctx.operation)
        let counted = ctx.operation == "insert" ? "marked" : ctx.operation == "delete" ? "unmarked" : "with a mark"
        var merged = 0
        ParallelArtifacts.run(count: paths.count, threads: Self.threadCount(paths.count)) { i in
            process(paths[i], host: host, request: request, selfPath: selfPath)
        } merge: { outcome in
            merged += 1
            defer { progress.update(done: merged, total: paths.count, detail: "\(run.chalks.count) \(counted)") }
            if !outcome.logs.isEmpty || !outcome.logsAfterVirtualWrite.isEmpty { progress.clear() }
            for (level, message) in outcome.logs { Log.shared.emit(level, message) }
            if let line = outcome.virtualLine {
                do {
                    try ArtifactFiles.append(ArtifactDiscovery.absolutePath("virtual-chalk.json", cwd: ctx.startDirectory), bytes: line)
                } catch {
                    fail(String(describing: error))
                    return
                }
                for (level, message) in outcome.logsAfterVirtualWrite { Log.shared.emit(level, message) }
            }
            run.chalks += outcome.chalks
            run.unmarked += outcome.unmarked
            if outcome.invalid { failed = true }
            if let e = outcome.error { fail(e) }
        }
        progress.clear()
        return MarkOperationResult(run: run, failed: failed)
    }

    /// Worker threads for `files` artifacts: one per online CPU, at most 4, never more than
    /// the files (`CHALK_THREADS` overrides, for measurements).
    static func threadCount(_ files: Int) -> Int {
        var n = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        if let v = getenv("CHALK_THREADS"), let t = Int(String(cString: v)), t > 0 { n = t }
        return max(1, min(n, 4, files))
    }

    /// One artifact, start to finish, with its report items and log lines kept for the merge.
    private func process(_ path: String, host: ChalkObject, request: MarkOperationRequest, selfPath: String?) -> ArtifactOutcome {
        var out = ArtifactOutcome()
        if request.kind != .extract, let selfPath, path == selfPath {
            out.error = "\(path): refusing to modify the running chalk binary (use 'chalk load' to change its configuration)"
            return out
        }
        do {
            switch request.kind {
            case .insert: try insert(path, host: host, request: request, out: &out)
            case .extract: if try !extract(path, out: &out) { out.invalid = true }
            case .delete: try delete(path, out: &out)
            case .exec: break
            }
        } catch {
            out.error = error.description
        }
        if out.holdsLargeArtifactGate {
            LargeArtifactGate.shared.leave()
            out.holdsLargeArtifactGate = false
        }
        return out
    }

    private func claim(_ path: String, _ kind: OperationKind, out: inout ArtifactOutcome,
                       currentHash: inout BackgroundHash?) throws(MarkingError) -> (ArtifactInput, any Codec, CodecScan)? {
        // A file no codec could claim is declined on its first 4 KiB, never read whole.
        let codecs = self.codecs
        guard let input = try ArtifactFiles.read(path, claimable: { head, size in
            guard codecs.contains(where: { $0.mightClaim(head: head, fileSize: size, operation: kind) }) else { return false }
            // Before the rest is read: at most one very large artifact in memory at a time.
            if size >= LargeArtifactGate.threshold && !out.holdsLargeArtifactGate {
                LargeArtifactGate.shared.enter()
                out.holdsLargeArtifactGate = true
            }
            return true
        }) else {
            out.log(.trace, "\(path): no codec claims this file")
            return nil
        }
        // Extract reports _CURRENT_HASH of marked artifacts: a large file's hash starts now,
        // next to the codec's own hashing; a small file is hashed only if it is marked.
        if kind == .extract { currentHash = BackgroundHash(input.bytes) }
        guard let (codec, scan) = try CodecRegistry.claim(input, operation: kind, codecs: codecs) else {
            out.log(.trace, "\(path): no codec claims this file")
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

    private func insert(_ path: String, host: ChalkObject, request: MarkOperationRequest, out: inout ArtifactOutcome) throws(MarkingError) {
        let ctx = request.context
        var unused: BackgroundHash?
        guard let (input, codec, scan) = try claim(path, .insert, out: &out, currentHash: &unused) else { return }
        if let old = scan.mark, old["$CHALK_CONFIG"] != nil {
            out.log(.warn, "\(path): skipped: it is a chalk binary carrying its own configuration")
            return
        }
        // Collectors are called one at a time, as they were before artifacts ran in parallel.
        let artifactData = Self.metadataLock.withLock { _ in metadata.chalkTimeArtifact(path: path, ctx) }
        let mark = Self.buildMark(host: host, artifact: artifactData, scan: scan,
                                  config: ctx.config, operation: ctx.operation)
        let markBytes = MarkSerializer.serialize(mark, order: ctx.config.order(of:))
        let currentHash: String
        if request.virtual {
            // Appended to virtual-chalk.json by the in-order merge.
            var line = markBytes; line.append(0x0A)
            out.virtualLine = line
            currentHash = SHA256.hexDigest(input.bytes)
        } else {
            let rendered = try codec.render(input, scan: scan, mark: markBytes)
            let hashing = BackgroundHash(rendered)
            defer { hashing.wait() }
            try ArtifactFiles.writeAtomically(path, bytes: rendered, mode: input.mode)
            currentHash = hashing.value()
        }
        var item = reportItem(mark, path: path, scan: scan, currentHash: currentHash)
        // Reported whether or not the mark template keeps it: Chalk's server files insert and
        // build reports by (CHALK_ID, METADATA_HASH, METADATA_ID) and refuses items without it.
        if item["METADATA_HASH"] == nil {
            item["METADATA_HASH"] = .string(MarkNormalization.current.metadataIdentity(mark).hash)
        }
        item["_VIRTUAL"] = .bool(request.virtual)
        out.chalks.append(item)
        let done = "\(path): marked (\(scan.artifactType), CHALK_ID \(mark["CHALK_ID"]?.stringValue ?? "?"))"
        if request.virtual { out.logAfterVirtualWrite(.info, done) } else { out.log(.info, done) }
    }

    /// Serializes `ChalkTimeMetadataSource.chalkTimeArtifact` calls across worker threads.
    static let metadataLock = Mutex<Void>(())

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
    private func extract(_ path: String, out: inout ArtifactOutcome) throws(MarkingError) -> Bool {
        var hashing: BackgroundHash?
        defer { hashing?.wait() }
        guard let (_, _, scan) = try claim(path, .extract, out: &out, currentHash: &hashing) else { return true }
        guard let mark = scan.mark, !Self.isPlaceholder(mark) else { out.unmarked.append(path); return true }
        let v = MarkValidation.validate(mark, currentHash: scan.unchalkedHash)
        var item = reportItem(mark, path: path, scan: scan, currentHash: hashing?.value() ?? "")
        item["_VALIDATED_METADATA"] = .bool(v.valid)
        if let n = v.normalization { item["_VALIDATED_NORMALIZATION"] = .string(n.rawValue) }
        if mark["SIGNATURE"] != nil {
            out.log(.info, "\(path): the mark carries a SIGNATURE; signatures are not verified yet")
        }
        out.chalks.append(item)
        if !v.valid { out.log(.error, "\(path): invalid chalk mark: \(v.problem ?? "validation failed")") }
        return v.valid
    }

    private func delete(_ path: String, out: inout ArtifactOutcome) throws(MarkingError) {
        var unused: BackgroundHash?
        guard let (input, codec, scan) = try claim(path, .delete, out: &out, currentHash: &unused) else { return }
        guard let mark = scan.mark, !Self.isPlaceholder(mark) else { out.unmarked.append(path); return }
        if mark["$CHALK_IMPLEMENTATION_NAME"] != nil {
            throw MarkingError(.unsupported, path: path, "refusing to delete the mark of a chalk binary")
        }
        let rendered = try codec.render(input, scan: scan, mark: nil)
        try ArtifactFiles.writeAtomically(path, bytes: rendered, mode: input.mode)
        out.chalks.append(reportItem(mark, path: path, scan: scan, currentHash: SHA256.hexDigest(rendered)))
        out.log(.info, "\(path): mark removed")
    }
}

/// What processing one artifact produced, kept until it is merged into the run in order.
struct ArtifactOutcome: Sendable {
    var chalks: [ChalkObject] = []
    var unmarked: [String] = []
    /// Log lines (already filtered by level), emitted by the merge.
    var logs: [(LogLevel, String)] = []
    /// `--virtual`: the line to append to virtual-chalk.json; `logsAfterVirtualWrite` are
    /// emitted only once it was written.
    var virtualLine: [UInt8]?
    var logsAfterVirtualWrite: [(LogLevel, String)] = []
    /// The artifact failed with this message (logged as an error, listed in `_OP_ERRORS`).
    var error: String?
    /// extract: the mark did not validate (the run fails; the item is still reported).
    var invalid = false
    /// This artifact's worker holds `LargeArtifactGate` (released when the artifact is done).
    var holdsLargeArtifactGate = false

    mutating func log(_ level: LogLevel, _ message: @autoclosure () -> String) {
        if Log.shared.enabled(level) { logs.append((level, message())) }
    }

    mutating func logAfterVirtualWrite(_ level: LogLevel, _ message: @autoclosure () -> String) {
        if Log.shared.enabled(level) { logsAfterVirtualWrite.append((level, message())) }
    }
}

/// Runs `work(i)` for `0..<count` on `threads` threads (the caller's included) and hands each
/// result to `merge` on the caller's thread in index order, as soon as all earlier ones are in.
enum ParallelArtifacts {
    final class Shared: Sendable {
        let work: @Sendable (Int) -> ArtifactOutcome
        let count: Int
        /// Indices are taken in runs of `chunk`: neighbours in discovery order share a
        /// directory, and two threads renaming into one directory contend for its lock.
        let chunk: Int
        let next = Atomic<Int>(0)
        let slots: Mutex<[ArtifactOutcome?]>

        init(count: Int, threads: Int, work: @escaping @Sendable (Int) -> ArtifactOutcome) {
            self.count = count; self.work = work
            chunk = max(1, min(32, count / max(1, threads * 8)))
            slots = Mutex([ArtifactOutcome?](repeating: nil, count: count))
        }

        /// Takes runs of indices until none are left.
        func drain(afterEach: () -> Void = {}) {
            while true {
                let first = next.wrappingAdd(chunk, ordering: .relaxed).oldValue
                guard first < count else { return }
                for i in first..<min(first + chunk, count) {
                    let outcome = work(i)
                    slots.withLock { $0[i] = outcome }
                    afterEach()
                }
            }
        }

        func take(_ i: Int) -> ArtifactOutcome? {
            slots.withLock { s in
                let o = s[i]
                s[i] = nil
                return o
            }
        }
    }

    static func run(count: Int, threads: Int, _ work: @escaping @Sendable (Int) -> ArtifactOutcome,
                    merge: (ArtifactOutcome) -> Void) {
        let shared = Shared(count: count, threads: threads, work: work)
        var workers: [pthread_t] = []
        for _ in 1..<max(1, threads) {
            let box = Unmanaged.passRetained(shared).toOpaque()
            var t = pthread_t()
            let rc = pthread_create(&t, nil, { arg in
                let job = Unmanaged<Shared>.fromOpaque(arg!).takeRetainedValue()
                job.drain()
                return nil
            }, box)
            if rc == 0 { workers.append(t) } else { Unmanaged<Shared>.fromOpaque(box).release() }
        }
        var merged = 0
        func flush() {
            while merged < count, let o = shared.take(merged) {
                merge(o)
                merged += 1
            }
        }
        shared.drain(afterEach: flush)
        for t in workers { pthread_join(t, nil) }
        flush()
    }
}

/// Lets only one worker at a time hold a very large artifact in memory (up to 4 GiB each):
/// parallel workers must not multiply the peak memory of a tree of big binaries.
final class LargeArtifactGate: @unchecked Sendable {
    // @unchecked: the pthread mutex is the synchronization; it is never moved or freed.
    static let shared = LargeArtifactGate()
    /// Artifacts at least this large pass through the gate.
    static let threshold = 256 << 20

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    private init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    func enter() { pthread_mutex_lock(mutex) }
    func leave() { pthread_mutex_unlock(mutex) }
}
