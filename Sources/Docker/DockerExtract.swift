import Marking
import Config
import Reporting
import ChalkLog

/// Reading `/chalk.json` out of images and containers without running them (issue 7 §7).
struct DockerExtractor {
    let ctx: DockerContext
    init(_ ctx: DockerContext) { self.ctx = ctx }

    struct Found { var mark: ChalkObject?; var errors: [String] = [] }

    /// The mark of an image, via `docker create` (the entry point never runs) and `docker cp`.
    /// Only tried when the image history has a step that copied `/chalk.json`. With
    /// `removeInBackground` the temporary container is removed without waiting (a build reading
    /// its base image's mark doesn't make the user wait for that).
    func markOfImage(_ ref: String, inspect: ChalkObject, removeInBackground: Bool = false) -> Found {
        let id = inspect["Id"]?.stringValue ?? ref
        let hist = ctx.docker(["history", "--no-trunc", "--format", "{{.CreatedBy}}", id])
        guard hist.status == 0, hist.stdoutText.contains("/chalk.json") else { return Found(mark: nil) }
        let created = ctx.docker(["create", "--entrypoint", "/chalk-extract-never-runs", id])
        let cid = created.stdoutText.trimmed
        guard created.status == 0, !cid.isEmpty else {
            return Found(mark: nil, errors: ["\(ref): docker create failed: \(lastLine(created.stderrText))"])
        }
        defer { if removeInBackground { ctx.dockerDetached(["rm", "-f", cid]) } else { _ = ctx.docker(["rm", "-f", cid]) } }
        return copyMark(ref, from: cid)
    }

    /// The mark of a container (running or not), via `docker cp`.
    func copyMark(_ ref: String, from container: String) -> Found {
        let cp = ctx.docker(["cp", container + ":/chalk.json", "-"])
        guard cp.status == 0 else { return Found(mark: nil) }  // no /chalk.json: unmarked
        guard let data = TarReader.firstFile(cp.stdout) else {
            return Found(mark: nil, errors: ["\(ref): /chalk.json: cannot read docker cp output"])
        }
        guard let obj = DockerWiring.parseMark(data) else {
            return Found(mark: nil, errors: ["\(ref): /chalk.json is not a valid JSON object"])
        }
        guard obj["MAGIC"]?.stringValue == "dadfedabbadabbed" else {
            return Found(mark: nil, errors: ["\(ref): /chalk.json has no chalk MAGIC"])
        }
        return Found(mark: obj)
    }

    /// Extract items for references and the words `images`, `containers`, `all`.
    func collect(_ targets: [String]) -> (chalks: [ChalkObject], unmarked: [String], errors: [String]) {
        var chalks: [ChalkObject] = [], unmarked: [String] = [], errors: [String] = []
        var refs: [(String, String)] = []  // (reference, type)
        for t in targets {
            switch t {
            case "images": refs += listImages().map { ($0, "image") }
            case "containers": refs += listContainers().map { ($0, "container") }
            case "all": refs += listImages().map { ($0, "image") } + listContainers().map { ($0, "container") }
            default: refs.append((t, ""))
            }
        }
        for (ref, type) in refs {
            if type != "container", let insp = ctx.inspect(ref, type: "image") {
                let f = markOfImage(ref, inspect: insp)
                errors += f.errors
                guard let mark = f.mark else { unmarked.append(ref); continue }
                var item = itemFor(mark, errors: &errors, ref: ref)
                item["_OP_ARTIFACT_TYPE"] = "Docker Image"
                item.merge(ImageKeys.imageKeys(insp))
                chalks.append(item)
            } else if type != "image", let insp = ctx.inspect(ref, type: "container") {
                let f = copyMark(ref, from: insp["Id"]?.stringValue ?? ref)
                errors += f.errors
                guard let mark = f.mark else { unmarked.append(ref); continue }
                var item = itemFor(mark, errors: &errors, ref: ref)
                item["_OP_ARTIFACT_TYPE"] = "Docker Container"
                item.merge(ImageKeys.containerKeys(insp))
                chalks.append(item)
            } else {
                errors.append("\(ref): no such docker image or container")
            }
        }
        return (chalks, unmarked, errors)
    }

    private func itemFor(_ mark: ChalkObject, errors: inout [String], ref: String) -> ChalkObject {
        var item = mark
        let (ok, normalization, problem) = DockerWiring.validate(mark)
        item["_OP_ARTIFACT_PATH"] = .string(ref)
        item["_VALIDATED_METADATA"] = .bool(ok)
        if ok, let normalization { item["_VALIDATED_NORMALIZATION"] = .string(normalization) }
        if !ok { errors.append("\(ref): the mark does not validate: \(problem ?? "unknown reason")") }
        return item
    }

    func listImages() -> [String] {
        let r = ctx.docker(["images", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"])
        var seen = Set<String>(), out: [String] = []
        for line in r.stdoutText.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard let id = parts.first else { continue }
            let ref = parts.count > 1 && !parts[1].contains("<none>") ? parts[1] : id
            if seen.insert(ref).inserted { out.append(ref) }
        }
        return out
    }

    func listContainers() -> [String] {
        ctx.docker(["ps", "--no-trunc", "--format", "{{.ID}}"]).stdoutText.split(separator: "\n").map { String($0).trimmed }
    }
}

/// The first regular file's bytes in a tar stream (what `docker cp … -` writes).
enum TarReader {
    static func firstFile(_ b: [UInt8]) -> [UInt8]? {
        var off = 0
        while off + 512 <= b.count {
            let header = b[off..<off + 512]
            if header.allSatisfy({ $0 == 0 }) { return nil }
            let sizeField = String(decoding: b[off + 124..<off + 136].prefix { $0 != 0 && $0 != 0x20 }, as: UTF8.self)
            guard let size = Int(sizeField, radix: 8) else { return nil }
            let type = b[off + 156]
            let start = off + 512
            guard start + size <= b.count else { return nil }
            if type == UInt8(ascii: "0") || type == 0 { return Array(b[start..<start + size]) }
            off = start + (size + 511) / 512 * 512
        }
        return nil
    }
}

/// `chalk extract` of docker images and containers; the lead wires it into the extract command.
public enum DockerExtract {
    /// True when `target` is one of the words `images`, `containers` or `all`.
    public static func isDockerWord(_ target: String) -> Bool { ["images", "containers", "all"].contains(target) }

    /// Extracts marks from docker images/containers named in `targets` (references as given, or
    /// `images`, `containers`, `all`) and returns the `extract` run to publish: `_CHALKS` items
    /// with `_OP_ARTIFACT_TYPE` "Docker Image"/"Docker Container", `_CURRENT_HASH`,
    /// `_OP_ARTIFACT_PATH` and `_VALIDATED_METADATA`; unmarked ones in `_UNMARKED`. Returns nil
    /// when no docker is available.
    public static func collect(_ targets: [String], config: ChalkConfig, identity: ChalkIdentity) -> CollectedRun? {
        guard let docker = DockerLocator.find(configured: config.docker.dockerExe, environment: Proc.getenv(DockerLocator.guardVariable)) else {
            return nil
        }
        let ctx = DockerContext(docker: docker, globals: [], config: config, identity: identity, argv: CommandLine.arguments,
                                env: DockerLocator.childEnvironment())
        let (chalks, unmarked, errors) = DockerExtractor(ctx).collect(targets)
        return CollectedRun(operation: "extract", host: ctx.hostKeys(OperationTime.now().milliseconds), chalks: chalks, unmarked: unmarked, errors: errors)
    }

    /// `chalk extract TARGETS...` for docker targets end to end: collect and publish; exit 0
    /// (1 when there is no docker).
    public static func run(_ targets: [String], options: DockerChalkOptions, identity: ChalkIdentity) -> Int32 {
        Log.shared.level = options.logLevel ?? .warn
        let config: ChalkConfig
        do { config = try DockerWiring.loadConfig(options) } catch {
            Log.error("cannot load the chalk configuration: \(error)")
            return 1
        }
        guard let run = collect(targets, config: config, identity: identity) else {
            Log.error("no docker found: set docker_exe in the chalk config or put the real docker on PATH")
            return 1
        }
        DockerWiring.publish(run, config: config)
        return 0
    }
}
