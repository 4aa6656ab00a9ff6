import Marking
import Config

/// The `s3` sink (spec/config.md §5.1): one SigV4-signed `PUT` per message, through libcurl's
/// `CURLOPT_AWS_SIGV4`. Object key: `<dir of path>/<unix-ms>-<26 base32 chars>[-<extra>]-<basename
/// of path>` for `uri` `s3://bucket/path`. The endpoint is the sink's `endpoint`, else
/// `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL` (path-style addressing, as AWS tools do), else
/// AWS itself (virtual-hosted). `region` defaults from `AWS_REGION`, else `us-east-1`; `uid` /
/// `secret` / `token` default from the standard AWS environment variables.
final class S3Sink: ReportSink {
    let configName: String
    let bucket: String
    let objectPath: String
    let region: String
    let endpoint: String?
    private let accessKey: String
    private let secretKey: String
    private let sessionToken: String?
    private let extra: String?
    private let timeoutMilliseconds: Int64

    /// - Parameter env: how to read the environment (the process environment; tests pass their own).
    init(config: SinkConfig, env: (String) -> String? = FileSystem.env) throws(SinkError) {
        let p = SinkParams(config: config)
        configName = config.name
        let uri = try p.required("uri")
        guard uri.hasPrefix("s3://") else {
            throw SinkError.failed("sink config '\(config.name)': uri '\(uri)' must look like s3://bucket/path")
        }
        let rest = uri.dropFirst(5)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        bucket = String(rest[..<slash])
        guard !bucket.isEmpty else {
            throw SinkError.failed("sink config '\(config.name)': uri '\(uri)' has no bucket name")
        }
        objectPath = slash < rest.endIndex ? String(rest[rest.index(after: slash)...]) : ""
        func nonEmpty(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }
        region = nonEmpty(p.string("region")) ?? nonEmpty(env("AWS_REGION")) ?? "us-east-1"
        endpoint = nonEmpty(p.string("endpoint")) ?? nonEmpty(env("AWS_ENDPOINT_URL_S3"))
            ?? nonEmpty(env("AWS_ENDPOINT_URL"))
        guard let key = nonEmpty(p.string("uid")) ?? nonEmpty(env("AWS_ACCESS_KEY_ID")),
              let secret = nonEmpty(p.string("secret")) ?? nonEmpty(env("AWS_SECRET_ACCESS_KEY")) else {
            throw SinkError.failed("sink config '\(config.name)': no AWS credentials (set uid/secret or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)")
        }
        accessKey = key
        secretKey = secret
        sessionToken = nonEmpty(p.string("token")) ?? nonEmpty(env("AWS_SESSION_TOKEN"))
        extra = nonEmpty(p.string("extra"))
        timeoutMilliseconds = (try p.size("timeout")) ?? 10_000
    }

    /// A fresh object key for one message.
    func objectKey(unixMilliseconds: Int64, random: String) -> String {
        let dir = objectPath.contains("/") ? FileSystem.dirname(objectPath) : ""
        let base = FileSystem.basename(objectPath)
        var name = "\(unixMilliseconds)-\(random)"
        if let extra { name += "-\(extra)" }
        if !base.isEmpty { name += "-\(base)" }
        return dir.isEmpty ? name : "\(dir)/\(name)"
    }

    /// The URL for an object key.
    func url(forKey key: String) -> String {
        let encoded = S3Sink.percentEncode(key)
        if let endpoint {
            let base = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
            return "\(base)/\(bucket)/\(encoded)"
        }
        return "https://\(bucket).s3.\(region).amazonaws.com/\(encoded)"
    }

    func send(_ message: String, context: SendContext) throws(SinkError) {
        if let d = context.deadline, d.hasPassed { throw SinkError.failed("report deadline passed") }
        let body = Array(message.utf8)
        let key = objectKey(unixMilliseconds: OperationTime.now().milliseconds, random: RandomBytes.base32(26))
        let target = url(forKey: key)
        var request = HTTPRequest(method: "PUT", url: target, body: body,
                                  timeoutMilliseconds: context.timeoutMilliseconds(configured: timeoutMilliseconds))
        // S3 wants bytes (a form-encoded PUT stores nothing), and curl 7.88.1 doesn't add the
        // payload hash header S3 requires, so send it ourselves; libcurl signs it
        // (STATIC-BUILD.md §2.6).
        request.headers = ["Content-Type: application/octet-stream", "x-amz-content-sha256: \(SHA256.hexDigest(body))"]
        if let sessionToken { request.headers.append("x-amz-security-token: \(sessionToken)") }
        request.awsSigV4 = "aws:amz:\(region):s3"
        request.userPassword = "\(accessKey):\(secretKey)"
        let response = try HTTPClient.perform(request)
        guard (200..<300).contains(response.status) else {
            let detail = "HTTP \(response.status) from PUT \(target)" + PostSink.snippet(response.body)
            if response.status == 413 { throw SinkError.tooLarge(bytes: body.count, detail: detail) }
            throw SinkError.failed(detail)
        }
    }

    /// Percent-encodes everything outside RFC 3986's unreserved set, keeping `/`.
    static func percentEncode(_ s: String) -> String {
        let hex = Array("0123456789ABCDEF")
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += "%"; out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)])
            }
        }
        return out
    }
}
