import ChalkLog
import Marking

/// AWS Lambda and ECS keys (spec/exec.md §7.4). Lambda is read from its documented environment
/// variables only; ECS from the task metadata endpoint named by `ECS_CONTAINER_METADATA_URI_V4`
/// (or `ECS_CONTAINER_METADATA_URI`), asked only when that variable is set.
///
/// Not supported yet: STS `GetCallerIdentity` (AWS_ACCOUNT_ID, AWS_ROLE_ARN and the function
/// ARNs), which needs SigV4 request signing.
enum AWSServices {
    /// The Lambda variables, when `AWS_LAMBDA_FUNCTION_NAME` and `_VERSION` are both set.
    static func lambdaMetadata(_ env: [String: String]) -> ChalkObject {
        func e(_ k: String) -> String { env[k] ?? "" }
        var d = ChalkObject()
        guard !e("AWS_LAMBDA_FUNCTION_NAME").isEmpty, !e("AWS_LAMBDA_FUNCTION_VERSION").isEmpty else { return d }
        d.set("AWS_REGION", e("AWS_REGION").isEmpty ? e("AWS_DEFAULT_REGION") : e("AWS_REGION"))
        for k in ["AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                  "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_EXECUTION_ENV",
                  "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"] {
            d.set(k, e(k))
        }
        return d
    }

    static func lambda(environment env: [String: String]) -> ChalkObject {
        let d = lambdaMetadata(env)
        var o = ChalkObject()
        guard !d.isEmpty else { return o }
        o["_OP_CLOUD_METADATA"] = .object(["aws_lambda": .object(d)])
        o["_OP_CLOUD_PROVIDER"] = "aws"
        o["_OP_CLOUD_PROVIDER_SERVICE_TYPE"] = "aws_lambda"
        o.setIfNotEmpty("_OP_CLOUD_PROVIDER_REGION", d["AWS_REGION"])
        o.setIfNotEmpty("_AWS_REGION", d["AWS_REGION"])
        return o
    }

    static func ecsURL(_ env: [String: String]) -> String? {
        for k in ["ECS_CONTAINER_METADATA_URI_V4", "ECS_CONTAINER_METADATA_URI"] {
            if let v = env[k], !v.isEmpty { return CIBuildKeys.stripTrailing(v, "/") }
        }
        return nil
    }

    /// `{"container": …, "task": …, "task/stats": …}` from the ECS endpoint, plus failures.
    static func ecsMetadata(context c: CollectionContext, failedKey: String) -> (ChalkObject, ChalkObject) {
        var failures = ChalkObject()
        var d = ChalkObject()
        guard let base = ecsURL(c.environment) else { return (d, failures) }
        func get(_ path: String) -> Result<ChalkValue, MetadataHTTP.Failure> {
            switch MetadataHTTP.request("GET", base + path, timeoutMs: c.cloud.timeoutMs, retries: 2) {
            case .success(let r) where r.status == 200:
                if let v = JSONReader.tryParse(r.text) { return .success(v) }
                return .failure(.init(code: -1, message: "\(base + path) returned invalid JSON"))
            case .success(let r): return .failure(.init(code: -1, message: "\(base + path): HTTP \(r.status)"))
            case .failure(let f): return .failure(f)
            }
        }
        switch get("") {
        case .success(let v): d["container"] = v
        case .failure(let f):
            Log.trace("ecs: \(f.message)")
            failures.addFailedKeys([failedKey], code: "ECS_METADATA_ERROR", error: f.message,
                                   description: "The ECS container metadata endpoint (\(base)) was unreachable or returned invalid data")
            return (d, failures)
        }
        for (path, code) in [("/task", "ECS_TASK_METADATA_ERROR"), ("/task/stats", "ECS_TASK_STATS_METADATA_ERROR")] {
            switch get(path) {
            case .success(let v): d[String(path.dropFirst())] = v
            case .failure(let f):
                failures.addFailedKeys([failedKey], code: code, error: f.message,
                                       description: "The ECS \(path.dropFirst()) metadata endpoint (\(base)\(path)) was unreachable or returned invalid data")
            }
        }
        return (d, failures)
    }

    static func ecs(context c: CollectionContext) -> ChalkObject {
        var o = ChalkObject()
        guard ecsURL(c.environment) != nil, c.wants("_OP_CLOUD_METADATA", "_OP_CLOUD_PROVIDER", "_OP_CLOUD_PROVIDER_SERVICE_TYPE",
                                                    "_OP_CLOUD_PROVIDER_ACCOUNT_INFO", "_OP_CLOUD_PROVIDER_REGION", "_AWS_REGION")
        else { return o }
        let (d, failures) = ecsMetadata(context: c, failedKey: "_OP_CLOUD_METADATA")
        o.mergeCollected(failures)
        guard !d.isEmpty else { return o }
        o["_OP_CLOUD_METADATA"] = .object(["aws_ecs": .object(d)])
        o["_OP_CLOUD_PROVIDER"] = "aws"
        o["_OP_CLOUD_PROVIDER_SERVICE_TYPE"] = "aws_ecs"
        if let arn = d["container"]?.member("ContainerARN")?.stringValue {
            // arn:partition:service:region:account:resource
            let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
            if parts.count >= 5 {
                o.set("_OP_CLOUD_PROVIDER_ACCOUNT_INFO", String(parts[4]))
                o.set("_OP_CLOUD_PROVIDER_REGION", String(parts[3]))
                o.set("_AWS_REGION", String(parts[3]))
            }
        }
        return o
    }

    /// `CLOUD_METADATA_WHEN_CHALKED` (chalk time, inside an ECS task).
    static func ecsAtChalkTime(context c: CollectionContext) -> ChalkObject {
        var o = ChalkObject()
        guard ecsURL(c.environment) != nil, c.wants("CLOUD_METADATA_WHEN_CHALKED") else { return o }
        let (d, failures) = ecsMetadata(context: c, failedKey: "CLOUD_METADATA_WHEN_CHALKED")
        if !d.isEmpty { o["CLOUD_METADATA_WHEN_CHALKED"] = .object(["aws_ecs": .object(d)]) }
        o.mergeCollected(failures)
        return o
    }
}
