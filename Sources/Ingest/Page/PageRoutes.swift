import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import Logging
import Mustache

/// The web page: the builds list with search at `/`, a build's runtime table at
/// `/builds/{metadata_id}`. A person signs in with a read token (form, or `?token=` in a link);
/// the token is kept in an HttpOnly cookie.
struct PageRoutes: Sendable {
    let store: any ReportStore
    let access: AccessControl
    let library: MustacheLibrary
    let logger: Logger
    /// Set the cookie's Secure flag when serving TLS.
    let secureCookie: Bool
    /// Rows on the builds list.
    static let listLimit = 500

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { request, _ in
            try await self.signedIn(request) { headers in
                let q = HTTP.query(request)["q"]?.trimmingCharacters(in: .whitespaces) ?? ""
                return try await self.buildsPage(query: q, headers: headers)
            }
        }
        router.get("/builds/:metadata_id") { request, context in
            try await self.signedIn(request) { headers in
                try await self.buildPage(context.parameters.get("metadata_id") ?? "", headers: headers)
            }
        }
        router.post("/signin") { request, _ in
            var request = request
            let body = (try? await request.collectBody(upTo: 16 * 1024)) ?? ByteBuffer()
            let form = Self.formFields(String(buffer: body))
            let token = form["token"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard await self.access.isReadToken(token) else {
                return self.signInPage(error: "That is not a read token.", status: .unauthorized)
            }
            var headers = self.cookieHeaders(token)
            headers[.location] = Self.safeNext(form["next"])
            return Response(status: .seeOther, headers: headers)
        }
        router.post("/signout") { _, _ in
            var headers = HTTPFields()
            headers[.setCookie] = "\(HTTP.cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
            headers[.location] = "/"
            return Response(status: .seeOther, headers: headers)
        }
    }

    /// Runs `body` when the request carries a read token (`?token=` or the cookie); otherwise
    /// answers 401 with the sign-in form. A valid `?token=` also sets the cookie.
    private func signedIn(_ request: Request, _ body: (HTTPFields) async throws -> Response) async throws -> Response {
        var headers = HTTPFields()
        if let token = HTTP.query(request)["token"], !token.isEmpty {
            guard await access.isReadToken(token) else {
                return signInPage(error: "The token in the link is not a read token.", status: .unauthorized)
            }
            headers = cookieHeaders(token)
        } else if !(await access.isReadToken(request.cookies[HTTP.cookieName]?.value)) {
            return signInPage(error: nil, status: .unauthorized, next: request.uri.path)
        }
        do {
            return try await body(headers)
        } catch {
            logger.error("page \(request.uri.path) failed: \(error)")
            return HTTP.html("<!doctype html><title>error</title><p>The database could not be read; try again.</p>",
                             status: .serviceUnavailable)
        }
    }

    private func cookieHeaders(_ token: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.setCookie] = "\(HTTP.cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict"
            + (secureCookie ? "; Secure" : "")
        return headers
    }

    private func signInPage(error: String?, status: HTTPResponse.Status, next: String = "/") -> Response {
        var context: [String: Any] = ["title": "Sign in", "next": next]
        if let error { context["error"] = error }
        return HTTP.html(library.render(context, withTemplate: "signin") ?? "", status: status)
    }

    private func buildsPage(query: String, headers: HTTPFields) async throws -> Response {
        let filter = BuildFilter(text: query.isEmpty ? nil : query)
        // Newest builds first: ask for all matching ids in order and keep the tail.
        var page = PageQuery()
        var all: [BuildSummary] = []
        var truncated = false
        while true {
            page.limit = 5000
            let (rows, more) = try await store.builds(filter, page)
            all += rows
            if all.count > Self.listLimit { all.removeFirst(all.count - Self.listLimit); truncated = true }
            guard more, let last = rows.last else { break }
            page.after = last.id
        }
        let builds: [[String: Any]] = all.reversed().map { b in
            [
                "metadataID": b.metadataID, "artifactType": b.artifactType ?? "", "repo": b.repo ?? "",
                "commit": b.commit ?? "", "shortCommit": String((b.commit ?? "").prefix(12)), "branch": b.branch ?? "",
                "firstSeen": Self.display(b.firstSeen), "lastSeen": Self.display(b.lastSeen),
            ]
        }
        let context: [String: Any] = [
            "title": "Builds", "signedIn": true, "query": query, "builds": builds,
            "count": builds.count, "truncated": truncated,
        ]
        return HTTP.html(library.render(context, withTemplate: "builds") ?? "", headers: headers)
    }

    private func buildPage(_ metadataID: String, headers: HTTPFields) async throws -> Response {
        guard let detail = try await BuildDetail.load(metadataID, from: store) else {
            let context: [String: Any] = ["title": "Not found", "signedIn": true,
                                          "message": "No build has METADATA_ID \(metadataID)."]
            return HTTP.html(library.render(context, withTemplate: "notfound") ?? "", status: .notFound, headers: headers)
        }
        let b = detail.build
        let runtime: [[String: Any]] = detail.runtime.map { e in
            [
                "host": e.place.host ?? "—", "container": e.place.container ?? "—", "pod": e.place.pod ?? "—",
                "function": e.place.function ?? "—", "firstSeen": Self.display(e.firstSeen),
                "lastSeen": Self.display(e.lastSeen), "reports": e.reports, "executions": e.estimatedExecutions,
            ]
        }
        let reports: [[String: Any]] = detail.reports.suffix(200).reversed().map { r in
            ["operation": r.operation, "received": Self.display(r.received), "host": r.place.host ?? "—"]
        }
        let context: [String: Any] = [
            "title": "Build \(b.metadataID)", "signedIn": true,
            "metadataID": b.metadataID, "chalkID": b.chalkID ?? "—", "artifactType": b.artifactType ?? "—",
            "repo": b.repo ?? "—", "commit": b.commit ?? "—", "branch": b.branch ?? "—",
            "firstSeen": Self.display(b.firstSeen), "lastSeen": Self.display(b.lastSeen),
            "runtime": runtime, "reports": reports, "reportCount": detail.reports.count, "mark": b.mark,
        ]
        return HTTP.html(library.render(context, withTemplate: "build") ?? "", headers: headers)
    }

    /// `2026-11-30 08:07:15 UTC`: easier to read than RFC 3339 on a page.
    static func display(_ micros: Int64) -> String {
        let text = Timestamp.format(micros)
        return text.prefix(10) + " " + text.dropFirst(11).prefix(8) + " UTC"
    }

    /// Only same-site paths are followed after sign-in.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//") else { return "/" }
        return next
    }

    /// Decodes `application/x-www-form-urlencoded`.
    static func formFields(_ body: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            out[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return out
    }
}
