import Marking
import ChalkLog

/// The DOCKER_* build keys (spec/config.md §4.9). Each key is set in exactly one of these three
/// functions, by when it becomes known: before the build (command line, Dockerfile), after the
/// user's build (the built image's platform, the base images in the local store), and once
/// chalk's own step is written (what chalk added). Whatever can't be worked out is left out
/// with a trace message: nothing here can stop or fail the user's build.
extension DockerBuild {
    /// From the command line and the Dockerfile: DOCKERFILE_PATH, DOCKER_CONTEXT, DOCKER_FILE,
    /// DOCKER_TAGS, DOCKER_LABELS, DOCKER_ANNOTATIONS, DOCKER_ADDITIONAL_CONTEXTS, DOCKER_TARGET,
    /// DOCKER_BASE_IMAGE and its parts, DOCKER_COPY_IMAGES, and DOCKER_PLATFORMS when
    /// `--platform` was given.
    func dockerKeysBeforeBuild(dockerfile df: Dockerfile?, dockerfileText: String?, dockerfilePath: String) -> ChalkObject {
        var o = ChalkObject()
        o.setIfNotEmpty("DOCKERFILE_PATH", .string(dockerfilePath))
        o.setIfNotEmpty("DOCKER_CONTEXT", opts.context.map { .string($0) })
        o.setIfNotEmpty("DOCKER_FILE", dockerfileText.map { .string($0) })
        o.setIfNotEmpty("DOCKER_TAGS", .array(opts.tags.map { .string($0) }))
        o.setIfNotEmpty("DOCKER_LABELS", DockerBuild.dict(opts.labels))
        o.setIfNotEmpty("DOCKER_ANNOTATIONS", DockerBuild.dict(opts.annotations))
        o.setIfNotEmpty("DOCKER_ADDITIONAL_CONTEXTS", DockerBuild.dict(opts.additionalContexts))
        o.setIfNotEmpty("DOCKER_PLATFORMS", .array(opts.platforms.map { .string($0) }))
        guard let df, let t = df.targetIndex(opts.target) else { return o }
        // "" for an unnamed target stage (spec §4.9), so this one is set even when empty.
        o["DOCKER_TARGET"] = .string(opts.target ?? df.stages[t].name ?? "")
        if let base = df.rootReference(t, contexts: opts.additionalContexts) {
            o.merge(ImageReference(base).keys(original: base))
        }
        o.setIfNotEmpty("DOCKER_COPY_IMAGES", .object(df.copyImagesValue(contexts: opts.additionalContexts, buildArgs: opts.buildArgs)))
        return o
    }

    /// From the user's built image and the local image store: DOCKER_PLATFORM (and
    /// DOCKER_PLATFORMS when no `--platform` was given: the one platform built),
    /// DOCKER_BASE_IMAGES with each base's config digest, and for the target's base image
    /// DOCKER_BASE_IMAGE_CONFIG_DIGEST and, when it is chalk-marked, DOCKER_BASE_IMAGE_METADATA_ID
    /// and DOCKER_BASE_IMAGE_CHALK (its `/chalk.json`, read as `chalk extract IMAGE` reads it).
    /// `inspected`: `docker inspect` of the user's image and of the local base images, by
    /// reference (see `inspectAfterBuild`).
    func dockerKeysAfterBuild(dockerfile df: Dockerfile?, userImage: ChalkObject?, inspected: [String: ChalkObject]) -> ChalkObject {
        var o = ChalkObject()
        if let platform = userImage.flatMap(DockerBuild.platform) {
            o["DOCKER_PLATFORM"] = .string(platform)
            if opts.platforms.isEmpty { o["DOCKER_PLATFORMS"] = .array([.string(platform)]) }
        } else {
            Log.trace("docker: the built image's platform is unknown; no DOCKER_PLATFORM")
        }
        guard let df, let t = df.targetIndex(opts.target) else { return o }
        let contexts = opts.additionalContexts
        var digests: [String: String] = [:]
        for ref in df.externalBases(contexts: contexts) {
            guard let id = inspected[ref]?["Id"]?.stringValue, !id.isEmpty else {
                Log.trace("docker: base image \(ref) is not in the local image store; its config digest and mark are unknown")
                continue
            }
            digests[ref] = id
        }
        o.setIfNotEmpty("DOCKER_BASE_IMAGES", .object(df.baseImagesValue(contexts: contexts, configDigests: digests)))
        guard let base = df.rootReference(t, contexts: contexts), let insp = inspected[base] else { return o }
        o.setIfNotEmpty("DOCKER_BASE_IMAGE_CONFIG_DIGEST", digests[base].map { .string($0) })
        let found = DockerExtractor(ctx).markOfImage(base, inspect: insp, removeInBackground: true)
        for e in found.errors { Log.trace("docker: reading the base image's mark: \(e)") }
        guard let mark = found.mark else { return o }
        if !DockerWiring.validate(mark).0 {
            Log.warn("the base image \(base) has a chalk mark that does not validate; it is recorded as found")
        }
        o.setIfNotEmpty("DOCKER_BASE_IMAGE_METADATA_ID", mark["METADATA_ID"])
        o["DOCKER_BASE_IMAGE_CHALK"] = .object(mark)
        return o
    }

    /// `docker inspect` of the user's built image and of the Dockerfile's base images, by
    /// reference, in one docker call when all are found. Run after the user's build, so a base
    /// that the build pulled is local by then.
    func inspectAfterBuild(userImage iid: String, dockerfile df: Dockerfile?) -> [String: ChalkObject] {
        var refs = [iid]
        for b in df?.externalBases(contexts: opts.additionalContexts) ?? [] where !refs.contains(b) { refs.append(b) }
        return ctx.inspectImages(refs)
    }

    /// What chalk's own step adds: DOCKER_CHALK_ADDED_LABELS, DOCKER_CHALK_ADDED_TO_DOCKERFILE
    /// and DOCKER_FILE_CHALKED (the Dockerfile of that step).
    static func dockerKeysOfChalkStep(labels: [(String, String)], added: [String]) -> ChalkObject {
        var o = ChalkObject()
        o.setIfNotEmpty("DOCKER_CHALK_ADDED_LABELS", dict(labels))
        o.setIfNotEmpty("DOCKER_CHALK_ADDED_TO_DOCKERFILE", .array(added.map { .string($0) }))
        o.setIfNotEmpty("DOCKER_FILE_CHALKED", .string(added.joined(separator: "\n") + "\n"))
        return o
    }

    /// `os/architecture[/variant]` of an inspected image.
    static func platform(_ inspect: ChalkObject) -> String? {
        guard let os = inspect["Os"]?.stringValue, !os.isEmpty, let arch = inspect["Architecture"]?.stringValue, !arch.isEmpty else {
            return nil
        }
        let variant = inspect["Variant"]?.stringValue ?? ""
        return os + "/" + arch + (variant.isEmpty ? "" : "/" + variant)
    }

    static func dict(_ pairs: [(String, String)]) -> ChalkValue {
        .object(ChalkObject(pairs.map { ($0.0, ChalkValue.string($0.1)) }))
    }
}

extension DockerContext {
    /// `docker inspect --type image` of several references: reference → object, for those
    /// found. One docker call when every reference exists (docker prints them in argument
    /// order); else one call per reference, to tell which is which.
    func inspectImages(_ refs: [String]) -> [String: ChalkObject] {
        guard !refs.isEmpty else { return [:] }
        let r = docker(["inspect", "--type", "image"] + refs)
        if r.status == 0, let all = DockerWiring.parseJSON(r.stdoutText)?.arrayValue, all.count == refs.count {
            var out: [String: ChalkObject] = [:]
            for (ref, v) in zip(refs, all) { if let o = v.objectValue { out[ref] = o } }
            return out
        }
        var out: [String: ChalkObject] = [:]
        for ref in refs { if let o = inspect(ref, type: "image") { out[ref] = o } }
        return out
    }
}
