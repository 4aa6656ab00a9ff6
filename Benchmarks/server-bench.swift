// Load generator for Benchmarks/server-bench.sh: posts insert and exec reports the way chalk's
// `post` sink does (JSON array body; X-Chalk-Version, -Operation, -Action-Id, -Attempt,
// X-Content-Length, X-Chalk-Digest-Sha256; keep-alive; TCP_NODELAY) over C connections for a
// fixed time, then prints one line of JSON: reports/s, latency percentiles, statuses.
//
// Build: swiftc -O server-bench.swift -lcrypto -o server-bench   (a single file, no package needed)
// Usage: server-bench --port P --connections C --per-post N --seconds S [--token T] [--seed X]
//                     [--ports P1,P2] (spread connections over several servers)
import Foundation

struct Options {
    var ports: [Int] = [8585]
    var connections = 1
    var perPost = 1
    var seconds = 5.0
    var token: String?
    var seed = String(UInt64.random(in: 0...UInt64.max), radix: 36)
}

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    while let a = args.popFirst() {
        let v = args.popFirst() ?? ""
        switch a {
        case "--port": o.ports = [Int(v)!]
        case "--ports": o.ports = v.split(separator: ",").map { Int($0)! }
        case "--connections": o.connections = Int(v)!
        case "--per-post": o.perPost = Int(v)!
        case "--seconds": o.seconds = Double(v)!
        case "--token": o.token = v.isEmpty ? nil : v
        case "--seed": o.seed = v
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

// MARK: - Reports shaped like chalk's

func hex(_ n: UInt64, _ width: Int) -> String {
    let s = String(n, radix: 16)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}

/// An insert report (template insertion_default) for one ELF binary, unique per `n`.
func insertReport(seed: String, n: Int) -> String {
    let mid = "M" + seed + "-" + String(n)
    let hash = hex(UInt64(n) &* 0x9E3779B97F4A7C15, 16) + String(repeating: "ab", count: 24)
    return """
    {"_OPERATION":"insert","_TIMESTAMP":\(1764489600000 + n),"_DATETIME":"2026-11-30T08:00:00.000+00:00",\
    "_OP_HOSTNAME":"build-runner-7","_OP_HOSTINFO":"#1 SMP PREEMPT_DYNAMIC Debian 6.1.0-28","_OP_NODENAME":"build-runner-7",\
    "_OP_PLATFORM":"GNU/Linux x86_64","_OP_CHALKER_VERSION":"0.6.2","_OP_CHALKER_COMMIT_ID":"0123456789abcdef0123456789abcdef01234567",\
    "_OP_CMD_FLAGS":[],"_OP_EXE_NAME":"chalk","_OP_UNMARKED_COUNT":0,"_OP_CHALK_COUNT":1,"_EXEC_ID":"x\(seed)\(n)",\
    "_OP_SEARCH_PATH":["/work/dist/app"],"_ENV":{"PATH":"/usr/local/bin:/usr/bin:/bin","HOME":"/home/ci","CI":"true",\
    "GITHUB_ACTIONS":"true","GITHUB_REPOSITORY":"acme/payments","GITHUB_SHA":"4b825dc642cb6eb9a060e54bf8d69288fbee4904"},\
    "_CHALKS":[{"CHALK_ID":"\(hex(UInt64(n) &* 2654435761, 8).uppercased())-W8FN-1KCS-Q2A2XK","MAGIC":"dadfedabbadabbed",\
    "CHALK_VERSION":"0.6.2","TIMESTAMP_WHEN_CHALKED":\(1764489600000 + n),"DATETIME_WHEN_CHALKED":"2026-11-30T08:00:00.000+00:00",\
    "ARTIFACT_TYPE":"ELF","HASH":"\(hash)","PRE_CHALK_HASH":"\(hash)","INJECTOR_COMMIT_ID":"0123456789abcdef0123456789abcdef01234567",\
    "ORIGIN_URI":"https://github.com/acme/payments.git","COMMIT_ID":"4b825dc642cb6eb9a060e54bf8d69288fbee4904",\
    "BRANCH":"main","AUTHOR":"Dev One <dev@example.com> 1764489000 +0000","DATE_AUTHORED":"Sun Nov 30 07:50:00 2026 +0000",\
    "COMMITTER":"Dev One <dev@example.com> 1764489000 +0000","DATE_COMMITTED":"Sun Nov 30 07:50:00 2026 +0000",\
    "COMMIT_MESSAGE":"Add retry to the settlement client","PLATFORM_WHEN_CHALKED":"GNU/Linux x86_64",\
    "METADATA_HASH":"\(hash)","METADATA_ID":"\(mid)","_OP_ARTIFACT_PATH":"/work/dist/app/payments-\(n)",\
    "_OP_ARTIFACT_TYPE":"ELF","_CURRENT_HASH":"\(hash)"}]}
    """
}

/// An exec report (template report_default) from a container running a marked binary.
func execReport(seed: String, n: Int) -> String {
    let mid = "M" + seed + "-" + String(max(0, n - 1))
    return """
    {"_OPERATION":"exec","_TIMESTAMP":\(1764489600000 + n),"_DATETIME":"2026-11-30T08:00:01.000+00:00",\
    "_OP_HOSTNAME":"node-\(n % 7)","_OP_HOSTINFO":"#1 SMP PREEMPT_DYNAMIC Debian 6.1.0-28","_OP_NODENAME":"node-\(n % 7)",\
    "_OP_PLATFORM":"GNU/Linux x86_64","_OP_CHALKER_VERSION":"0.6.2","_EXEC_ID":"e\(seed)\(n)",\
    "_EXEC_REPORTING_PROBABILITY":100,"_INSTANCE_CONTAINER_ID":"\(hex(UInt64(n) &* 0x9E3779B97F4A7C15, 16))\(String(repeating: "c", count: 48))",\
    "_PROCESS_PID":1,"_PROCESS_PARENT_PID":0,"_PROCESS_UID":"0","_PROCESS_GID":"0","_PROCESS_STATE":"running",\
    "_PROCESS_COMMAND_NAME":"payments","_PROCESS_EXE_PATH":"/app/payments","_PROCESS_ARGV":["/app/payments","--port","8080"],\
    "_PROCESS_CWD":"/app","_ENV":{"PATH":"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","HOSTNAME":"payments-7d9f",\
    "LANG":"C.UTF-8","APP_ENV":"production","PORT":"8080","KUBERNETES_SERVICE_HOST":"10.96.0.1","KUBERNETES_SERVICE_PORT":"443"},\
    "_CHALKS":[{"CHALK_ID":"7YQ3KZ-W8FN-1KCS-Q2A2XK","METADATA_ID":"\(mid)","ARTIFACT_TYPE":"ELF",\
    "ORIGIN_URI":"https://github.com/acme/payments.git","COMMIT_ID":"4b825dc642cb6eb9a060e54bf8d69288fbee4904","BRANCH":"main",\
    "_OP_ARTIFACT_PATH":"/app/payments","_OP_ARTIFACT_TYPE":"ELF","_CURRENT_HASH":"\(hex(UInt64(n), 64))"}]}
    """
}

// MARK: - One connection

final class Worker: @unchecked Sendable {
    // @unchecked: each Worker's fields are written by its own thread and read after join.
    let options: Options
    let index: Int
    let port: Int
    let deadline: Double
    var latencies: [Double] = []
    var reportsOK = 0
    var statuses: [Int: Int] = [:]
    var errors = 0
    let done = DispatchSemaphore(value: 0)

    init(options: Options, index: Int, deadline: Double) {
        self.options = options
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
                items.append(n % 2 == 0 ? insertReport(seed: options.seed, n: serial) : execReport(seed: options.seed, n: serial))
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
            if status == 200 || status == 202 { reportsOK += options.perPost }
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
let start = now()
let workers = (0..<options.connections).map { Worker(options: options, index: $0, deadline: start + options.seconds) }
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
