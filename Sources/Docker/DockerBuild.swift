import Marking
import Config
import Reporting
import ChalkLog

#if canImport(Glibc)
import Glibc
#endif

/// `docker build` with a mark (issue 7 §3-§5).
///
/// How the mark gets in without touching the user's context or `.dockerignore`: chalk runs the
/// user's build as they wrote it (their context, Dockerfile, `.dockerignore`, cache and output;
/// only `-t`/`--iidfile` are swapped for a temporary tag), then builds a one-step image `FROM`
/// it out of a private temp context holding `/chalk.json` (0444), and with `--wrap` `/chalk`
/// (0755) and the rewritten ENTRYPOINT/CMD, and labels via `--label`. That second build gets
/// the user's `-t`, `--iidfile` and `-q`. Reasons: no re-implementation of `.dockerignore`
/// matching (a subtle difference would silently change what users ship), stdin and remote
/// contexts of the user's own build work as before, the wrap reads the ENTRYPOINT/CMD that the
/// builder really recorded, it works on docker 20.10 with both builders (no
/// `--build-context`, no `COPY --chmod`), and a failure of chalk's step can fall back to
/// tagging the user's already-built image: "rebuild unmodified" without building twice.
struct DockerBuild {
    let ctx: DockerContext
    let cl: DockerCommandLine
    let opts: BuildOptions

    init(_ ctx: DockerContext, commandLine: DockerCommandLine) {
        self.ctx = ctx; self.cl = commandLine; self.opts = BuildOptions(commandLine.rest)
    }

    func run() -> Int32 {
        let start = OperationTime.now().milliseconds
        if let reason = opts.unmarkableReason {
            Log.warn("docker build runs without a chalk mark: \(reason)")
            return runUnmodified(start)
        }
        guard let tmp = FS.makeTempDir() else {
            Log.warn("cannot make a temporary directory; docker build runs without a chalk mark")
            return runUnmodified(start)
        }
        defer { FS.removeTree(tmp) }
        let cwd = FS.cwd()
        let contextDir = FS.normalize(FS.absolute(opts.context ?? ".", base: cwd))
        var dockerfilePath = opts.dockerfile.map { $0 == "-" ? "-" : FS.normalize(FS.absolute($0, base: cwd)) } ?? contextDir + "/Dockerfile"
        var stdinBytes: [UInt8]? = nil
        if dockerfilePath == "-" {
            stdinBytes = FS.readFile("/dev/stdin") ?? []
            dockerfilePath = "-"
        }
        let dockerfileText = stdinBytes.map { String(decoding: $0, as: UTF8.self) } ?? FS.readText(dockerfilePath)
        if dockerfileText == nil { Log.warn("cannot read the Dockerfile \(dockerfilePath); the mark has no DOCKER_FILE") }

        // The keys from the command line, the Dockerfile and the collectors need nothing from
        // the build, so they come first: the labels made from them go on the user's build, where
        // the legacy builder caches them (same commit, same labels) instead of committing a
        // LABEL step in chalk's step every time. The base images' keys come after the build.
        let df = dockerfileText.map { Dockerfile($0, buildArgs: opts.buildArgs) }
        var collected = collectKeys(start, dockerfile: df, dockerfileText: dockerfileText, dockerfilePath: dockerfilePath)
        let labels = chalkLabels(markOf(collected))

        // 1. The user's own build, as written (plus chalk's labels), into a temporary tag.
        let tmpTag = "chalk-intermediate:" + Hex.encode(randomBytes(8))
        let userIID = tmp + "/user.iid"
        let firstArgs = cl.command + ["--iidfile", userIID, "-t", tmpTag] + labels.flatMap { ["--label", $0.0 + "=" + $0.1] }
            + opts.arguments(dropping: ["-t", "--tag", "--iidfile"])
        let first = ctx.docker(firstArgs, stdout: opts.quiet ? .capture : .inherit, stderr: .inherit,
                               stdinBytes: stdinBytes, stdinNull: false)
        if first.status != 0 {
            if opts.quiet { writeAll(1, first.stdout) }
            publish(start, chalks: [], unmarked: [], errors: ["docker build failed with exit code \(first.status)"],
                    exitCode: first.status)
            return first.status
        }
        // Untagging the temporary tag doesn't need to delay the user (only the tag goes: the
        // image is the final image's parent, or, after a fall-back, carries the user's tags).
        defer { ctx.dockerDetached(["rmi", tmpTag]) }
        let iid = (FS.readText(userIID) ?? "").trimmed
        guard !iid.isEmpty else {
            Log.warn("docker build wrote no image ID; the image is not marked")
            return fallBack(iid: tmpTag, start: start, reason: "no image ID")
        }

        // 2. What the built image and its base images tell, then the mark and chalk's one-step image.
        let inspected = inspectAfterBuild(userImage: iid, dockerfile: df)
        let userImage = inspected[iid]
        collected.merge(dockerKeysAfterBuild(dockerfile: df, userImage: userImage, inspected: inspected))
        var added: [String] = ["FROM " + tmpTag, "COPY chalk.json /chalk.json"]
        let ctxDir = tmp + "/context"
        mkdir(ctxDir, 0o700)
        if ctx.config.docker.wrapEntrypoint, let lines = wrapLines(df, userImage: userImage, into: ctxDir) { added += lines }
        for (k, v) in ctx.config.docker.additionalEnvVars { added.append("ENV " + k + "=" + DockerJSONWriter.quote(v)) }
        collected.merge(DockerBuild.dockerKeysOfChalkStep(labels: labels, added: added))
        var mark = markOf(collected)
        mark["METADATA_ID"] = .string(DockerWiring.metadataID(mark))
        let markText = DockerWiring.serializeMark(mark, config: ctx.config)
        guard FS.writeFile(ctxDir + "/chalk.json", Array(markText.utf8), mode: 0o444),
              FS.writeFile(ctxDir + "/Dockerfile", Array((added.joined(separator: "\n") + "\n").utf8)) else {
            return fallBack(iid: iid, start: start, reason: "cannot write chalk's build files")
        }
        var second = cl.command + ["--iidfile", tmp + "/final.iid"]
        if opts.quiet { second.append("-q") }
        for t in opts.tags { second += ["-t", t] }
        if opts.platforms.count == 1 { second += ["--platform", opts.platforms[0]] }
        second += ["-f", ctxDir + "/Dockerfile", ctxDir]
        let built = ctx.docker(second, stdout: .capture, stderr: .capture)
        guard built.status == 0 else {
            if let sig = Proc.interruptedBy {
                // The user stopped the build: end like docker did, no repair.
                writeAll(2, built.stderr)
                publish(start, chalks: [], unmarked: [], errors: ["docker build interrupted by signal \(sig)"], exitCode: built.status)
                return built.status
            }
            Log.warn("adding the chalk mark failed (docker: \(lastLine(built.stderrText))); the image is unmarked")
            return fallBack(iid: iid, start: start, reason: "chalk's build step failed")
        }
        writeAll(1, built.stdout)
        let finalID = (FS.readText(tmp + "/final.iid") ?? "").trimmed
        if let f = opts.iidfile { FS.writeFile(FS.absolute(f, base: cwd), Array(finalID.utf8)) }

        // 3. The report: every collected key (its template filters them), the mark's
        // METADATA_ID, and the final image's run-time keys.
        var item = collected
        item["METADATA_ID"] = mark["METADATA_ID"]
        // As for insert: Chalk's server needs METADATA_HASH on every build item.
        item["METADATA_HASH"] = .string(MarkNormalization.current.metadataIdentity(mark).hash)
        item["_OP_ARTIFACT_TYPE"] = "Docker Image"
        if let insp = ctx.inspect(finalID.isEmpty ? (opts.tags.first ?? "") : finalID, type: "image") {
            item.merge(ImageKeys.imageKeys(insp))
        } else {
            item.setIfNotEmpty("_CURRENT_HASH", .string(ImageKeys.hexID(finalID)))
            item.setIfNotEmpty("_IMAGE_CONFIG_DIGEST", .string(finalID))
            Log.warn("docker inspect of the built image failed; the report has no _IMAGE_ keys")
        }
        publish(start, chalks: [item], unmarked: [], errors: [])
        return 0
    }

    /// chalk's part failed after the user's image was built: give the user exactly that image
    /// under their tags (what an unmodified build would have produced) and report it unmarked.
    private func fallBack(iid: String, start: Int64, reason: String) -> Int32 {
        var status: Int32 = 0
        for t in opts.tags {
            let r = ctx.docker(["tag", iid, t])
            if r.status != 0 { Log.error("docker tag \(t): \(lastLine(r.stderrText))"); status = r.status }
        }
        if status != 0 {
            Log.warn("running the build unmodified")
            return runUnmodified(start)
        }
        let id = iid.hasPrefix("sha256:") ? iid : (ctx.inspect(iid, type: "image")?["Id"]?.stringValue ?? iid)
        if let f = opts.iidfile { FS.writeFile(FS.absolute(f, base: FS.cwd()), Array(id.utf8)) }
        if opts.quiet { writeAll(1, Array((id + "\n").utf8)) }
        publish(start, chalks: [], unmarked: [opts.tags.first ?? id], errors: ["image not marked: \(reason)"])
        return 0
    }

    /// Runs the user's build exactly as given (plus an `--iidfile` when they set none, to name
    /// the image in the report) and reports the image as unmarked.
    private func runUnmodified(_ start: Int64) -> Int32 {
        var args = cl.command
        var iidPath = opts.iidfile.map { FS.absolute($0, base: FS.cwd()) }
        let tmp = iidPath == nil ? FS.makeTempDir() : nil
        if let tmp { iidPath = tmp + "/iid"; args += ["--iidfile", tmp + "/iid"] }
        defer { if let tmp { FS.removeTree(tmp) } }
        let r = ctx.docker(args + opts.original, stdout: .inherit, stderr: .inherit, stdinNull: false)
        let iid = iidPath.flatMap { FS.readText($0) }?.trimmed ?? ""
        let ref = opts.tags.first ?? iid
        publish(start, chalks: [], unmarked: r.status == 0 && !ref.isEmpty ? [ref] : [],
                errors: r.status == 0 ? [] : ["docker build failed with exit code \(r.status)"], exitCode: r.status)
        return r.status
    }

    private func publish(_ start: Int64, chalks: [ChalkObject], unmarked: [String], errors: [String], exitCode: Int32 = 0) {
        var host = ctx.hostKeys(start)
        host["_OP_EXIT_CODE"] = .int(Int64(exitCode))
        DockerWiring.publish(CollectedRun(operation: "build", host: host, chalks: chalks, unmarked: unmarked, errors: errors),
                             config: ctx.config)
    }
}

func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    var off = 0
    while off < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, bytes.count - off) }
        if n < 0 { if errno == EINTR { continue }; return }
        off += n
    }
}

func lastLine(_ s: String) -> String {
    s.split(separator: "\n").last(where: { !String($0).trimmed.isEmpty }).map { String($0).trimmed } ?? ""
}
