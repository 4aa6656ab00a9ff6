/// One artifact of a report (`_CHALKS` item) that names a build by its METADATA_ID.
public struct BuildLink: Sendable, Equatable {
    public var metadataID: String
    public var chalkID: String?
    public var artifactType: String?
    public var repo: String?
    public var commit: String?
    public var branch: String?
    /// Image names the build answers to: every `DOCKER_TAGS` entry and every `_REPO_DIGESTS`
    /// digest (bare, `sha256:`-prefixed and as `registry/repo@digest`).
    public var images: [String]
    /// The `_CHALKS` item itself, canonical JSON.
    public var mark: String
    /// For insert and build reports only: the item merged with the report's other top-level keys,
    /// canonical JSON. This is what the reference server returns from `/chalks`.
    public var chalkRecord: String?
}

/// Where an exec report says a build runs.
public struct RuntimePlace: Sendable, Hashable {
    public var host: String?
    public var container: String?
    public var pod: String?
    public var function: String?

    public init(host: String?, container: String?, pod: String?, function: String?) {
        self.host = host
        self.container = container
        self.pod = pod
        self.function = function
    }
}

/// A validated report, reduced to what the storage needs: identity, canonical text, the
/// fields the queries filter on and the builds it links to.
public struct PreparedReport: Sendable {
    /// SHA-256 (hex) of `canonical`.
    public var identity: String
    /// `_OPERATION`, lower-cased (as the reference server stores it).
    public var operation: String
    public var canonical: String
    public var execID: String?
    public var place: RuntimePlace
    /// Top-level `_EXEC_REPORTING_PROBABILITY` (percent), when present and valid.
    public var probability: Double?
    public var builds: [BuildLink]

    /// Validates one array item. Throws a message for the quarantine when it is not a report.
    public init(_ value: JSONValue) throws(ReportRejection) {
        guard case let .object(members) = value else { throw ReportRejection("not a JSON object") }
        guard let opValue = value["_OPERATION"] else { throw ReportRejection("no _OPERATION key") }
        guard let op = opValue.stringValue, !op.isEmpty else {
            throw ReportRejection("_OPERATION is not a non-empty string")
        }
        let canonicalBytes = CanonicalJSON.bytes(value)
        identity = sha256Hex(canonicalBytes)
        canonical = String(decoding: canonicalBytes, as: UTF8.self)
        operation = op.lowercased()
        execID = value["_EXEC_ID"]?.scalarText
        let env = value["_ENV"]
        place = RuntimePlace(
            host: value["_OP_HOSTNAME"]?.scalarText,
            container: value["_INSTANCE_CONTAINER_ID"]?.scalarText,
            pod: value["_K8S_POD_NAME"]?.scalarText ?? env?["CHALK_K8S_POD_NAME"]?.scalarText,
            function: env?["AWS_LAMBDA_FUNCTION_NAME"]?.scalarText)
        if let p = value["_EXEC_REPORTING_PROBABILITY"]?.doubleValue, p > 0, p <= 100 {
            probability = p
        } else {
            probability = nil
        }

        var links: [BuildLink] = []
        let makesChalks = operation == "insert" || operation == "build"
        let reportKeys = members.filter { $0.key != "_CHALKS" }
        for item in value["_CHALKS"]?.arrayValue ?? [] {
            guard case let .object(itemMembers) = item,
                  let metadataID = item["METADATA_ID"]?.stringValue, !metadataID.isEmpty else { continue }
            if links.contains(where: { $0.metadataID == metadataID }) { continue }
            var record: String?
            if makesChalks, item["CHALK_ID"] != nil {
                // The reference server merges `{**item, **report_without_CHALKS}`: report keys win.
                var merged = itemMembers.filter { m in !reportKeys.contains { $0.key == m.key } }
                merged.append(contentsOf: reportKeys)
                record = CanonicalJSON.text(.object(merged))
            }
            links.append(BuildLink(
                metadataID: metadataID,
                chalkID: item["CHALK_ID"]?.scalarText,
                artifactType: item["ARTIFACT_TYPE"]?.scalarText ?? item["_OP_ARTIFACT_TYPE"]?.scalarText,
                repo: item["ORIGIN_URI"]?.scalarText,
                commit: item["COMMIT_ID"]?.scalarText,
                branch: item["BRANCH"]?.scalarText,
                images: PreparedReport.images(item: item, report: value),
                mark: CanonicalJSON.text(item),
                chalkRecord: record))
        }
        builds = links
    }

    static func images(item: JSONValue, report: JSONValue) -> [String] {
        var out: [String] = []
        func add(_ s: String) { if !s.isEmpty, !out.contains(s) { out.append(s) } }
        for source in [item, report] {
            for tag in source["DOCKER_TAGS"]?.arrayValue ?? [] { if let t = tag.stringValue { add(t) } }
            guard case let .object(registries)? = source["_REPO_DIGESTS"] else { continue }
            for (registry, repos) in registries {
                guard case let .object(repoMembers) = repos else { continue }
                for (repo, digests) in repoMembers {
                    let list = digests.arrayValue ?? (digests.stringValue.map { [.string($0)] } ?? [])
                    for d in list {
                        guard let digest = d.stringValue else { continue }
                        let full = digest.hasPrefix("sha256:") ? digest : "sha256:" + digest
                        add(digest)
                        add(full)
                        add("\(registry)/\(repo)@\(full)")
                    }
                }
            }
        }
        return out
    }
}

/// Why an array item is not a report; goes to the quarantine and the answer's `rejected` list.
public struct ReportRejection: Error, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// An array item that was not a report, kept in the quarantine.
public struct RejectedItem: Sendable {
    public var index: Int
    public var error: String
    /// The item's canonical JSON.
    public var item: String
}
