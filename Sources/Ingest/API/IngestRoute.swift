import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import Logging

/// `POST /report`: what chalk's `post` sink sends, a JSON array of reports.
struct IngestRoute: Sendable {
    let committer: GroupCommitter
    let access: AccessControl
    let maxBody: Int
    let logger: Logger

    func handle(_ request: Request) async throws -> Response {
        if let denied = await access.require(.write, request) { return denied }
        // From here on this request's reports are on their way: the committer may wait for them
        // to gather them into the transaction it is about to start.
        committer.announce()
        var submitted = false
        defer { if !submitted { committer.withdraw() } }

        // Refuse an oversized body before reading it when its length is announced.
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBody {
            return HTTP.error(.contentTooLarge, "body of \(length) bytes is over the limit of \(maxBody) bytes")
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBody)
        } catch is NIOTooManyBytesError {
            return HTTP.error(.contentTooLarge, "body is over the limit of \(maxBody) bytes")
        }
        // One copy of the body: the digest, the parser and the tape all read this array.
        let body = Array(buffer.readableBytesView)

        if let announced = request.headers[HTTP.contentLengthHeader] {
            guard Int(HTTP.trimmedHeader(announced)) == body.count else {
                return HTTP.error(.badRequest, "X-Content-Length is \(announced) but the body has \(body.count) bytes")
            }
        }
        if let digest = request.headers[HTTP.digestHeader] {
            let actual = sha256Hex(body)
            guard HTTP.trimmedHeader(digest).lowercased() == actual else {
                return HTTP.error(.badRequest, "X-Chalk-Digest-Sha256 does not match the body (its SHA-256 is \(actual))")
            }
        }

        let tape: JSONTape
        do {
            tape = try JSONParser.tape(body)
        } catch {
            return HTTP.error(.badRequest, "malformed JSON: \(error.description); nothing was stored")
        }
        guard tape.kind(JSONTape.root) == .array else {
            return HTTP.error(.badRequest, "the body must be a JSON array of reports; nothing was stored")
        }

        let items = tape.elements(JSONTape.root)
        var reports: [PreparedReport] = []
        var rejects: [RejectedItem] = []
        reports.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            do {
                reports.append(try PreparedReport(tape: tape, at: item))
            } catch {
                rejects.append(RejectedItem(index: index, error: error.message, item: tape.canonicalText(item)))
            }
        }
        if !reports.isEmpty || !rejects.isEmpty {
            do {
                submitted = true
                try await committer.submit(IngestBatch(received: Timestamp.now(), reports: reports, rejects: rejects),
                                           announced: true)
            } catch {
                logger.error("storing \(reports.count) reports failed: \(error)")
                return HTTP.error(.serviceUnavailable, "the reports could not be stored; try again")
            }
        }

        var w = JSONWriter(capacity: 64)
        w.raw("{")
        w.key("accepted", first: true)
        w.raw(String(reports.count))
        w.key("rejected")
        w.raw("[")
        for (i, r) in rejects.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{")
            w.key("index", first: true)
            w.raw(String(r.index))
            w.key("error")
            w.string(r.error)
            w.raw("}")
        }
        w.raw("]}")
        return HTTP.json(w.bytes)
    }
}
