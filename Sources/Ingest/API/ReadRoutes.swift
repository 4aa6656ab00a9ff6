import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import Logging

/// The read API (read token): the reference server's `/chalks` and `/reports` shapes with paging
/// and a time window, the quarantine, and the builds view.
struct ReadRoutes: Sendable {
    let store: any ReportStore
    let access: AccessControl
    let logger: Logger

    func register(on router: Router<BasicRequestContext>) {
        router.get("/chalks") { request, _ in
            try await self.guarded(request) { query, page in
                HTTP.jsonArray(try await self.store.chalks(page), request: request, query: query)
            }
        }
        router.get("/chalks/:metadata_id") { request, context in
            try await self.guarded(request) { _, _ in
                let id = context.parameters.get("metadata_id") ?? ""
                guard let chalk = try await self.store.chalk(metadataID: id) else {
                    return HTTP.error(.notFound, "no chalk with METADATA_ID \(id)")
                }
                return HTTP.json(Array(chalk.utf8))
            }
        }
        router.get("/reports") { request, _ in
            try await self.guarded(request) { query, page in
                let operation = query["operation"].flatMap { $0.isEmpty ? nil : $0.lowercased() }
                return HTTP.jsonArray(try await self.store.reports(operation: operation, page), request: request, query: query)
            }
        }
        router.get("/v1/rejects") { request, _ in
            try await self.guarded(request) { query, page in
                let (rows, hasMore) = try await self.store.rejects(page)
                var w = JSONWriter()
                w.raw("[")
                for (i, r) in rows.enumerated() {
                    if i > 0 { w.raw(",") }
                    w.raw("{")
                    w.key("id", first: true); w.raw(String(r.id))
                    w.key("received"); w.string(Timestamp.format(r.received))
                    w.key("index"); w.raw(String(r.index))
                    w.key("error"); w.string(r.error)
                    w.key("item"); w.raw(r.item)
                    w.raw("}")
                }
                w.raw("]")
                let headers = hasMore ? HTTP.nextLink(request, query: query, lastID: rows.last!.id) : HTTPFields()
                return HTTP.json(w.bytes, headers: headers)
            }
        }
        router.get("/v1/builds") { request, _ in
            try await self.guarded(request) { query, page in
                func param(_ name: String) -> String? { query[name].flatMap { $0.isEmpty ? nil : $0 } }
                let filter = BuildFilter(repo: param("repo"), commit: param("commit"), branch: param("branch"),
                                         image: param("image"), text: param("q"))
                let (rows, hasMore) = try await self.store.builds(filter, page)
                var w = JSONWriter()
                w.raw("[")
                for (i, b) in rows.enumerated() {
                    if i > 0 { w.raw(",") }
                    Self.write(b, to: &w)
                }
                w.raw("]")
                let headers = hasMore ? HTTP.nextLink(request, query: query, lastID: rows.last!.id) : HTTPFields()
                return HTTP.json(w.bytes, headers: headers)
            }
        }
        router.get("/v1/builds/:metadata_id") { request, context in
            try await self.guarded(request) { _, _ in
                let id = context.parameters.get("metadata_id") ?? ""
                guard let detail = try await BuildDetail.load(id, from: self.store) else {
                    return HTTP.error(.notFound, "no build with METADATA_ID \(id)")
                }
                return HTTP.json(Self.json(detail))
            }
        }
    }

    /// Checks the read token and the paging parameters, then runs `body`; storage errors are 503.
    private func guarded(_ request: Request,
                         _ body: ([String: String], PageQuery) async throws -> Response) async throws -> Response {
        if let denied = await access.require(.read, request) { return denied }
        let query = HTTP.query(request)
        let page: PageQuery
        switch HTTP.page(query) {
        case let .success(p): page = p
        case let .failure(e): return HTTP.error(.badRequest, e.message)
        }
        do {
            return try await body(query, page)
        } catch {
            logger.error("read \(request.uri.path) failed: \(error)")
            return HTTP.error(.serviceUnavailable, "the database could not be read; try again")
        }
    }

    static func write(_ b: BuildSummary, to w: inout JSONWriter) {
        w.raw("{")
        w.key("metadata_id", first: true); w.string(b.metadataID)
        w.key("chalk_id"); w.optionalString(b.chalkID)
        w.key("artifact_type"); w.optionalString(b.artifactType)
        w.key("repo"); w.optionalString(b.repo)
        w.key("commit"); w.optionalString(b.commit)
        w.key("branch"); w.optionalString(b.branch)
        w.key("first_seen"); w.string(Timestamp.format(b.firstSeen))
        w.key("last_seen"); w.string(Timestamp.format(b.lastSeen))
        w.raw("}")
    }

    static func json(_ detail: BuildDetail) -> [UInt8] {
        var w = JSONWriter(capacity: detail.reports.reduce(512) { $0 + $1.json.utf8.count + 64 })
        w.raw("{")
        w.key("build", first: true)
        write(detail.build, to: &w)
        w.key("mark"); w.raw(detail.build.mark)
        w.key("reports"); w.raw("[")
        for (i, r) in detail.reports.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{")
            w.key("operation", first: true); w.string(r.operation)
            w.key("received"); w.string(Timestamp.format(r.received))
            w.key("report"); w.raw(r.json)
            w.raw("}")
        }
        w.raw("]")
        w.key("runtime"); w.raw("[")
        for (i, e) in detail.runtime.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{")
            w.key("host", first: true); w.optionalString(e.place.host)
            w.key("container"); w.optionalString(e.place.container)
            w.key("pod"); w.optionalString(e.place.pod)
            w.key("function"); w.optionalString(e.place.function)
            w.key("first_seen"); w.string(Timestamp.format(e.firstSeen))
            w.key("last_seen"); w.string(Timestamp.format(e.lastSeen))
            w.key("reports"); w.raw(String(e.reports))
            w.key("estimated_executions"); w.raw(String(e.estimatedExecutions))
            w.raw("}")
        }
        w.raw("]}")
        return w.bytes
    }
}
