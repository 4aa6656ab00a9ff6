import Marking

/// Kubernetes keys (spec/exec.md §7.6). As in Chalk, the full data comes from the variables the
/// Chalk operator injects: `CHALK_K8S_METADATA` (JSON with `cluster` and `cloud`),
/// `CHALK_K8S_POD_NAMESPACE`, `CHALK_K8S_POD_NAME`, `CHALK_K8S_CONTAINER_NAME`, and optionally
/// `CHALK_K8S_PODMANIFEST_URL` + `CHALK_K8S_PODMANIFEST_TOKEN_PATH` for the pod manifest.
///
/// Without the operator, a pod is still recognised by `KUBERNETES_SERVICE_HOST`: the namespace
/// then comes from the service-account `namespace` file and the pod name from `HOSTNAME`
/// (Kubernetes sets the hostname to the pod name). Chalk reports nothing there.
///
/// Not supported yet: `_EXEC_DEPLOYMENT_ID` (needs the mark normalization encoder).
enum Kubernetes {
    static func collect(context c: CollectionContext) -> ChalkObject {
        let env = c.environment
        func e(_ k: String) -> String { env[k] ?? "" }
        var o = ChalkObject()
        let raw = e("CHALK_K8S_METADATA"), ns = e("CHALK_K8S_POD_NAMESPACE"), pod = e("CHALK_K8S_POD_NAME")
        let container = e("CHALK_K8S_CONTAINER_NAME")
        guard !raw.isEmpty, !ns.isEmpty, !pod.isEmpty, !container.isEmpty else {
            return serviceAccountOnly(c)
        }
        o.set("_K8S_POD_NAMESPACE", ns)
        o.set("_K8S_POD_NAME", pod)
        o.set("_K8S_POD_CONTAINER_NAME", container)
        let meta: ChalkValue
        do {
            meta = try JSONReader.parse(raw)
            guard let cluster = meta.member("cluster")?.objectValue else {
                throw JSONReader.ParseError(message: "no \"cluster\" object")
            }
            o.set("_K8S_CLUSTER_ID", cluster["uid"]?.stringValue ?? "")
            o.set("_K8S_CLUSTER_NAME", cluster["name"]?.stringValue ?? "")
            o.set("_K8S_CLUSTER_ENDPOINT", cluster["endpoint"]?.stringValue ?? "")
            if let cloud = meta.member("cloud")?.objectValue { o.setIfNotEmpty("_K8S_CLUSTER_CLOUD_METADATA", .object(cloud)) }
        } catch {
            o.addFailedKeys(["_K8S_CLUSTER_ID", "_K8S_CLUSTER_NAME", "_K8S_CLUSTER_ENDPOINT", "_K8S_CLUSTER_CLOUD_METADATA"],
                            code: "K8S_METADATA_PARSE_ERROR", error: String(describing: error),
                            description: "Could not parse Kubernetes cluster metadata from CHALK_K8S_METADATA env var")
            return o
        }
        let url = e("CHALK_K8S_PODMANIFEST_URL"), tokenPath = e("CHALK_K8S_PODMANIFEST_TOKEN_PATH")
        guard !url.isEmpty, !tokenPath.isEmpty else { return o }
        let manifestKeys = ["_K8S_POD_MANIFEST", "_K8S_POD_LABELS", "_K8S_POD_ANNOTATIONS", "_K8S_CONTAINER_ENV_VAR_HASHES",
                            "_K8S_CONTAINER_VOLUME_MOUNT_HASHES", "_K8S_CONTAINER_PORTS"]
        guard c.wants("_K8S_POD_MANIFEST", "_K8S_POD_LABELS", "_K8S_POD_ANNOTATIONS", "_K8S_CONTAINER_ENV_VAR_HASHES",
                      "_K8S_CONTAINER_VOLUME_MOUNT_HASHES", "_K8S_CONTAINER_PORTS") else { return o }
        guard let token = FileIO.readText(tokenPath, limit: 65536)?.trimmed, !token.isEmpty else {
            o.addFailedKeys(manifestKeys, code: "K8S_TOKEN_ERROR", error: "Token at \(tokenPath) is empty or unreadable",
                            description: "Could not read the Chalk operator token needed to authenticate the pod manifest request")
            return o
        }
        let manifest: ChalkObject
        switch MetadataHTTP.request("GET", url, headers: ["Authorization": "Bearer " + token],
                                    timeoutMs: c.cloud.timeoutMs, retries: 2) {
        case .success(let r) where r.status == 200:
            guard let m = JSONReader.tryParse(r.text)?.objectValue, m["metadata"]?.objectValue != nil else {
                o.addFailedKeys(manifestKeys, code: "K8S_POD_MANIFEST_ERROR", error: "pod manifest is not a JSON object with metadata",
                                description: "Could not fetch the pod manifest")
                return o
            }
            manifest = m
        case .success(let r):
            o.addFailedKeys(manifestKeys, code: "K8S_POD_MANIFEST_ERROR", error: "HTTP \(r.status) from \(url)",
                            description: "Could not fetch the pod manifest")
            return o
        case .failure(let f):
            o.addFailedKeys(manifestKeys, code: "K8S_POD_MANIFEST_ERROR", error: f.message,
                            description: "Could not fetch the pod manifest")
            return o
        }
        o.setIfNotEmpty("_K8S_POD_MANIFEST", .object(manifest))
        let metadata = manifest["metadata"]?.objectValue ?? [:]
        o.setIfNotEmpty("_K8S_POD_LABELS", metadata["labels"])
        o.setIfNotEmpty("_K8S_POD_ANNOTATIONS", metadata["annotations"])
        o.merge(containerInfo(manifest: manifest, containerName: container, env: env))
        return o
    }

    /// Env var hashes, configMap/secret mount hashes and ports of our container in the spec.
    static func containerInfo(manifest: ChalkObject, containerName: String, env: [String: String]) -> ChalkObject {
        var o = ChalkObject()
        let spec = manifest["spec"]?.objectValue ?? [:]
        guard let container = spec["containers"]?.arrayValue?.compactMap(\.objectValue)
            .first(where: { $0["name"]?.stringValue == containerName }) else { return o }
        let envSpec = container["env"]?.arrayValue?.compactMap(\.objectValue) ?? []
        // Values of downward-API variables are unpredictable (node IP, ...): they are skipped,
        // and where they appear inside other values they are replaced by `$(NAME)`.
        var downward: [(String, String)] = []
        for v in envSpec where v["valueFrom"]?.member("fieldRef") != nil {
            if let name = v["name"]?.stringValue, let value = env[name], !value.isEmpty { downward.append((name, value)) }
        }
        var envHashes = ChalkObject()
        for v in envSpec {
            guard let name = v["name"]?.stringValue, v["valueFrom"]?.member("fieldRef") == nil else { continue }
            var value = env[name] ?? ""
            for (dn, dv) in downward { value = value.replacing(dv, with: "$(\(dn))") }
            envHashes[name] = .string(sha256Hex(Array(value.utf8)))
        }
        o.setIfNotEmpty("_K8S_CONTAINER_ENV_VAR_HASHES", .object(envHashes))

        var volumes: [String: ChalkObject] = [:]
        for v in spec["volumes"]?.arrayValue?.compactMap(\.objectValue) ?? [] {
            if let n = v["name"]?.stringValue { volumes[n] = v }
        }
        var mountHashes = ChalkObject()
        for m in container["volumeMounts"]?.arrayValue?.compactMap(\.objectValue) ?? [] {
            guard let vn = m["name"]?.stringValue, let mountPath = m["mountPath"]?.stringValue, let vol = volumes[vn],
                  vol["downwardAPI"] == nil, vol["projected"] == nil,
                  let source = (vol["configMap"] ?? vol["secret"])?.objectValue else { continue }
            var files: [String] = []
            if let sub = m["subPath"]?.stringValue, !sub.isEmpty {
                files = [mountPath]
            } else if let items = source["items"]?.arrayValue {
                files = items.compactMap { $0.member("path")?.stringValue }.map { FileIO.join(mountPath, $0) }
            } else {
                files = FileIO.listDirectory(mountPath).sorted().map { FileIO.join(mountPath, $0) }
                    .filter { FileIO.isRegularFile($0) }
            }
            for f in files {
                if let bytes = FileIO.readBytes(f, limit: 64 << 20) { mountHashes[f] = .string(sha256Hex(bytes)) }
            }
        }
        o.setIfNotEmpty("_K8S_CONTAINER_VOLUME_MOUNT_HASHES", .object(mountHashes))
        var ports: [ChalkValue] = []
        for p in container["ports"]?.arrayValue?.compactMap(\.objectValue) ?? [] {
            guard let port = p["containerPort"]?.intValue else { continue }
            let proto = p["protocol"]?.stringValue ?? ""
            ports.append(.string("\(port)/\(proto.isEmpty ? "TCP" : proto)"))
        }
        o.setIfNotEmpty("_K8S_CONTAINER_PORTS", .array(ports))
        return o
    }

    /// A pod without the Chalk operator: namespace and pod name only.
    static func serviceAccountOnly(_ c: CollectionContext) -> ChalkObject {
        var o = ChalkObject()
        guard !(c.environment["KUBERNETES_SERVICE_HOST"] ?? "").isEmpty else { return o }
        let nsFile = FileIO.join(c.cloud.serviceAccountDirectory, "namespace")
        o.set("_K8S_POD_NAMESPACE", FileIO.readText(nsFile, limit: 4096)?.trimmed ?? "")
        o.set("_K8S_POD_NAME", c.environment["HOSTNAME"] ?? "")
        return o
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String { Hex.encode(SHA256.digest(bytes)) }
}
