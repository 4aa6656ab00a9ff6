import ChalkLog
import Marking

/// Cloud instance metadata (spec/exec.md §7.3): AWS (IMDSv2), Azure and GCP. A provider's
/// service is asked only when the host shows signs of it (DMI/hypervisor files, the Cloud Run
/// variables, or an explicit `CHALK_*_METADATA_URL`); otherwise no request is made (RULINGS 13).
/// Every request has the configured timeout, and the whole AWS walk has a total budget.
enum CloudMetadata {
    enum Provider { case aws, azure, gcp }

    static func collect(context c: CollectionContext) -> ChalkObject {
        let s = c.cloud
        let vendor = FileIO.readText(FileIO.join(s.sysDirectory, "class/dmi/id/board_vendor"), limit: 4096) ?? ""
        var o = ChalkObject()
        switch provider(context: c, vendor: vendor) {
        case .aws?: o = aws(c)
        case .azure?: o = azure(c)
        case .gcp?: o = gcp(c)
        case nil: break
        }
        // Raw content, not stripped (Chalk reports it as read).
        o.setIfNotEmpty("_OP_CLOUD_SYS_VENDOR", .string(vendor))
        return o
    }

    static func provider(context c: CollectionContext, vendor: String) -> Provider? {
        let s = c.cloud
        let v = vendor.lowercased()
        func startsEC2(_ rel: String) -> Bool {
            (FileIO.readText(FileIO.join(s.sysDirectory, rel), limit: 4096) ?? "").lowercased().hasPrefix("ec2")
        }
        if s.awsForced || startsEC2("hypervisor/uuid") || v.contains("amazon") || startsEC2("devices/virtual/dmi/id/product_uuid") {
            return .aws
        }
        if s.azureForced || v.contains("microsoft") { return .azure }
        if s.gcpForced || v.contains("google") { return .gcp }
        let env = c.environment
        if !(env["K_SERVICE"] ?? "").isEmpty, !(env["CLOUD_RUN_TIMEOUT_SECONDS"] ?? "").isEmpty {
            let resolv = FileIO.readText(s.resolvConf, limit: 65536) ?? ""
            let googleInternal = resolv.split(separator: "\n").contains {
                !$0.hasPrefix("#") && !$0.hasPrefix(";") && $0.contains("google.internal")
            }
            if googleInternal { return .gcp }
        }
        return nil
    }

    // MARK: AWS

    /// Key → IMDS path under `/latest/`, and how the body is turned into a value.
    enum Shape { case text, list, json, jsonField(String), tags }
    static let awsKeys: [(String, String, Shape)] = [
        ("_AWS_INSTANCE_IDENTITY_DOCUMENT", "dynamic/instance-identity/document", .json),
        ("_OP_CLOUD_PROVIDER_ACCOUNT_INFO", "dynamic/instance-identity/document", .jsonField("accountId")),
        ("_OP_CLOUD_PROVIDER_INSTANCE_TYPE", "dynamic/instance-identity/document", .jsonField("instanceType")),
        ("_AWS_INSTANCE_IDENTITY_PKCS7", "dynamic/instance-identity/pkcs7", .text),
        ("_AWS_INSTANCE_IDENTITY_SIGNATURE", "dynamic/instance-identity/signature", .text),
        ("_AWS_INSTANCE_MONITORING", "dynamic/fws/instance-monitoring", .text),
        ("_AWS_AMI_ID", "meta-data/ami-id", .text),
        ("_AWS_AMI_LAUNCH_INDEX", "meta-data/ami-launch-index", .text),
        ("_AWS_AMI_MANIFEST_PATH", "meta-data/ami-manifest-path", .text),
        ("_AWS_ANCESTOR_AMI_IDS", "meta-data/ancestor-ami-ids", .text),
        ("_AWS_AUTOSCALING_TARGET_LIFECYCLE_STATE", "meta-data/autoscaling/target-lifecycle-state", .text),
        ("_AWS_AZ", "meta-data/placement/availability-zone", .text),
        ("_AWS_AZ_ID", "meta-data/placement/availability-zone-id", .text),
        ("_AWS_BLOCK_DEVICE_MAPPING_AMI", "meta-data/block-device-mapping/ami", .text),
        ("_AWS_BLOCK_DEVICE_MAPPING_ROOT", "meta-data/block-device-mapping/root", .text),
        ("_AWS_BLOCK_DEVICE_MAPPING_SWAP", "meta-data/block-device-mapping/swap", .text),
        ("_AWS_DEDICATED_HOST_ID", "meta-data/placement/host-id", .text),
        ("_AWS_HOSTNAME", "meta-data/hostname", .text),
        ("_AWS_INSTANCE_ACTION", "meta-data/instance-action", .text),
        ("_AWS_INSTANCE_ID", "meta-data/instance-id", .text),
        ("_AWS_INSTANCE_LIFE_CYCLE", "meta-data/instance-life-cycle", .text),
        ("_AWS_INSTANCE_TYPE", "meta-data/instance-type", .text),
        ("_AWS_IPV6_ADDR", "meta-data/ipv6", .text),
        ("_AWS_KERNEL_ID", "meta-data/kernel-id", .text),
        ("_AWS_LOCAL_HOSTNAME", "meta-data/local-hostname", .text),
        ("_AWS_LOCAL_IPV4_ADDR", "meta-data/local-ipv4", .text),
        ("_AWS_MAC", "meta-data/mac", .text),
        ("_AWS_METRICS_VHOSTMD", "meta-data/metrics/vhostmd", .text),
        ("_AWS_OPENSSH_PUBKEY", "meta-data/public-keys/0/openssh-key", .text),
        ("_AWS_PARTITION_NAME", "meta-data/services/partition", .text),
        ("_AWS_PARTITION_NUMBER", "meta-data/placement/partition-number", .text),
        ("_AWS_PLACEMENT_GROUP", "meta-data/placement/group-name", .text),
        ("_AWS_PRODUCT_CODES", "meta-data/product-codes", .text),
        ("_AWS_PUBLIC_HOSTNAME", "meta-data/public-hostname", .text),
        ("_AWS_PUBLIC_IPV4_ADDR", "meta-data/public-ipv4", .text),
        ("_OP_CLOUD_PROVIDER_IP", "meta-data/public-ipv4", .text),
        ("_AWS_RAMDISK_ID", "meta-data/ramdisk-id", .text),
        ("_AWS_REGION", "meta-data/placement/region", .text),
        ("_OP_CLOUD_PROVIDER_REGION", "meta-data/placement/region", .text),
        ("_AWS_RESERVATION_ID", "meta-data/reservation-id", .text),
        ("_AWS_RESOURCE_DOMAIN", "meta-data/services/domain", .text),
        ("_AWS_SPOT_INSTANCE_ACTION", "meta-data/spot/instance-action", .text),
        ("_AWS_SPOT_TERMINATION_TIME", "meta-data/spot/termination-time", .text),
        ("_AWS_SECURITY_GROUPS", "meta-data/security-groups", .list),
        ("_AWS_EVENTS_MAINTENANCE_HISTORY", "meta-data/events/maintenance/history", .json),
        ("_AWS_EVENTS_MAINTENANCE_SCHEDULED", "meta-data/events/maintenance/scheduled", .json),
        ("_AWS_EVENTS_RECOMMENDATIONS_REBALANCE", "meta-data/events/recommendations/rebalance", .json),
        ("_AWS_IAM_INFO", "meta-data/iam/info", .json),
        ("_AWS_IDENTITY_CREDENTIALS_EC2_INFO", "meta-data/identity-credentials/ec2/info", .json),
        ("_AWS_IDENTITY_CREDENTIALS_EC2_SECURITY_CREDENTIALS_EC2_INSTANCE",
         "meta-data/identity-credentials/ec2/security-credentials/ec2-instance", .json),
        ("_AWS_TAGS", "meta-data/tags/instance", .tags),
        ("_OP_CLOUD_PROVIDER_TAGS", "meta-data/tags/instance", .tags),
    ]

    /// Total time the AWS walk may take, whatever the per-request timeouts add up to.
    static let awsBudgetMs: Int64 = 8000

    static func aws(_ c: CollectionContext) -> ChalkObject {
        var o = ChalkObject()
        o["_OP_CLOUD_PROVIDER"] = "aws"
        let env = c.environment
        if !(env["ECS_CONTAINER_METADATA_URI"] ?? "").isEmpty || !(env["ECS_CONTAINER_METADATA_URI_V4"] ?? "").isEmpty {
            o["_OP_CLOUD_PROVIDER_SERVICE_TYPE"] = "aws_ecs"
        } else if !(env["KUBERNETES_PORT"] ?? "").isEmpty || !(env["KUBERNETES_SERVICE_HOST"] ?? "").isEmpty {
            o["_OP_CLOUD_PROVIDER_SERVICE_TYPE"] = "aws_eks"
        } else {
            o["_OP_CLOUD_PROVIDER_SERVICE_TYPE"] = "aws_ec2"
        }
        let asset = FileIO.readText(FileIO.join(c.cloud.sysDirectory, "class/dmi/id/board_asset_tag"), limit: 4096)?.trimmed ?? ""
        if asset.lowercased().hasPrefix("i-") { o["_AWS_INSTANCE_ID"] = .string(asset) }
        let wanted = awsKeys.filter { c.wants($0.0) }
        guard !wanted.isEmpty || c.wants("_AWS_VPC_ID", "_AWS_SUBNET_ID", "_AWS_INTERFACE_ID", "_AWS_SECURITY_GROUP_IDS") else { return o }

        let base = c.cloud.awsMetadataURL + "/latest/"
        let timeout = c.cloud.timeoutMs
        let token: String
        switch MetadataHTTP.request("PUT", base + "api/token", headers: ["X-aws-ec2-metadata-token-ttl-seconds": "10"],
                                    timeoutMs: timeout, retries: 1) {
        case .success(let r) where r.ok && !r.text.trimmed.isEmpty:
            token = r.text.trimmed
        case .success(let r):
            let (code, desc) = r.status == 403
                ? ("IMDS_DISABLED", "IMDSv2 returned 403 Forbidden which implies IMDS metadata is disabled.")
                : ("IMDS_UNKNOWN", "Chalk could not communicate with IMDSv2.")
            o.addFailedKeys(["_OP_CLOUD_METADATA"], code: code, error: "HTTP \(r.status) from \(base)api/token", description: desc)
            return o
        case .failure(let f):
            let code = f.timedOut ? "IMDS_HOP_LIMIT" : "IMDS_UNKNOWN"
            o.addFailedKeys(["_OP_CLOUD_METADATA"], code: code, error: f.message,
                            description: f.timedOut ? "IMDSv2 did not answer in time (in a container the IMDS hop limit must be at least 2)."
                                                    : "Chalk could not communicate with IMDSv2.")
            return o
        }
        let headers = ["X-aws-ec2-metadata-token": token]
        let deadline = SystemFacts.monotonicMilliseconds() + awsBudgetMs
        var cache: [String: String?] = [:]
        // GET one path (404 or an error = absent); each path at most once per report.
        func get(_ path: String) -> String? {
            if let hit = cache[path] { return hit }
            var body: String? = nil
            if SystemFacts.monotonicMilliseconds() < deadline {
                switch MetadataHTTP.request("GET", base + path, headers: headers, timeoutMs: timeout, retries: 2) {
                case .success(let r) where r.ok: body = r.text.trimmed
                case .success(let r) where r.status == 404: body = nil
                case .success(let r): Log.trace("cloud metadata: \(base + path): HTTP \(r.status)")
                case .failure(let f): Log.trace("cloud metadata: \(f.message)")
                }
            }
            cache[path] = .some(body)
            return body
        }
        for (key, path, shape) in wanted {
            if o.contains(key) { continue }
            guard let body = get(path), !body.isEmpty else { continue }
            switch shape {
            case .text: o[key] = .string(body)
            case .list: o.setIfNotEmpty(key, .array(body.split(separator: "\n").map { .string(String($0)) }))
            case .json:
                guard var v = JSONReader.tryParse(body) else { continue }
                if key.hasSuffix("SECURITY_CREDENTIALS_EC2_INSTANCE"), var obj = v.objectValue {
                    obj["SecretAccessKey"] = .string("<<redacted>>")
                    obj["Token"] = .string("<<redacted>>")
                    v = .object(obj)
                }
                o.setIfNotEmpty(key, v)
            case .jsonField(let f):
                o.setIfNotEmpty(key, JSONReader.tryParse(body)?.member(f)?.stringValue.map { .string($0) })
            case .tags:
                var tags = ChalkObject()
                for name in body.split(separator: "\n").map(String.init) where !name.isEmpty {
                    if let v = get(path + "/" + name), !v.isEmpty { tags[name] = .string(v) }
                }
                o.setIfNotEmpty(key, .object(tags))
            }
        }
        if let mac = o["_AWS_MAC"]?.stringValue, !mac.contains("/") {
            let m = "meta-data/network/interfaces/macs/\(mac)/"
            if c.wants("_AWS_VPC_ID") { o.setIfNotEmpty("_AWS_VPC_ID", get(m + "vpc-id").map { .string($0) }) }
            if c.wants("_AWS_SUBNET_ID") { o.setIfNotEmpty("_AWS_SUBNET_ID", get(m + "subnet-id").map { .string($0) }) }
            if c.wants("_AWS_INTERFACE_ID") { o.setIfNotEmpty("_AWS_INTERFACE_ID", get(m + "interface-id").map { .string($0) }) }
            if c.wants("_AWS_SECURITY_GROUP_IDS"), let ids = get(m + "security-group-ids") {
                o.setIfNotEmpty("_AWS_SECURITY_GROUP_IDS", .array(ids.split(separator: "\n").map { .string(String($0)) }))
            }
        }
        if SystemFacts.monotonicMilliseconds() >= deadline {
            o.addFailedKeys(["_OP_CLOUD_METADATA"], code: "IMDS_TIMEOUT", error: "gave up after \(awsBudgetMs) ms",
                            description: "IMDSv2 answered too slowly; some keys were not collected.")
        }
        return o
    }

    // MARK: Azure

    static func azure(_ c: CollectionContext) -> ChalkObject {
        var o = ChalkObject()
        o["_OP_CLOUD_PROVIDER"] = "azure"
        guard c.wants("_AZURE_INSTANCE_METADATA", "_OP_CLOUD_PROVIDER_IP", "_OP_CLOUD_PROVIDER_REGION", "_OP_CLOUD_PROVIDER_TAGS",
                      "_OP_CLOUD_PROVIDER_ACCOUNT_INFO", "_OP_CLOUD_PROVIDER_INSTANCE_TYPE") else { return o }
        let url = c.cloud.azureMetadataURL + "/metadata/instance?api-version=2021-02-01"
        guard let doc = strictJSON(url, headers: ["Metadata": "true"], c, &o, errorCode: "AZURE_IMDS_ERROR",
                                   parseCode: "AZURE_IMDS_PARSE_ERROR", failedKey: "_OP_CLOUD_METADATA") else { return o }
        o.setIfNotEmpty("_AZURE_INSTANCE_METADATA", doc)
        outer: for iface in doc.member("network")?.member("interface")?.arrayValue ?? [] {
            for addr in iface.member("ipv4")?.member("ipAddress")?.arrayValue ?? [] {
                if let ip = addr.member("publicIpAddress")?.stringValue, !ip.isEmpty {
                    o["_OP_CLOUD_PROVIDER_IP"] = .string(ip); break outer
                }
            }
        }
        let compute = doc.member("compute")
        o.setIfNotEmpty("_OP_CLOUD_PROVIDER_TAGS", compute?.member("tagsList"))
        o.setIfNotEmpty("_OP_CLOUD_PROVIDER_ACCOUNT_INFO", compute?.member("subscriptionId"))
        o.setIfNotEmpty("_OP_CLOUD_PROVIDER_REGION", compute?.member("location"))
        o.setIfNotEmpty("_OP_CLOUD_PROVIDER_INSTANCE_TYPE", compute?.member("vmSize"))
        return o
    }

    // MARK: GCP

    static func gcp(_ c: CollectionContext) -> ChalkObject {
        var o = ChalkObject()
        o["_OP_CLOUD_PROVIDER"] = "gcp"
        if !(c.environment["K_SERVICE"] ?? "").isEmpty, !(c.environment["CLOUD_RUN_TIMEOUT_SECONDS"] ?? "").isEmpty {
            o["_OP_CLOUD_PROVIDER_SERVICE_TYPE"] = "gcp_cloud_run_service"
        }
        guard c.wants("_GCP_INSTANCE_METADATA", "_GCP_PROJECT_METADATA", "_OP_CLOUD_PROVIDER_IP", "_OP_CLOUD_PROVIDER_REGION",
                      "_OP_CLOUD_PROVIDER_TAGS", "_OP_CLOUD_PROVIDER_ACCOUNT_INFO", "_OP_CLOUD_PROVIDER_INSTANCE_TYPE") else { return o }
        let base = c.cloud.gcpMetadataURL + "/computeMetadata/v1/"
        let headers = ["Metadata-Flavor": "Google"]
        if c.wants("_GCP_PROJECT_METADATA"),
           let project = strictJSON(base + "project/?recursive=true", headers: headers, c, &o, errorCode: "GCP_PROJECT_METADATA_ERROR",
                                    parseCode: "GCP_PROJECT_METADATA_ERROR", failedKey: "_GCP_PROJECT_METADATA") {
            o.setIfNotEmpty("_GCP_PROJECT_METADATA", project)
        }
        guard let doc = strictJSON(base + "instance/?recursive=true", headers: headers, c, &o, errorCode: "GCP_IMDS_ERROR",
                                   parseCode: "GCP_IMDS_PARSE_ERROR", failedKey: "_OP_CLOUD_METADATA") else { return o }
        outer: for iface in doc.member("networkInterfaces")?.arrayValue ?? [] {
            for cfg in iface.member("accessConfigs")?.arrayValue ?? [] {
                if let ip = cfg.member("externalIp")?.stringValue, !ip.isEmpty { o["_OP_CLOUD_PROVIDER_IP"] = .string(ip); break outer }
            }
        }
        o.setIfNotEmpty("_GCP_INSTANCE_METADATA", doc)
        o.setIfNotEmpty("_OP_CLOUD_PROVIDER_TAGS", doc.member("tags"))
        o.setIfNotEmpty("_OP_CLOUD_PROVIDER_ACCOUNT_INFO", doc.member("serviceAccounts"))
        if let zone = doc.member("zone")?.stringValue, let last = zone.split(separator: "/").last {
            o["_OP_CLOUD_PROVIDER_REGION"] = .string(String(last))
        }
        if let mt = doc.member("machineType")?.stringValue, let last = mt.split(separator: "/").last {
            o["_OP_CLOUD_PROVIDER_INSTANCE_TYPE"] = .string(String(last))
        }
        return o
    }

    /// GET with a strict 2xx check and a JSON object body; failures go to `_OP_FAILED_KEYS`.
    static func strictJSON(_ url: String, headers: [String: String], _ c: CollectionContext, _ o: inout ChalkObject,
                           errorCode: String, parseCode: String, failedKey: String) -> ChalkValue? {
        switch MetadataHTTP.request("GET", url, headers: headers, timeoutMs: c.cloud.timeoutMs, retries: 2) {
        case .success(let r) where r.ok:
            if let v = JSONReader.tryParse(r.text), v.objectValue != nil { return v }
            o.addFailedKeys([failedKey], code: parseCode, error: "\(url) did not return a JSON object",
                            description: "The metadata service returned invalid JSON")
        case .success(let r):
            o.addFailedKeys([failedKey], code: errorCode, error: "HTTP \(r.status) from \(url)",
                            description: "The metadata service was unreachable or returned a non-2xx response")
        case .failure(let f):
            o.addFailedKeys([failedKey], code: errorCode, error: f.message,
                            description: "The metadata service was unreachable or returned a non-2xx response")
        }
        return nil
    }
}
