import Marking
import Config

/// The `post` sink (spec/config.md §5.1): an HTTP(S) POST of the report envelope. Any 2xx is
/// success. Up to 3 attempts (backoff 100 ms, then 200 ms) with `X-Chalk-Attempt`; a 4xx other
/// than 429 is final. 413 is reported as "too large" so the publisher can split or drop
/// (RULINGS 16). Core headers are applied after the user's, so they win.
final class PostSink: ReportSink {
    let configName: String
    let uri: String
    private let headers: [(String, String)]
    private let contentType: String
    private let timeoutMilliseconds: Int64
    private let caFile: String?
    private let allowedProtocols: String
    private let authHeader: String?
    private let chalkVersion: String

    var maxMessageBytes: Int? { SinkDefaults.maxPostBytes }

    init(config: SinkConfig, authConfigs: [String: ChalkObject], chalkVersion: String) throws(SinkError) {
        let p = SinkParams(config: config)
        configName = config.name
        uri = try p.required("uri")
        let lower = uri.lowercased()
        let disallowHTTP = p.bool("disallow_http") ?? false
        guard lower.hasPrefix("https://") || (lower.hasPrefix("http://") && !disallowHTTP) else {
            throw SinkError.failed("sink config '\(config.name)': uri '\(uri)' must be an \(disallowHTTP ? "https" : "http or https") URL")
        }
        allowedProtocols = disallowHTTP ? "https" : "http,https"
        headers = p.stringDict("headers")
        contentType = p.string("content_type").flatMap { $0.isEmpty ? nil : $0 } ?? "application/json"
        timeoutMilliseconds = (try p.size("timeout")) ?? 1000
        caFile = p.string("pinned_cert_file").flatMap { $0.isEmpty ? nil : FileSystem.expandTilde($0) }
        self.chalkVersion = chalkVersion
        if let authName = p.string("auth"), !authName.isEmpty {
            guard let auth = authConfigs[authName] else {
                throw SinkError.failed("sink config '\(config.name)': auth config '\(authName)' is not defined")
            }
            authHeader = try PostSink.authorizationHeader(auth, name: authName)
        } else {
            authHeader = nil
        }
    }

    /// `Authorization` from an `auth_config` (spec/config.md §2.7): `basic` (username,
    /// password) or `jwt` (token → Bearer).
    static func authorizationHeader(_ auth: ChalkObject, name: String) throws(SinkError) -> String {
        switch auth["auth"]?.stringValue ?? "" {
        case "basic":
            let user = auth["username"]?.stringValue ?? "", pass = auth["password"]?.stringValue ?? ""
            return "Authorization: Basic " + Base64.encode(Array("\(user):\(pass)".utf8))
        case "jwt":
            guard let token = auth["token"]?.stringValue, !token.isEmpty else {
                throw SinkError.failed("auth config '\(name)' (jwt) has no token")
            }
            return "Authorization: Bearer \(token)"
        case let other:
            throw SinkError.failed("auth config '\(name)': unknown auth type '\(other)' (expected basic or jwt)")
        }
    }

    func send(_ message: String, context: SendContext) throws(SinkError) {
        let body = Array(message.utf8)
        var lastError = SinkError.failed("not sent")
        for attempt in 1...3 {
            if let d = context.deadline, d.hasPassed {
                throw attempt == 1 ? SinkError.failed("report deadline passed before sending to \(uri)")
                    : SinkError.failed("\(lastError); report deadline reached after \(attempt - 1) attempt(s)")
            }
            var request = HTTPRequest(method: "POST", url: uri, body: body,
                                      timeoutMilliseconds: context.timeoutMilliseconds(configured: timeoutMilliseconds),
                                      caFile: caFile, allowedProtocols: allowedProtocols)
            request.headers = headers.map { "\($0.0): \($0.1)" }
            if let authHeader { request.headers.append(authHeader) }
            request.headers.append("Content-Type: \(contentType)")
            if !chalkVersion.isEmpty { request.headers.append("X-Chalk-Version: \(chalkVersion)") }
            request.headers.append("X-Chalk-Operation: \(context.operation)")
            if let id = context.actionID { request.headers.append("X-Chalk-Action-Id: \(id)") }
            request.headers.append("X-Content-Length: \(body.count)")
            request.headers.append("X-Chalk-Digest-Sha256: \(SHA256.hexDigest(body))")
            request.headers.append("X-Chalk-Attempt: \(attempt)")
            do throws(SinkError) {
                let response = try HTTPClient.perform(request)
                if (200..<300).contains(response.status) { return }
                let detail = "HTTP \(response.status) from \(uri)" + PostSink.snippet(response.body)
                if response.status == 413 { throw SinkError.tooLarge(bytes: body.count, detail: detail) }
                lastError = SinkError.failed(detail)
                if (400..<500).contains(response.status) && response.status != 429 { throw lastError }
            } catch {
                if case .tooLarge = error { throw error }
                lastError = error
                if case .failed(let m) = error, m.hasPrefix("HTTP 4"), !m.hasPrefix("HTTP 429") { throw error }
            }
            if attempt < 3 { Clock.sleepMilliseconds(attempt * 100) }
        }
        throw lastError
    }

    static func snippet(_ body: String) -> String {
        let trimmed = body.split(whereSeparator: \.isNewline).joined(separator: " ")
        if trimmed.isEmpty { return "" }
        return ": " + (trimmed.count > 200 ? String(trimmed.prefix(200)) + "…" : trimmed)
    }
}

/// RFC 4648 base64 (for `Authorization: Basic`).
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")

    static func encode(_ bytes: [UInt8]) -> String {
        var out = ""
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 3) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? alphabet[Int((b1 & 15) << 2 | b2 >> 6)] : "=")
            out.append(i + 2 < bytes.count ? alphabet[Int(b2 & 63)] : "=")
            i += 3
        }
        return out
    }
}
