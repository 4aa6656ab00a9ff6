import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore

/// Response and request helpers shared by the routes.
enum HTTP {
    static let digestHeader = HTTPField.Name("X-Chalk-Digest-Sha256")!
    static let contentLengthHeader = HTTPField.Name("X-Content-Length")!
    static let linkHeader = HTTPField.Name("Link")!
    /// The page's sign-in cookie.
    static let cookieName = "chalk_server_token"

    /// A JSON response from bytes that are already JSON.
    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `{"error": message}` with a status.
    static func error(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) -> Response {
        var w = JSONWriter()
        w.raw("{")
        w.key("error", first: true)
        w.string(message)
        w.raw("}")
        return json(w.bytes, status: status, headers: headers)
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        // The page loads nothing from elsewhere; say so to the browser too.
        fields[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
        return Response(status: status, headers: fields,
                        body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// The bearer token of a request, if any.
    static func bearer(_ request: Request) -> String? {
        guard let value = request.headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = trimmedHeader(parts[1])
        return token.isEmpty ? nil : String(token)
    }

    /// A header value without the spaces and tabs around it (RFC 9110 optional whitespace).
    /// Foundation's `trimmingCharacters` cost a few percent of the server's CPU per request.
    static func trimmedHeader<S: StringProtocol>(_ value: S) -> S.SubSequence {
        let isSpace = { (c: Character) in c == " " || c == "\t" }
        guard let first = value.firstIndex(where: { !isSpace($0) }) else { return value[value.endIndex...] }
        let last = value.lastIndex(where: { !isSpace($0) })!
        return value[first...last]
    }

    /// Query parameters as a dictionary (last value wins), percent-decoded.
    static func query(_ request: Request) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { out[String(key)] = String(value) }
        return out
    }

    /// Parses `limit`, `after`, `since`, `until`; the error is a message for a 400.
    static func page(_ query: [String: String], maxLimit: Int = 10_000) -> Result<PageQuery, PageError> {
        var page = PageQuery()
        if let text = query["limit"] {
            guard let limit = Int(text), limit > 0, limit <= maxLimit else {
                return .failure(PageError("limit must be an integer from 1 to \(maxLimit)"))
            }
            page.limit = limit
        }
        if let text = query["after"] {
            guard let after = Int64(text), after >= 0 else { return .failure(PageError("after must be a row id")) }
            page.after = after
        }
        for name in ["since", "until"] {
            guard let text = query[name] else { continue }
            guard let time = Timestamp.parse(text) else {
                return .failure(PageError("\(name) must be an RFC 3339 time, as in 2026-01-31T12:00:00Z"))
            }
            if name == "since" { page.since = time } else { page.until = time }
        }
        return .success(page)
    }

    struct PageError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// `Link: <path?…&after=ID>; rel="next"` for the page after `lastID`, keeping the other parameters.
    static func nextLink(_ request: Request, query: [String: String], lastID: Int64) -> HTTPFields {
        var params = query
        params["after"] = String(lastID)
        let text = params.keys.sorted().map { "\(percentEncode($0))=\(percentEncode(params[$0]!))" }
            .joined(separator: "&")
        var fields = HTTPFields()
        fields[linkHeader] = "<\(request.uri.path)?\(text)>; rel=\"next\""
        return fields
    }

    static func percentEncode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// A JSON array from stored JSON rows, with a `Link` header when another page follows.
    static func jsonArray(_ page: JSONPage, request: Request, query: [String: String]) -> Response {
        var w = JSONWriter(capacity: page.rows.reduce(2) { $0 + $1.json.utf8.count + 1 })
        w.raw("[")
        for (i, row) in page.rows.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw(row.json)
        }
        w.raw("]")
        let headers = page.hasMore && !page.rows.isEmpty
            ? nextLink(request, query: query, lastID: page.rows.last!.id) : HTTPFields()
        return json(w.bytes, headers: headers)
    }
}
