import Marking

/// Turns `docker inspect` output into chalk's `_IMAGE_*`, `_REPO_*` and container keys
/// (spec/config.md §4.10-§4.12).
enum ImageKeys {
    /// The 64 hex digits of an ID like `sha256:…`.
    static func hexID(_ id: String) -> String { id.hasPrefix("sha256:") ? String(id.dropFirst(7)) : id }

    static func strings(_ v: ChalkValue?) -> [String]? {
        guard let a = v?.arrayValue else { return nil }
        return a.compactMap(\.stringValue)
    }

    /// Splits `registry/repo` the way the `_REPO_*` dicts key them (docker.io when none).
    static func registryAndRepo(_ ref: String) -> (String, String) {
        let r = ImageReference(ref)
        return (r.registry.isEmpty ? "docker.io" : r.registry, r.name)
    }

    /// `_IMAGE_*` keys plus `_CURRENT_HASH`, `_REPO_TAGS`, `_REPO_DIGESTS` for one image.
    static func imageKeys(_ inspect: ChalkObject) -> ChalkObject {
        var o = ChalkObject()
        let id = inspect["Id"]?.stringValue ?? ""
        o.setIfNotEmpty("_CURRENT_HASH", .string(hexID(id)))
        o.setIfNotEmpty("_IMAGE_CONFIG_DIGEST", .string(id))
        let cfg = inspect["Config"]?.objectValue ?? [:]
        let plain: [(String, ChalkValue?)] = [
            ("_IMAGE_COMMENT", inspect["Comment"]), ("_IMAGE_CREATION_DATETIME", inspect["Created"]),
            ("_IMAGE_DOCKER_VERSION", inspect["DockerVersion"]), ("_IMAGE_AUTHOR", inspect["Author"]),
            ("_IMAGE_ARCHITECTURE", inspect["Architecture"]), ("_IMAGE_VARIANT", inspect["Variant"]),
            ("_IMAGE_OS", inspect["Os"]), ("_IMAGE_OS_VERSION", inspect["OsVersion"]),
            ("_IMAGE_ROOT_FS_TYPE", inspect["RootFS"]?.objectValue?["Type"]),
            ("_IMAGE_ROOT_FS_LAYERS", inspect["RootFS"]?.objectValue?["Layers"]),
            ("_IMAGE_HOSTNAME", cfg["Hostname"]), ("_IMAGE_DOMAINNAME", cfg["Domainname"]), ("_IMAGE_USER", cfg["User"]),
            ("_IMAGE_WORKINGDIR", cfg["WorkingDir"]), ("_IMAGE_STOP_SIGNAL", cfg["StopSignal"]),
            ("_IMAGE_ENV", cfg["Env"]), ("_IMAGE_CMD", cfg["Cmd"]), ("_IMAGE_ENTRYPOINT", cfg["Entrypoint"]),
            ("_IMAGE_ONBUILD", cfg["OnBuild"]), ("_IMAGE_EXPOSED_PORTS", cfg["ExposedPorts"]), ("_IMAGE_LABELS", cfg["Labels"]),
            ("_IMAGE_SIZE", inspect["Size"]),
        ]
        for (k, v) in plain { o.setIfNotEmpty(k, v) }
        if let tags = strings(inspect["RepoTags"]), !tags.isEmpty { o["_REPO_TAGS"] = .object(repoTags(tags, id: id)) }
        if let digests = strings(inspect["RepoDigests"]), !digests.isEmpty { o["_REPO_DIGESTS"] = .object(repoDigests(digests)) }
        return o
    }

    /// registry -> repo -> tag -> image ID.
    static func repoTags(_ tags: [String], id: String) -> ChalkObject {
        var out = ChalkObject()
        for t in tags {
            let ref = ImageReference(t)
            let (reg, repo) = registryAndRepo(t)
            var byRepo = out[reg]?.objectValue ?? [:]
            var byTag = byRepo[repo]?.objectValue ?? [:]
            byTag[ref.tag] = .string(id)
            byRepo[repo] = .object(byTag)
            out[reg] = .object(byRepo)
        }
        return out
    }

    /// registry -> repo -> [manifest digests].
    static func repoDigests(_ digests: [String]) -> ChalkObject {
        var out = ChalkObject()
        for d in digests {
            guard let at = d.firstIndex(of: "@") else { continue }
            let (reg, repo) = registryAndRepo(String(d[..<at]))
            var byRepo = out[reg]?.objectValue ?? [:]
            var list = byRepo[repo]?.arrayValue ?? []
            let digest = ChalkValue.string(String(d[d.index(after: at)...]))
            if !list.contains(digest) { list.append(digest) }
            byRepo[repo] = .array(list)
            out[reg] = .object(byRepo)
        }
        return out
    }

    /// Container keys (`_INSTANCE_CONTAINER_ID`, `_STATUS`, ...) for `docker extract` of a container.
    static func containerKeys(_ inspect: ChalkObject) -> ChalkObject {
        var o = ChalkObject()
        let state = inspect["State"]?.objectValue ?? [:]
        let cfg = inspect["Config"]?.objectValue ?? [:]
        o.setIfNotEmpty("_CURRENT_HASH", inspect["Id"])
        o.setIfNotEmpty("_INSTANCE_CONTAINER_ID", inspect["Id"])
        o.setIfNotEmpty("_INSTANCE_NAME", inspect["Name"])
        o.setIfNotEmpty("_INSTANCE_CREATION_DATETIME", inspect["Created"])
        o.setIfNotEmpty("_INSTANCE_IMAGE_ID", inspect["Image"])
        o.setIfNotEmpty("_INSTANCE_STATUS", state["Status"])
        o.setIfNotEmpty("_INSTANCE_PID", state["Pid"])
        o.setIfNotEmpty("_INSTANCE_ENTRYPOINT_PATH", inspect["Path"])
        o.setIfNotEmpty("_INSTANCE_ENTRYPOINT_ARGS", inspect["Args"])
        o.setIfNotEmpty("_INSTANCE_ENV", cfg["Env"])
        o.setIfNotEmpty("_INSTANCE_USER", cfg["User"])
        o.setIfNotEmpty("_INSTANCE_LABELS", cfg["Labels"])
        return o
    }
}
