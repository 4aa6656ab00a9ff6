import Foundation

/// Reports shaped like chalk's (written from the key specs, not copied): insert reports with one
/// `_CHALKS` item per artifact, exec and heartbeat reports with host, container and environment keys.
enum ReportFixtures {
    static func insert(metadataID: String, chalkID: String = "CHALK-\(UUID().uuidString.prefix(8))",
                       repo: String = "https://github.com/acme/payments.git",
                       commit: String = "4b825dc642cb6eb9a060e54bf8d69288fbee4904", branch: String = "main",
                       tags: [String] = [], digests: [String: [String: [String]]] = [:],
                       timestamp: Int = 1_764_489_600_000, extra: [String: Any] = [:]) -> [String: Any] {
        var item: [String: Any] = [
            "CHALK_ID": chalkID, "METADATA_ID": metadataID, "ARTIFACT_TYPE": "ELF",
            "HASH": String(repeating: "ab", count: 32), "METADATA_HASH": String(repeating: "cd", count: 32),
            "ORIGIN_URI": repo, "COMMIT_ID": commit, "BRANCH": branch, "MAGIC": "dadfedabbadabbed",
            "_OP_ARTIFACT_PATH": "/work/dist/payments",
        ]
        if !tags.isEmpty { item["DOCKER_TAGS"] = tags }
        if !digests.isEmpty { item["_REPO_DIGESTS"] = digests }
        var report: [String: Any] = [
            "_OPERATION": "insert", "_TIMESTAMP": timestamp, "_OP_HOSTNAME": "build-runner-1",
            "_OP_CHALKER_VERSION": "0.1.0", "_CHALKS": [item],
        ]
        for (k, v) in extra { report[k] = v }
        return report
    }

    static func exec(metadataID: String, host: String, execID: String = UUID().uuidString,
                     probability: Int? = nil, container: String? = nil, pod: String? = nil,
                     lambdaFunction: String? = nil, timestamp: Int = 1_764_489_700_000) -> [String: Any] {
        var env: [String: Any] = ["PATH": "/usr/bin:/bin", "HOSTNAME": host]
        if let lambdaFunction { env["AWS_LAMBDA_FUNCTION_NAME"] = lambdaFunction }
        var report: [String: Any] = [
            "_OPERATION": "exec", "_TIMESTAMP": timestamp, "_OP_HOSTNAME": host, "_EXEC_ID": execID,
            "_ENV": env, "_PROCESS_PID": 1,
            "_CHALKS": [["METADATA_ID": metadataID, "CHALK_ID": "CHALK-X", "ARTIFACT_TYPE": "ELF",
                         "_OP_ARTIFACT_PATH": "/app/payments"]],
        ]
        if let probability { report["_EXEC_REPORTING_PROBABILITY"] = probability }
        if let container { report["_INSTANCE_CONTAINER_ID"] = container }
        if let pod { report["_K8S_POD_NAME"] = pod }
        return report
    }

    static func heartbeat(execID: String, host: String, timestamp: Int = 1_764_489_800_000) -> [String: Any] {
        ["_OPERATION": "heartbeat", "_TIMESTAMP": timestamp, "_OP_HOSTNAME": host, "_EXEC_ID": execID,
         "_EXEC_REPORTING_PROBABILITY": 100]
    }

    /// A JSON array body. `sortedKeys: false` with `pretty` gives another byte form of the same reports.
    static func body(_ reports: [Any], pretty: Bool = false) -> Data {
        let options: JSONSerialization.WritingOptions = pretty ? [.prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys]
        return try! JSONSerialization.data(withJSONObject: reports, options: options)
    }
}

/// Which database a test runs against.
enum Backend: String, CustomStringConvertible, Sendable, CaseIterable {
    case sqlite
    case postgres
    var description: String { rawValue }

    /// SQLite always; PostgreSQL when its server binaries are installed (otherwise the
    /// PostgreSQL variants are not generated, and the log says why).
    static var available: [Backend] {
        if let reason = PostgresFixture.unavailableReason {
            print("chalk-server tests: PostgreSQL variants skipped: \(reason)")
            return [.sqlite]
        }
        return [.sqlite, .postgres]
    }
}

/// A scratch directory, a database (a SQLite file, or a fresh PostgreSQL cluster), tokens made
/// with `chalk-server token create`, and one or more running servers. `stop()` tears it all down.
final class ServerHarness: @unchecked Sendable {
    // @unchecked: used from one test at a time.
    let scratch: URL
    let databaseURL: String
    private(set) var servers: [ServerFixture] = []
    let writeToken: String
    let readToken: String
    let postgres: PostgresFixture?
    var server: ServerFixture { servers[0] }
    var client: HTTPTestClient { servers[0].client }

    /// nil when the backend is PostgreSQL and PostgreSQL is not available here (the test skips).
    static func make(_ backend: Backend, label: String, instances: Int = 1,
                     extraArguments: [String] = []) throws -> ServerHarness? {
        switch backend {
        case .sqlite:
            return try ServerHarness(label: label, postgres: nil, instances: instances, extraArguments: extraArguments)
        case .postgres:
            guard let pg = try PostgresFixture.start() else { return nil }
            return try ServerHarness(label: label, postgres: pg, instances: instances, extraArguments: extraArguments)
        }
    }

    private init(label: String, postgres: PostgresFixture?, instances: Int, extraArguments: [String]) throws {
        scratch = try TestSupportDir.make(label)
        self.postgres = postgres
        databaseURL = postgres?.url ?? ("sqlite://" + scratch.appendingPathComponent("db/chalk.sqlite").path)
        do {
            // Start the instances together: migrations must be safe when they race.
            let url = databaseURL, dir = scratch
            let started = try (0..<instances).concurrentMap { _ in
                try ServerFixture(database: url, scratch: dir, extraArguments: extraArguments)
            }
            servers = started
            writeToken = try ServerFixture.createToken(database: databaseURL, scope: "write", home: scratch)
            readToken = try ServerFixture.createToken(database: databaseURL, scope: "read", home: scratch)
        } catch {
            for s in servers { s.kill9() }
            postgres?.stop()
            throw error
        }
    }

    /// Starts another instance on the same database.
    func startAnother(extraArguments: [String] = []) throws -> ServerFixture {
        let s = try ServerFixture(database: databaseURL, scratch: scratch, extraArguments: extraArguments)
        servers.append(s)
        return s
    }

    /// Replaces instance `index` with a fresh process (after it was stopped or killed).
    func restart(_ index: Int = 0, extraArguments: [String] = []) throws {
        servers[index] = try ServerFixture(database: databaseURL, scratch: scratch, extraArguments: extraArguments)
    }

    func stop() {
        for s in servers { s.terminate() }
        postgres?.stop()
        try? FileManager.default.removeItem(at: scratch)
    }

    /// Every stored report (one unpaged request).
    func allReports(operation: String? = nil) throws -> [[String: Any]] {
        let path = "/reports" + (operation.map { "?operation=\($0)" } ?? "")
        let r = try client.get(path, token: readToken)
        guard r.status == 200 else { throw HTTPTestClient.ClientError(description: "GET \(path): \(r.status) \(r.text)") }
        return (try r.json() as? [[String: Any]]) ?? []
    }

    /// GET that must answer 200 with JSON.
    func getJSON(_ path: String) throws -> Any {
        let r = try client.get(path, token: readToken)
        guard r.status == 200 else { throw HTTPTestClient.ClientError(description: "GET \(path): \(r.status) \(r.text)") }
        return try r.json()
    }
}

extension Range where Bound == Int {
    /// Runs `body` for each element on its own thread and returns the results in order.
    func concurrentMap<T>(_ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
        // Guarded by `lock`; read after all threads finished.
        nonisolated(unsafe) var results = [Result<T, any Error>?](repeating: nil, count: count)
        let lock = NSLock()
        let lower = lowerBound
        let group = DispatchGroup()
        for i in 0..<count {
            group.enter()
            Thread {
                let r = Result { try body(lower + i) }
                lock.lock()
                results[i] = r
                lock.unlock()
                group.leave()
            }.start()
        }
        group.wait()
        return try results.map { try $0!.get() }
    }
}

enum TestSupportDir {
    static func make(_ label: String) throws -> URL {
        let dir = URL(fileURLWithPath: "/tmp/chalk-server-test-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
