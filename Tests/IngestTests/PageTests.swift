import ChalkTestSupport
import Foundation
import Testing

@Suite("chalk-server web page", .serialized)
struct PageTests {
    /// Posts one build that runs in two places (a host and a container in a pod).
    static func seed(_ h: ServerHarness) throws {
        let insert = ReportFixtures.insert(metadataID: "MPAGE1", chalkID: "CPAGE1", repo: "https://github.com/acme/payments.git",
                                           commit: "4b825dc642cb6eb9a060e54bf8d69288fbee4904", branch: "main")
        let other = ReportFixtures.insert(metadataID: "MPAGE2", repo: "https://github.com/acme/ledger.git", commit: "aaaa", branch: "dev")
        let e1 = ReportFixtures.exec(metadataID: "MPAGE1", host: "web-1", execID: "PX1", probability: 50)
        let e2 = ReportFixtures.exec(metadataID: "MPAGE1", host: "node-7", execID: "PX2", container: "c0ffee1234", pod: "payments-7d9f")
        let r = try h.client.postReports(ReportFixtures.body([insert, other, e1, e2]), token: h.writeToken)
        #expect(r.status == 200)
    }

    @Test("sign-in: 401 form without a cookie; the form and ?token= set an HttpOnly cookie; write tokens refused")
    func signIn() throws {
        guard let h = try ServerHarness.make(.sqlite, label: "signin") else { Issue.record("no harness"); return }
        defer { h.stop() }
        try Self.seed(h)
        let anonymous = try h.client.get("/")
        #expect(anonymous.status == 401)
        #expect(anonymous.text.contains("<form method=\"post\" action=\"/signin\""))
        #expect(!anonymous.text.contains("MPAGE1"))

        let form = Data("token=\(h.readToken)&next=%2Fbuilds%2FMPAGE1".utf8)
        let signin = try h.client.request("POST", "/signin", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: form)
        #expect(signin.status == 303)
        #expect(signin.headers["location"] == "/builds/MPAGE1")
        let cookie = signin.headers["set-cookie"] ?? ""
        #expect(cookie.contains("HttpOnly") && cookie.hasPrefix("chalk_server_token="))
        let cookiePair = String(cookie.prefix { $0 != ";" })
        let page = try h.client.get("/", headers: ["Cookie": cookiePair])
        #expect(page.status == 200 && page.text.contains("MPAGE1") && page.text.contains("MPAGE2"))

        let bad = try h.client.request("POST", "/signin", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                       body: Data("token=\(h.writeToken)".utf8))
        #expect(bad.status == 401 && bad.headers["set-cookie"] == nil)
        #expect(try h.client.get("/?token=\(h.writeToken)").status == 401)

        let viaLink = try h.client.get("/?token=\(h.readToken)&q=ledger")
        #expect(viaLink.status == 200 && (viaLink.headers["set-cookie"] ?? "").contains("HttpOnly"))
        #expect(viaLink.text.contains("MPAGE2") && !viaLink.text.contains("MPAGE1"))  // the search
        // No external assets: nothing on the page points off the server.
        #expect(!viaLink.text.contains("http://") || !viaLink.text.contains("<script"))
        #expect(!viaLink.text.contains("<script") && !viaLink.text.contains("<link"))
    }

    @Test("headless Chromium renders the builds list and the build's runtime table")
    func chromiumRendersRuntime() throws {
        guard let chromium = TestSupport.which("chromium") ?? TestSupport.which("chromium-browser") else {
            print("SKIP: chromium not installed (apt-get install -y chromium)")
            return
        }
        guard let h = try ServerHarness.make(.sqlite, label: "page") else { Issue.record("no harness"); return }
        defer { h.stop() }
        try Self.seed(h)
        let profile = h.scratch.appendingPathComponent("chromium-profile")
        func chrome(_ args: [String]) throws -> TestSupport.ProcessResult {
            try TestSupport.run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                           "--no-first-run", "--user-data-dir=\(profile.path)",
                                           "--window-size=1280,900"] + args,
                                extraEnvironment: ["HOME": h.scratch.path], timeout: 90)
        }
        let base = "http://127.0.0.1:\(h.server.port)"
        let list = try chrome(["--dump-dom", "\(base)/?token=\(h.readToken)"])
        #expect(list.stdout.contains("/builds/MPAGE1"), "list DOM: \(list.stdout.prefix(400)) \(list.stderr.suffix(400))")
        #expect(list.stdout.contains("https://github.com/acme/payments.git"))

        let detail = try chrome(["--dump-dom", "\(base)/builds/MPAGE1?token=\(h.readToken)"])
        let dom = detail.stdout
        #expect(dom.contains("MPAGE1") && dom.contains("CPAGE1"))
        let rows = dom.components(separatedBy: "class=\"runtime-row\"").count - 1
        #expect(rows == 2, "runtime rows in DOM: \(rows)")
        #expect(dom.contains("web-1") && dom.contains("node-7") && dom.contains("payments-7d9f") && dom.contains("c0ffee1234"))

        // A screenshot for a person to look at (kept under .build so it survives the test).
        let shot = TestSupport.packageRoot.appendingPathComponent(".build/chalk-server-page.png")
        try? FileManager.default.removeItem(at: shot)
        _ = try chrome(["--screenshot=\(shot.path)", "\(base)/builds/MPAGE1?token=\(h.readToken)"])
        let png = (try? Data(contentsOf: shot)) ?? Data()
        #expect(png.count > 10_000 && png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]), "screenshot missing or tiny")
    }
}
