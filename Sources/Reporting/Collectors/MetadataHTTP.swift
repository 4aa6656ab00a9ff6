#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CCurl

/// A tiny HTTP client for metadata services (cloud IMDS, ECS task metadata, Kubernetes pod
/// manifest): GET/PUT with headers, tight timeouts, no proxy, no signals, bounded body.
/// (The report sinks have their own curl code in Sources/Reporting/Sinks; the two can share one
/// helper later.)
enum MetadataHTTP {
    struct Response {
        var status: Int
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var ok: Bool { (200..<300).contains(status) }
    }

    struct Failure: Error, CustomStringConvertible {
        var code: Int32
        var message: String
        var timedOut: Bool { code == Int32(CURLE_OPERATION_TIMEDOUT.rawValue) }
        var description: String { message }
    }

    static let maxBody = 8 << 20

    private static let globalInit: Bool = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK }()

    /// Collects the body; stops (failing the transfer) past `maxBody`.
    private final class Sink {
        var data: [UInt8] = []
        var overflow = false
    }

    /// Performs one request. `timeoutMs` bounds the whole transfer, connection included.
    static func request(_ method: String, _ url: String, headers: [String: String] = [:],
                        timeoutMs: Int, retries: Int = 0) -> Result<Response, Failure> {
        var last: Result<Response, Failure> = .failure(Failure(code: -1, message: "not attempted"))
        for attempt in 0...max(0, retries) {
            last = once(method, url, headers: headers, timeoutMs: timeoutMs)
            if case .success = last { return last }
            if attempt < retries { usleepMs(100) }
        }
        return last
    }

    private static func usleepMs(_ ms: Int) {
        var ts = timespec(tv_sec: 0, tv_nsec: ms * 1_000_000)
        _ = nanosleep(&ts, nil)
    }

    private static func once(_ method: String, _ url: String, headers: [String: String], timeoutMs: Int) -> Result<Response, Failure> {
        _ = globalInit
        guard let h = curl_easy_init() else { return .failure(Failure(code: -1, message: "curl_easy_init failed")) }
        defer { curl_easy_cleanup(h) }
        let sink = Sink()
        let sinkPtr = Unmanaged.passRetained(sink)
        defer { sinkPtr.release() }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for (k, v) in headers.sorted(by: { $0.key < $1.key }) { list = curl_slist_append(list, "\(k): \(v)") }
        defer { curl_slist_free_all(list) }

        _ = chalk_curl_setopt_string(h, CURLOPT_URL, url)
        _ = chalk_curl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        _ = chalk_curl_setopt_long(h, CURLOPT_TIMEOUT_MS, timeoutMs)
        _ = chalk_curl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, timeoutMs)
        _ = chalk_curl_setopt_string(h, CURLOPT_NOPROXY, "*")
        _ = chalk_curl_setopt_long(h, CURLOPT_FOLLOWLOCATION, 0)
        if method == "PUT" {
            _ = chalk_curl_setopt_string(h, CURLOPT_CUSTOMREQUEST, "PUT")
            _ = chalk_curl_setopt_string(h, CURLOPT_POSTFIELDS, "")
            _ = chalk_curl_setopt_long(h, CURLOPT_POSTFIELDSIZE, 0)
        } else if method != "GET" {
            _ = chalk_curl_setopt_string(h, CURLOPT_CUSTOMREQUEST, method)
        }
        if let list { _ = chalk_curl_setopt_pointer(h, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list)) }
        _ = chalk_curl_setopt_writefunction(h) { ptr, size, n, user in
            guard let ptr, let user else { return 0 }
            let s = Unmanaged<Sink>.fromOpaque(user).takeUnretainedValue()
            let count = size * n
            if s.data.count + count > MetadataHTTP.maxBody { s.overflow = true; return 0 }
            ptr.withMemoryRebound(to: UInt8.self, capacity: count) {
                s.data.append(contentsOf: UnsafeBufferPointer(start: $0, count: count))
            }
            return count
        }
        _ = chalk_curl_setopt_pointer(h, CURLOPT_WRITEDATA, sinkPtr.toOpaque())
        let rc = curl_easy_perform(h)
        guard rc == CURLE_OK else {
            let msg = sink.overflow ? "response larger than \(maxBody) bytes" : String(cString: curl_easy_strerror(rc))
            return .failure(Failure(code: Int32(rc.rawValue), message: "\(method) \(url): \(msg)"))
        }
        var status = 0
        _ = chalk_curl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
        return .success(Response(status: status, body: sink.data))
    }
}
