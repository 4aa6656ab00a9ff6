import Foundation
import Ingest

/// A small blocking HTTP/1.1 client over a loopback TCP socket: what the tests need to talk to
/// the server exactly as chalk's post sink does (raw bytes, custom headers), and nothing more.
struct HTTPTestClient {
    struct Response {
        var status: Int
        var headers: [String: String]  // lower-cased names
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> Any { try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
    }

    struct ClientError: Error, CustomStringConvertible {
        let description: String
    }

    let port: Int
    var host = "127.0.0.1"

    /// One request on its own connection (`Connection: close`).
    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil,
                 timeout: TimeInterval = 30) throws -> Response {
        let fd = try connect(timeout: timeout)
        defer { close(fd) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if let body, headers.keys.first(where: { $0.lowercased() == "content-length" }) == nil {
            head += "Content-Length: \(body.count)\r\n"
        } else if body == nil, method == "POST" || method == "PUT" {
            head += "Content-Length: 0\r\n"
        }
        head += "\r\n"
        var out = Data(head.utf8)
        if let body { out.append(body) }
        try sendAll(fd, out)
        var received = Data()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n < 0 {
                if errno == EINTR { continue }
                // The server may reset after answering early (e.g. 413 before reading the body).
                if !received.isEmpty { break }
                throw ClientError(description: "recv: errno \(errno)")
            }
            if n == 0 { break }
            received.append(contentsOf: buf[0..<n])
        }
        return try Self.parse(received)
    }

    /// Convenience: a GET with a bearer token.
    func get(_ path: String, token: String? = nil, headers: [String: String] = [:]) throws -> Response {
        var h = headers
        if let token { h["Authorization"] = "Bearer \(token)" }
        return try request("GET", path, headers: h)
    }

    /// POST /report the way chalk's post sink does: JSON array body plus its X- headers.
    func postReports(_ body: Data, token: String?, digest: String? = nil, contentLength: Int? = nil,
                     extraHeaders: [String: String] = [:], timeout: TimeInterval = 30) throws -> Response {
        var h = ["Content-Type": "application/json", "X-Chalk-Version": "0.1.0", "X-Chalk-Operation": "insert",
                 "X-Chalk-Action-Id": UUID().uuidString, "X-Chalk-Attempt": "1"]
        h["X-Content-Length"] = String(contentLength ?? body.count)
        h["X-Chalk-Digest-Sha256"] = digest ?? SHA256Hex.of(body)
        if let token { h["Authorization"] = "Bearer \(token)" }
        for (k, v) in extraHeaders { h[k] = v }
        return try request("POST", "/report", headers: h, body: body, timeout: timeout)
    }

    private func connect(timeout: TimeInterval) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError(description: "socket: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &addr.sin_addr)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw ClientError(description: "connect to \(host):\(port): errno \(e)")
        }
        return fd
    }

    private func sendAll(_ fd: Int32, _ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    // A server that refuses a body early (413) may close before reading all of it.
                    if errno == EPIPE || errno == ECONNRESET { return }
                    throw ClientError(description: "send: errno \(errno)")
                }
                offset += n
            }
        }
    }

    static func parse(_ data: Data) throws -> Response {
        guard let end = data.range(of: Data("\r\n\r\n".utf8)) else {
            throw ClientError(description: "no HTTP response head in \(data.count) bytes")
        }
        let head = String(decoding: data[..<end.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw ClientError(description: "bad status line")
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { $0 + ", " + value } ?? value
        }
        var body = Data(data[end.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            body = try dechunk(body)
        } else if let length = headers["content-length"].flatMap(Int.init), body.count > length {
            body = body.prefix(length)
        }
        return Response(status: status, headers: headers, body: body)
    }

    static func dechunk(_ data: Data) throws -> Data {
        var out = Data()
        var rest = data[...]
        while let lineEnd = rest.range(of: Data("\r\n".utf8)) {
            let sizeText = String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";")[0], radix: 16) else {
                throw ClientError(description: "bad chunk size")
            }
            if size == 0 { break }
            let start = lineEnd.upperBound
            out.append(rest[start..<(start + size)])
            rest = rest[(start + size + 2)...]
        }
        return out
    }
}

/// SHA-256 (hex) of a body, as chalk puts it in X-Chalk-Digest-Sha256.
enum SHA256Hex {
    static func of(_ data: Data) -> String { sha256Hex(Array(data)) }
}
