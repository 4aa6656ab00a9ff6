import Marking

/// Where the run-time cloud collectors look, and how long they wait. Built from the environment:
///
/// * `CHALK_AWS_METADATA_URL`, `CHALK_GCP_METADATA_URL`, `CHALK_AZURE_METADATA_URL`: base URL of
///   each provider's instance metadata service (default `http://169.254.169.254`). Setting one
///   is an explicit request to use it, so it also counts as a sign of that cloud.
/// * `CHALK_CLOUD_METADATA_TIMEOUT_MS`: per-request timeout (default 1000 ms, Chalk's value).
///
/// `sysDirectory` and `serviceAccountDirectory` exist so tests can provide DMI files and a
/// Kubernetes service account without root-only mounts.
public struct CloudSettings: Sendable, Equatable {
    public static let defaultMetadataURL = "http://169.254.169.254"

    public var awsMetadataURL: String
    public var gcpMetadataURL: String
    public var azureMetadataURL: String
    /// Whether the user named each endpoint explicitly.
    public var awsForced: Bool
    public var gcpForced: Bool
    public var azureForced: Bool
    public var timeoutMs: Int
    /// Root of the hardware identifier files (`/sys`): `class/dmi/id/board_vendor`,
    /// `class/dmi/id/board_asset_tag`, `devices/virtual/dmi/id/product_uuid`, `hypervisor/uuid`.
    public var sysDirectory: String = "/sys"
    /// The Kubernetes service-account directory (namespace file).
    public var serviceAccountDirectory: String = "/var/run/secrets/kubernetes.io/serviceaccount"
    /// `/etc/resolv.conf` (a GCP sign together with the Cloud Run variables).
    public var resolvConf: String = "/etc/resolv.conf"

    public init(environment env: [String: String]) {
        func url(_ k: String) -> String? { env[k].flatMap { $0.isEmpty ? nil : CIBuildKeys.stripTrailing($0, "/") } }
        awsMetadataURL = url("CHALK_AWS_METADATA_URL") ?? Self.defaultMetadataURL
        gcpMetadataURL = url("CHALK_GCP_METADATA_URL") ?? Self.defaultMetadataURL
        azureMetadataURL = url("CHALK_AZURE_METADATA_URL") ?? Self.defaultMetadataURL
        awsForced = url("CHALK_AWS_METADATA_URL") != nil
        gcpForced = url("CHALK_GCP_METADATA_URL") != nil
        azureForced = url("CHALK_AZURE_METADATA_URL") != nil
        timeoutMs = env["CHALK_CLOUD_METADATA_TIMEOUT_MS"].flatMap { Int($0) }.map { max(1, min($0, 10_000)) } ?? 1000
    }
}

extension ChalkObject {
    /// Records why keys could not be collected, in Chalk's `_OP_FAILED_KEYS` shape:
    /// key → list of `{code, error, description}`.
    mutating func addFailedKeys(_ keys: [String], code: String, error: String, description: String) {
        var failed = self["_OP_FAILED_KEYS"]?.objectValue ?? ChalkObject()
        let entry: ChalkValue = .object(["code": .string(code), "error": .string(error), "description": .string(description)])
        for k in keys { failed[k] = .array((failed[k]?.arrayValue ?? []) + [entry]) }
        self["_OP_FAILED_KEYS"] = .object(failed)
    }

    /// `mergeMissing`, except that `_OP_FAILED_KEYS` dictionaries are combined.
    mutating func mergeCollected(_ other: ChalkObject) {
        for (k, v) in other.entries {
            if k == "_OP_FAILED_KEYS", let mine = self[k]?.objectValue, let theirs = v.objectValue {
                var combined = mine
                for (fk, fv) in theirs.entries {
                    combined[fk] = .array((combined[fk]?.arrayValue ?? []) + (fv.arrayValue ?? []))
                }
                self[k] = .object(combined)
            } else if !contains(k) {
                self[k] = v
            }
        }
    }
}
