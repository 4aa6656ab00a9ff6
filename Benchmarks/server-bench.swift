// Load generator for Benchmarks/server-bench.sh: posts insert and exec reports the way chalk's
// `post` sink does (JSON array body; X-Chalk-Version, -Operation, -Action-Id, -Attempt,
// X-Content-Length, X-Chalk-Digest-Sha256; keep-alive; TCP_NODELAY) over C connections for a
// fixed time, then prints one line of JSON: reports/s, latency percentiles, statuses.
//
// Build: swiftc -O server-bench.swift -lcrypto -o server-bench   (a single file, no package needed)
// Usage: server-bench --port P --connections C --per-post N --seconds S [--token T] [--seed X]
//                     [--ports P1,P2] (spread connections over several servers)
//                     [--fixtures DIR] (insert-report.json and exec-report.json; default Benchmarks/fixtures)
import Foundation

struct Options {
    var ports: [Int] = [8585]
    var connections = 1
    var perPost = 1
    var seconds = 5.0
    var token: String?
    var seed = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    var fixtures = "Benchmarks/fixtures"
}

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    while let a = args.popFirst() {
        if a == "--print-body" { continue }
        let v = args.popFirst() ?? ""
        switch a {
        case "--port": o.ports = [Int(v)!]
        case "--ports": o.ports = v.split(separator: ",").map { Int($0)! }
        case "--connections": o.connections = Int(v)!
        case "--per-post": o.perPost = Int(v)!
        case "--seconds": o.seconds = Double(v)!
        case "--token": o.token = v.isEmpty ? nil : v
        case "--seed": o.seed = v
        case "--fixtures": o.fixtures = v
        default: fatalError("unknown option \(a)")
        }
    }
    return o
}

// MARK: - SHA-256 from libcrypto (linked with -lcrypto), so hashing the digest header costs the
// load generator little CPU: it shares the machine with the server under test.

@_silgen_name("SHA256")
func libcryptoSHA256(_ data: UnsafePointer<UInt8>?, _ count: Int, _ digest: UnsafeMutablePointer<UInt8>?) -> UnsafeMutablePointer<UInt8>?

func sha256Hex(_ data: [UInt8]) -> String {
    var digest = [UInt8](repeating: 0, count: 32)
    data.withUnsafeBufferPointer { input in
        digest.withUnsafeMutableBufferPointer { out in _ = libcryptoSHA256(input.baseAddress, input.count, out.baseAddress) }
    }
    let hexDigits = Array("0123456789abcdef".utf8)
    return String(decoding: digest.flatMap { [hexDigits[Int($0 >> 4)], hexDigits[Int($0 & 15)]] }, as: UTF8.self)
}

// MARK: - Reports as chalk sends them
//
// The bodies come from Benchmarks/fixtures/{insert,exec}-report.json: reports captured from the
// project's own `chalk insert` and `chalk exec` through a `post` sink (see fixtures/README.md),
// with the per-report values replaced by @NAME@ placeholders. Every report of a run is new: its
// METADATA_ID, CHALK_ID, hashes, _EXEC_ID and _ACTION_ID carry the run's seed and a serial, so
// neither server can answer from a duplicate (the reference stores none of a batch that repeats
// a known METADATA_ID and answers 202). Each exec report names the METADATA_ID of the insert
// report sent just before it on the same connection, as a marked binary's exec report does.

/// A report template split at its placeholders, so filling it in is a few appends.
struct Template {
    enum Piece { case text(String), slot(String) }
    let pieces: [Piece]
    static let names: Set<String> = ["MID", "CID", "HASH", "MHASH", "CHASH", "EXECID", "ACTIONID", "TS", "N", "HOST", "CONTAINER"]

    init(path: String) {
        guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8) else {
            fatalError("cannot read the report fixture \(path)")
        }
        // One report per line in the body, as chalk's post sink sends it (no pretty-printing).
        text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var out: [Piece] = []
        var rest = Substring(text)
        while let at = rest.firstIndex(of: "@") {
            let after = rest[rest.index(after: at)...]
            if let close = after.firstIndex(of: "@"), Template.names.contains(String(after[..<close])) {
                out.append(.text(String(rest[..<at])))
                out.append(.slot(String(after[..<close])))
                rest = after[after.index(after: close)...]
            } else {
                out.append(.text(String(rest[...at])))
                rest = after
            }
        }
        out.append(.text(String(rest)))
        pieces = out
        if (try? JSONSerialization.jsonObject(with: Data(fill(["MID": "m", "CID": "c", "HASH": "h", "MHASH": "h", "CHASH": "h",
            "EXECID": "e", "ACTIONID": "a", "TS": "1", "N": "1", "HOST": "h", "CONTAINER": "c"]).utf8))) == nil {
            fatalError("the report fixture \(path) is not JSON once filled in")
        }
    }

    func fill(_ values: [String: String]) -> String {
        var s = ""
        s.reserveCapacity(4096)
        for p in pieces {
            switch p {
            case let .text(t): s += t
            case let .slot(name): s += values[name]!
            }
        }
        return s
    }
}

func hex(_ n: UInt64, _ width: Int) -> String {
    let s = String(n, radix: 16)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}

/// 64 hex digits that differ for every (seed, n).
func hash64(_ seedHash: UInt64, _ n: Int, _ salt: UInt64) -> String {
    var x = seedHash ^ (UInt64(n) &* 0x9E3779B97F4A7C15) ^ salt
    var out = ""
    for _ in 0..<4 {
        x = x &* 6364136223846793005 &+ 1442695040888963407
        out += hex(x ^ (x >> 29), 16)
    }
    return out
}

struct ReportMaker {
    let insert: Template
    let exec: Template
    let seed: String
    let seedHash: UInt64

    init(fixtures: String, seed: String) {
        insert = Template(path: fixtures + "/insert-report.json")
        exec = Template(path: fixtures + "/exec-report.json")
        self.seed = seed
        seedHash = seed.utf8.reduce(1469598103934665603) { ($0 ^ UInt64($1)) &* 1099511628211 }
    }

    func metadataID(_ n: Int) -> String {
        // Chalk's ids: 26 characters of Crockford base32 with dashes; ours only need to be unique.
        "M" + seed.uppercased() + "-" + String(n, radix: 36).uppercased()
    }

    /// An insert report (template insertion_default) for one marked artifact, unique per `n`.
    func insertReport(_ n: Int) -> String {
        insert.fill([
            "MID": metadataID(n), "CID": "C" + hex(UInt64(n) &* 2654435761, 8).uppercased() + "-" + seed.uppercased(),
            "HASH": hash64(seedHash, n, 1), "MHASH": hash64(seedHash, n, 2), "CHASH": hash64(seedHash, n, 4), "EXECID": "x" + seed + String(n),
            "ACTIONID": "a" + seed + String(n), "TS": String(1764489600000 + n), "N": String(n),
            "HOST": "build-runner-\(n % 5)", "CONTAINER": hash64(seedHash, n, 3),
        ])
    }

    /// An exec report (template report_default) of the artifact marked by insert report `n - 1`.
    func execReport(_ n: Int) -> String {
        exec.fill([
            "MID": metadataID(max(0, n - 1)), "CID": "C" + hex(UInt64(max(0, n - 1)) &* 2654435761, 8).uppercased() + "-" + seed.uppercased(),
            "HASH": hash64(seedHash, max(0, n - 1), 1), "MHASH": hash64(seedHash, max(0, n - 1), 2), "CHASH": hash64(seedHash, max(0, n - 1), 4),
            "EXECID": "e" + seed + String(n), "ACTIONID": "a" + seed + String(n), "TS": String(1764489600000 + n),
            "N": String(max(0, n - 1)), "HOST": "node-\(n % 7)", "CONTAINER": hash64(seedHash, n, 3),
        ])
    }
}

// MARK: - One connection

final class Worker: @unchecked Sendable {
    // @unchecked: each Worker's fields are written by its own thread and read after join.
    let options: Options
    let maker: ReportMaker
    let index: Int
    let port: Int
    let deadline: Double
    var latencies: [Double] = []
    var reportsOK = 0
    var statuses: [Int: Int] = [:]
    var errors = 0
    let done = DispatchSemaphore(value: 0)

    init(options: Options, maker: ReportMaker, index: Int, deadline: Double) {
        self.options = options
        self.maker = maker
        self.index = index
        self.port = options.ports[index % options.ports.count]
        self.deadline = deadline
    }

    func connect() -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var tv = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 { close(fd); return -1 }
        return fd
    }

    func run() {
        defer { done.signal() }
        var fd = connect()
        var n = 0
        var buffer = [UInt8](repeating: 0, count: 65536)
        var pending: [UInt8] = []
        while now() < deadline {
            if fd < 0 { errors += 1; usleep(10_000); fd = connect(); continue }
            var items: [String] = []
            for _ in 0..<options.perPost {
                let serial = index * 100_000_000 + n
                items.append(n % 2 == 0 ? maker.insertReport(serial) : maker.execReport(serial))
                n += 1
            }
            let body = Array(("[" + items.joined(separator: ",") + "]").utf8)
            var head = "POST /report HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
            head += "Content-Length: \(body.count)\r\nX-Chalk-Version: 0.6.2\r\nX-Chalk-Operation: insert\r\n"
            head += "X-Chalk-Action-Id: \(options.seed)-\(index)-\(n)\r\nX-Chalk-Attempt: 1\r\n"
            head += "X-Content-Length: \(body.count)\r\nX-Chalk-Digest-Sha256: \(sha256Hex(body))\r\n"
            if let token = options.token { head += "Authorization: Bearer \(token)\r\n" }
            head += "\r\n"
            let request = Array(head.utf8) + body
            let start = now()
            var sent = 0
            var failed = false
            while sent < request.count {
                let r = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, request.count - sent, Int32(MSG_NOSIGNAL)) }
                if r <= 0 { failed = true; break }
                sent += r
            }
            // Read one response: head, then Content-Length bytes.
            var status = 0
            var needed = -1
            pending.removeAll(keepingCapacity: true)
            while !failed {
                if needed < 0, let end = findHeadEnd(pending) {
                    let headText = String(decoding: pending[0..<end], as: UTF8.self)
                    status = Int(headText.split(separator: " ")[1]) ?? 0
                    var length = 0
                    for line in headText.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                        length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
                    }
                    needed = end + 4 + length
                }
                if needed >= 0 && pending.count >= needed { break }
                let r = recv(fd, &buffer, buffer.count, 0)
                if r <= 0 { failed = true; break }
                pending.append(contentsOf: buffer[0..<r])
            }
            if failed {
                errors += 1
                close(fd)
                fd = connect()
                continue
            }
            latencies.append(now() - start)
            statuses[status, default: 0] += 1
            // The reference answers 202 when it stored none of the batch (a known METADATA_ID):
            // only a 200 means the reports were stored.
            if status == 200 { reportsOK += options.perPost }
        }
        if fd >= 0 { close(fd) }
    }

    func findHeadEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
        return nil
    }
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

let options = parseOptions()
let maker = ReportMaker(fixtures: options.fixtures, seed: options.seed)
if CommandLine.arguments.contains("--print-body") {
    // One body of `--per-post` reports, as the first POST of connection 0 sends it.
    print("[" + (0..<options.perPost).map { $0 % 2 == 0 ? maker.insertReport($0) : maker.execReport($0) }.joined(separator: ",") + "]")
    exit(0)
}
let start = now()
let workers = (0..<options.connections).map { Worker(options: options, maker: maker, index: $0, deadline: start + options.seconds) }
for w in workers { Thread { w.run() }.start() }
for w in workers { w.done.wait() }
let elapsed = now() - start
let latencies = workers.flatMap(\.latencies).sorted()
func percentile(_ p: Double) -> Double {
    guard !latencies.isEmpty else { return 0 }
    return latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000
}
var statuses: [Int: Int] = [:]
for w in workers { for (k, v) in w.statuses { statuses[k, default: 0] += v } }
let ok = workers.reduce(0) { $0 + $1.reportsOK }
let errors = workers.reduce(0) { $0 + $1.errors }
let statusText = statuses.keys.sorted().map { "\"\($0)\":\(statuses[$0]!)" }.joined(separator: ",")
print("""
{"connections":\(options.connections),"per_post":\(options.perPost),"seconds":\(String(format: "%.2f", elapsed)),\
"posts":\(latencies.count),"reports_ok":\(ok),"reports_per_s":\(String(format: "%.0f", Double(ok) / elapsed)),\
"p50_ms":\(String(format: "%.2f", percentile(0.50))),"p99_ms":\(String(format: "%.2f", percentile(0.99))),\
"errors":\(errors),"statuses":{\(statusText)},"seed":"\(options.seed)"}
""")
