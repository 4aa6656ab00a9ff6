import Foundation
import Testing

/// The ingest and read API against a real server process, on SQLite and on PostgreSQL.
@Suite("chalk-server API", .serialized)
struct APIContractTests {
    @Test("auth: 401 without or with an unknown token, 403 with the wrong scope; new tokens work at once",
          arguments: Backend.available)
    func auth(_ backend: Backend) throws {
        guard let h = try ServerHarness.make(backend, label: "auth") else { return skip(backend) }
        defer { h.stop() }
        let body = ReportFixtures.body([ReportFixtures.insert(metadataID: "MAUTH")])
        #expect(try h.client.get("/health").status == 200)
        #expect(try h.client.postReports(body, token: nil).status == 401)
        #expect(try h.client.postReports(body, token: "chalk_" + String(repeating: "0", count: 64)).status == 401)
        #expect(try h.client.postReports(body, token: h.readToken).status == 403)
        #expect(try h.client.get("/reports").status == 401)
        for path in ["/reports", "/chalks", "/v1/builds", "/v1/rejects", "/chalks/MAUTH", "/v1/builds/MAUTH"] {
            #expect(try h.client.get(path, token: h.writeToken).status == 403, "write token on \(path)")
        }
        #expect(try h.allReports().isEmpty)  // the refused posts stored nothing

        // Tokens made while the server runs work at once.
        let write2 = try ServerFixture.createToken(database: h.databaseURL, scope: "write", home: h.scratch)
        let read2 = try ServerFixture.createToken(database: h.databaseURL, scope: "read", home: h.scratch)
        #expect(write2.hasPrefix("chalk_") && !write2.contains("\n"))
        let ok = try h.client.postReports(body, token: write2)
        #expect(ok.status == 200)
        #expect(try h.client.get("/reports", token: read2).status == 200)
        #expect(try h.allReports().count == 1)
    }

    @Test("a retried POST and a report resent in another array are stored once; a repeated METADATA_ID is linked",
          arguments: Backend.available)
    func deduplication(_ backend: Backend) throws {
        guard let h = try ServerHarness.make(backend, label: "dedup") else { return skip(backend) }
        defer { h.stop() }
        let insert = ReportFixtures.insert(metadataID: "MDUP", chalkID: "CDUP")
        let exec = ReportFixtures.exec(metadataID: "MDUP", host: "web-1", execID: "E1")
        let first = try h.client.postReports(ReportFixtures.body([insert, exec]), token: h.writeToken)
        #expect(first.status == 200)
        #expect(first.text.contains(#""accepted":2"#))
        // The post sink's own retry: the same bytes again.
        #expect(try h.client.postReports(ReportFixtures.body([insert, exec]), token: h.writeToken).status == 200)
        // The report cache: the old exec report, formatted differently, sent along with a new one.
        let exec2 = ReportFixtures.exec(metadataID: "MDUP", host: "web-2", execID: "E2")
        let resend = try h.client.postReports(ReportFixtures.body([exec, exec2], pretty: true), token: h.writeToken)
        #expect(resend.status == 200)
        #expect(try h.allReports().count == 3)
        #expect(try h.allReports(operation: "exec").count == 2)
        #expect(try h.allReports(operation: "EXEC").count == 2)

        // A second insert with a known METADATA_ID (a rebuild of the same bits) is stored and linked,
        // where the reference server would drop the whole batch.
        var again = ReportFixtures.insert(metadataID: "MDUP", chalkID: "CDUP", timestamp: 1_764_489_999_000)
        again["_OP_HOSTNAME"] = "build-runner-2"
        let other = ReportFixtures.insert(metadataID: "MOTHER")
        let r = try h.client.postReports(ReportFixtures.body([again, other]), token: h.writeToken)
        #expect(r.status == 200 && r.text.contains(#""accepted":2"#))
        #expect(try h.allReports(operation: "insert").count == 3)
        let builds = try h.getJSON("/v1/builds") as? [[String: Any]] ?? []
        #expect(Set(builds.compactMap { $0["metadata_id"] as? String }) == ["MDUP", "MOTHER"])
        let detail = try h.getJSON("/v1/builds/MDUP") as? [String: Any] ?? [:]
        #expect((detail["reports"] as? [Any])?.count == 4)  // 2 inserts + 2 distinct execs
        let chalks = try h.getJSON("/chalks") as? [[String: Any]] ?? []
        #expect(chalks.count == 2)
        let chalk = try h.getJSON("/chalks/MDUP") as? [String: Any] ?? [:]
        #expect(chalk["CHALK_ID"] as? String == "CDUP")
        #expect(chalk["_OPERATION"] as? String == "insert")  // report keys merged in, as the reference does
        #expect(try h.client.get("/chalks/NOPE", token: h.readToken).status == 404)
    }

    @Test("partial batches quarantine the rejects; malformed JSON, digest and length mismatches store nothing; 413 over --max-body",
          arguments: Backend.available)
    func badInput(_ backend: Backend) throws {
        guard let h = try ServerHarness.make(backend, label: "bad", extraArguments: ["--max-body", "8KiB"]) else {
            return skip(backend)
        }
        defer { h.stop() }
        let good1 = ReportFixtures.insert(metadataID: "MP1")
        let good2 = ReportFixtures.exec(metadataID: "MP1", host: "h")
        let partial = try JSONSerialization.data(withJSONObject: [good1, 42, ["no": "operation"], good2, ["_OPERATION": 7]])
        let r = try h.client.postReports(partial, token: h.writeToken)
        #expect(r.status == 200)
        let answer = try r.json() as? [String: Any] ?? [:]
        #expect(answer["accepted"] as? Int == 2)
        let rejected = answer["rejected"] as? [[String: Any]] ?? []
        #expect(rejected.compactMap { $0["index"] as? Int } == [1, 2, 4])
        #expect(rejected.allSatisfy { ($0["error"] as? String)?.isEmpty == false })
        #expect(try h.allReports().count == 2)
        let quarantine = try h.getJSON("/v1/rejects") as? [[String: Any]] ?? []
        #expect(quarantine.compactMap { $0["index"] as? Int } == [1, 2, 4])
        #expect(quarantine.first?["item"] as? Int == 42)

        let before = try h.allReports().count
        let valid = ReportFixtures.body([ReportFixtures.insert(metadataID: "MNEVER")])
        // Malformed JSON and a non-array: 400, nothing stored.
        #expect(try h.client.postReports(Data(#"[{"_OPERATION":"insert"},"#.utf8), token: h.writeToken).status == 400)
        #expect(try h.client.postReports(Data(#"{"_OPERATION":"insert"}"#.utf8), token: h.writeToken).status == 400)
        // Digest and X-Content-Length mismatches: 400.
        #expect(try h.client.postReports(valid, token: h.writeToken, digest: String(repeating: "0", count: 64)).status == 400)
        #expect(try h.client.postReports(valid, token: h.writeToken, contentLength: valid.count + 1).status == 400)
        // Over --max-body: 413, with and without the digest headers.
        let big = ReportFixtures.body([ReportFixtures.insert(metadataID: "MBIG", extra: ["PAD": String(repeating: "x", count: 9000)])])
        #expect(try h.client.postReports(big, token: h.writeToken).status == 413)
        #expect(try h.client.request("POST", "/report", headers: ["Authorization": "Bearer \(h.writeToken)"], body: big).status == 413)
        #expect(try h.allReports().count == before)
        #expect(try h.client.get("/chalks/MNEVER", token: h.readToken).status == 404)
        // A body without chalk's headers is still accepted (they are honoured when present).
        #expect(try h.client.request("POST", "/report", headers: ["Authorization": "Bearer \(h.writeToken)"], body: valid).status == 200)
    }

    @Test("paging with Link rel=next, and since/until on the received time", arguments: Backend.available)
    func pagingAndTimeWindow(_ backend: Backend) throws {
        guard let h = try ServerHarness.make(backend, label: "paging") else { return skip(backend) }
        defer { h.stop() }
        let batchA = (0..<13).map { ReportFixtures.insert(metadataID: "MA\($0)") }
        #expect(try h.client.postReports(ReportFixtures.body(batchA), token: h.writeToken).status == 200)
        usleep(50_000)
        let middle = Date()
        usleep(50_000)
        let batchB = (0..<12).map { ReportFixtures.insert(metadataID: "MB\($0)") }
        #expect(try h.client.postReports(ReportFixtures.body(batchB), token: h.writeToken).status == 200)

        // Without limit: every row as a bare array, no Link.
        let all = try h.client.get("/reports?operation=insert", token: h.readToken)
        #expect(all.headers["link"] == nil)
        #expect((try all.json() as? [Any])?.count == 25)

        for path in ["/reports?operation=insert&limit=10", "/chalks?limit=10"] {
            var next: String? = path
            var seen: [String] = []
            var pages = 0
            while let p = next {
                let r = try h.client.get(p, token: h.readToken)
                #expect(r.status == 200)
                let rows = try r.json() as? [[String: Any]] ?? []
                for row in rows {
                    let mid = (row["METADATA_ID"] as? String) ?? ((row["_CHALKS"] as? [[String: Any]])?.first?["METADATA_ID"] as? String)
                    seen.append(mid ?? "?")
                }
                pages += 1
                if let link = r.headers["link"] {
                    #expect(link.hasSuffix(#"; rel="next""#))
                    next = String(link.dropFirst().prefix { $0 != ">" })
                } else {
                    next = nil
                }
                if pages > 10 { break }
            }
            #expect(pages == 3, "\(path)")
            #expect(seen.count == 25 && Set(seen).count == 25, "\(path)")
        }

        let t = ISO8601DateFormatter()
        t.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let stamp = t.string(from: middle)
        let since = try h.getJSON("/reports?since=\(stamp)") as? [[String: Any]] ?? []
        let until = try h.getJSON("/reports?until=\(stamp)") as? [[String: Any]] ?? []
        #expect(since.count == 12)
        #expect(until.count == 13)
        let chalksSince = try h.getJSON("/chalks?since=\(stamp)") as? [[String: Any]] ?? []
        #expect(Set(chalksSince.compactMap { $0["METADATA_ID"] as? String }) == Set((0..<12).map { "MB\($0)" }))
        #expect(try h.client.get("/reports?since=yesterday", token: h.readToken).status == 400)
        #expect(try h.client.get("/reports?limit=0", token: h.readToken).status == 400)
    }

    @Test("builds: exact filters; runtime per host, container, pod and function; sampling; heartbeats move last_seen",
          arguments: Backend.available)
    func buildsAndRuntime(_ backend: Backend) throws {
        guard let h = try ServerHarness.make(backend, label: "builds") else { return skip(backend) }
        defer { h.stop() }
        let insert = ReportFixtures.insert(
            metadataID: "MRUN", chalkID: "CRUN", repo: "https://github.com/acme/payments.git", commit: "c0ffee",
            branch: "release", tags: ["registry.example/acme/payments:1.2"],
            digests: ["registry.example": ["acme/payments": ["sha256:feed"]]])
        let unrelated = ReportFixtures.insert(metadataID: "MOTHER", repo: "https://github.com/acme/other.git", commit: "bad")
        #expect(try h.client.postReports(ReportFixtures.body([insert, unrelated]), token: h.writeToken).status == 200)
        // Host web-1: two exec reports sampled at 50% (each stands for 2 runs) -> 4 executions.
        let e1 = ReportFixtures.exec(metadataID: "MRUN", host: "web-1", execID: "X1", probability: 50)
        let e2 = ReportFixtures.exec(metadataID: "MRUN", host: "web-1", execID: "X2", probability: 50)
        // A container in a pod, unsampled (100%); a Lambda function with 25% sampling.
        let e3 = ReportFixtures.exec(metadataID: "MRUN", host: "node-7", execID: "X3", container: "c0ntainer", pod: "payments-7d9f")
        let e4 = ReportFixtures.exec(metadataID: "MRUN", host: "169.254.1.1", execID: "X4", probability: 25, lambdaFunction: "payments-fn")
        #expect(try h.client.postReports(ReportFixtures.body([e1, e2, e3, e4]), token: h.writeToken).status == 200)
        usleep(100_000)
        // A heartbeat of X3 (linked only by _EXEC_ID) moves that place's last_seen.
        #expect(try h.client.postReports(ReportFixtures.body([ReportFixtures.heartbeat(execID: "X3", host: "node-7")]),
                                         token: h.writeToken).status == 200)

        func ids(_ query: String) throws -> Set<String> {
            let rows = try h.getJSON("/v1/builds?\(query)") as? [[String: Any]] ?? []
            return Set(rows.compactMap { $0["metadata_id"] as? String })
        }
        #expect(try ids("") == ["MRUN", "MOTHER"])
        #expect(try ids("repo=https%3A%2F%2Fgithub.com%2Facme%2Fpayments.git") == ["MRUN"])
        #expect(try ids("repo=https%3A%2F%2Fgithub.com%2Facme") == [])  // exact match only
        #expect(try ids("commit=c0ffee") == ["MRUN"])
        #expect(try ids("branch=release&commit=c0ffee") == ["MRUN"])
        #expect(try ids("branch=main&commit=c0ffee") == [])
        #expect(try ids("image=registry.example%2Facme%2Fpayments%3A1.2") == ["MRUN"])
        #expect(try ids("image=sha256%3Afeed") == ["MRUN"])
        #expect(try ids("image=registry.example%2Facme%2Fpayments%40sha256%3Afeed") == ["MRUN"])

        let list = try h.getJSON("/v1/builds?commit=c0ffee") as? [[String: Any]] ?? []
        let b = list.first ?? [:]
        #expect(b["chalk_id"] as? String == "CRUN" && b["artifact_type"] as? String == "ELF")
        #expect(b["repo"] as? String == "https://github.com/acme/payments.git" && b["branch"] as? String == "release")
        #expect(b["first_seen"] is String && b["last_seen"] is String)

        let detail = try h.getJSON("/v1/builds/MRUN") as? [String: Any] ?? [:]
        #expect((detail["build"] as? [String: Any])?["metadata_id"] as? String == "MRUN")
        #expect((detail["mark"] as? [String: Any])?["CHALK_ID"] as? String == "CRUN")
        let reports = detail["reports"] as? [[String: Any]] ?? []
        #expect(reports.count == 5)  // the insert and four execs; the heartbeat names no build
        #expect(reports.allSatisfy { $0["operation"] is String && $0["received"] is String && $0["report"] is [String: Any] })
        let runtime = detail["runtime"] as? [[String: Any]] ?? []
        #expect(runtime.count == 3)
        func entry(_ host: String) -> [String: Any] { runtime.first { $0["host"] as? String == host } ?? [:] }
        #expect(entry("web-1")["estimated_executions"] as? Int == 4)
        #expect(entry("web-1")["reports"] as? Int == 2)
        #expect(entry("web-1")["container"] is NSNull && entry("web-1")["function"] is NSNull)
        let pod = entry("node-7")
        #expect(pod["container"] as? String == "c0ntainer" && pod["pod"] as? String == "payments-7d9f")
        #expect(pod["estimated_executions"] as? Int == 1)
        #expect(pod["reports"] as? Int == 2)
        #expect((pod["last_seen"] as? String ?? "") > (pod["first_seen"] as? String ?? "~"))
        let fn = entry("169.254.1.1")
        #expect(fn["function"] as? String == "payments-fn" && fn["estimated_executions"] as? Int == 4)
        #expect(try h.client.get("/v1/builds/NOPE", token: h.readToken).status == 404)
    }

    private func skip(_ backend: Backend) {
        Issue.record("\(backend) backend could not be set up")
    }
}
