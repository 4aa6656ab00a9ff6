#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CCurl

/// One HTTP request through libcurl (the post and s3 sinks).
struct HTTPRequest {
    var method: String
    var url: String
    var headers: [String] = []
    var body: [UInt8] = []
    /// Total time allowed for the request, connect included.
    var timeoutMilliseconds: Int64
    /// CA bundle for HTTPS; nil = chalk's own probe (CABundle).
    var caFile: String? = nil
    /// `http,https`, or `https` when plain HTTP is refused.
    var allowedProtocols = "http,https"
    /// `aws:amz:<region>:s3` for SigV4 signing, with `userPassword` = `key:secret`.
    var awsSigV4: String? = nil
    var userPassword: String? = nil
}

struct HTTPResponse {
    var status: Int
    /// The start of the response body (at most `HTTPClient.maxResponseBytes`), for messages.
    var body: String
}

/// Receives the response body; handed to libcurl's C write callback through `WRITEDATA`.
private final class ResponseCollector {
    var bytes: [UInt8] = []
}

enum HTTPClient {
    static let maxResponseBytes = 16 * 1024

    // curl_global_init is not thread-safe: run it once, lazily (a global `let` initializer runs
    // exactly once). 3 = CURL_GLOBAL_SSL | CURL_GLOBAL_WIN32 (CURL_GLOBAL_DEFAULT, a macro
    // Swift can't import).
    private static let globalInit: Bool = curl_global_init(3) == CURLE_OK

    /// Performs the request. Transport failures (refused, timeout, TLS) throw; any HTTP status
    /// is returned for the caller to judge.
    static func perform(_ r: HTTPRequest) throws(SinkError) -> HTTPResponse {
        guard globalInit, let h = curl_easy_init() else { throw SinkError.failed("libcurl could not be initialized") }
        defer { curl_easy_cleanup(h) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headerList) }
        let collector = ResponseCollector()
        let collectorPtr = Unmanaged.passUnretained(collector).toOpaque()

        var setupFailure: String? = nil
        func check(_ rc: CURLcode, _ what: String) {
            if rc != CURLE_OK && setupFailure == nil {
                setupFailure = "libcurl rejected \(what): \(String(cString: curl_easy_strerror(rc)))"
            }
        }
        check(chalk_curl_setopt_pointer(h, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")
        check(chalk_curl_setopt_string(h, CURLOPT_URL, r.url), "the URL \(r.url)")
        check(chalk_curl_setopt_string(h, CURLOPT_PROTOCOLS_STR, r.allowedProtocols), "PROTOCOLS_STR")
        check(chalk_curl_setopt_long(h, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
        let timeout = max(1, r.timeoutMilliseconds)
        check(chalk_curl_setopt_long(h, CURLOPT_TIMEOUT_MS, Int(timeout)), "TIMEOUT_MS")
        check(chalk_curl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, Int(timeout)), "CONNECTTIMEOUT_MS")
        // Always set the CA bundle ourselves: the static build has no usable default
        // (STATIC-BUILD.md §2.5).
        if r.url.lowercased().hasPrefix("https:"), let ca = r.caFile ?? CABundle.path {
            check(chalk_curl_setopt_string(h, CURLOPT_CAINFO, ca), "CAINFO \(ca)")
        }
        for header in r.headers { headerList = curl_slist_append(headerList, header) }
        // libcurl would otherwise send `Expect: 100-continue` for large bodies and wait for it.
        // Not with SigV4: curl 7.88.1 signs the emptied header, and S3 then rejects the signature.
        if r.awsSigV4 == nil { headerList = curl_slist_append(headerList, "Expect:") }
        check(chalk_curl_setopt_pointer(h, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList)), "HTTPHEADER")
        if let sig = r.awsSigV4 { check(chalk_curl_setopt_string(h, CURLOPT_AWS_SIGV4, sig), "AWS_SIGV4") }
        if let up = r.userPassword { check(chalk_curl_setopt_string(h, CURLOPT_USERPWD, up), "USERPWD") }
        check(chalk_curl_setopt_offt(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(r.body.count)), "POSTFIELDSIZE_LARGE")
        var body = r.body
        if body.isEmpty { body = [0] }  // COPYPOSTFIELDS needs a valid pointer even for 0 bytes
        body.withUnsafeMutableBytes { buf in
            check(chalk_curl_setopt_pointer(h, CURLOPT_COPYPOSTFIELDS, buf.baseAddress), "COPYPOSTFIELDS")
        }
        if r.method != "POST" { check(chalk_curl_setopt_string(h, CURLOPT_CUSTOMREQUEST, r.method), "CUSTOMREQUEST") }
        check(chalk_curl_setopt_pointer(h, CURLOPT_WRITEDATA, collectorPtr), "WRITEDATA")
        check(chalk_curl_setopt_writefunction(h) { data, size, count, userdata in
            let n = size * count
            guard let data, let userdata else { return n }
            let c = Unmanaged<ResponseCollector>.fromOpaque(userdata).takeUnretainedValue()
            let room = HTTPClient.maxResponseBytes - c.bytes.count
            if room > 0 {
                c.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: min(n, room)))
            }
            return n
        }, "WRITEFUNCTION")
        if let setupFailure { throw SinkError.failed(setupFailure) }

        let rc = withExtendedLifetime(collector) { curl_easy_perform(h) }
        guard rc == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            var msg = "curl error \(rc.rawValue) (\(String(cString: curl_easy_strerror(rc))))"
            if !detail.isEmpty { msg += ": \(detail)" }
            if rc == CURLE_PEER_FAILED_VERIFICATION && r.caFile == nil && CABundle.path == nil {
                msg += "; no CA bundle found: set SSL_CERT_FILE or the sink's pinned_cert_file"
            }
            throw SinkError.failed(msg)
        }
        var status = 0
        _ = chalk_curl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, body: String(decoding: collector.bytes, as: UTF8.self))
    }
}

/// The CA bundle chalk hands to libcurl when a sink names none (STATIC-BUILD.md §2.5): an
/// explicit setting in the environment first, then the standard distribution paths.
enum CABundle {
    static let candidates = [
        "/etc/ssl/certs/ca-certificates.crt",                // Debian/Ubuntu, Alpine, distroless
        "/etc/pki/tls/certs/ca-bundle.crt",                  // Fedora/RHEL/UBI/Amazon Linux
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // RHEL/CentOS 7+
        "/etc/ssl/ca-bundle.pem",                            // openSUSE/SLES
        "/etc/ssl/cert.pem",                                 // Alpine
    ]

    static var path: String? { path(env: FileSystem.env, readable: { access($0, R_OK) == 0 }) }

    /// The probe with its inputs passed in (tests).
    static func path(env: (String) -> String?, readable: (String) -> Bool) -> String? {
        for key in ["CHALK_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE"] {
            if let v = env(key), !v.isEmpty { return v }
        }
        return candidates.first(where: readable)
    }
}
