import Foundation

/// Real receivers on 127.0.0.1 for the sink tests: a small Python HTTP(S) server that records
/// what it receives, and moto's S3 server with signature checking. Each is started by the test
/// and stopped by it (`stop()`), never shared.

/// A free TCP port on 127.0.0.1 (bound, then released; the caller binds it next).
public func freeLoopbackPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// True when something accepts TCP connections on 127.0.0.1:port.
public func portIsOpen(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = UInt16(port).bigEndian
    let rc = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    return rc == 0
}

/// Stops a server the test started. SIGKILL, because a child spawned by Foundation's Process
/// may inherit a mask that blocks SIGTERM.
public func stopProcess(_ p: Process) {
    if p.isRunning { kill(p.processIdentifier, SIGKILL) }
    p.waitUntilExit()
}

public struct ServerError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// The Python receiver: records each request as a JSON line, answers by its mode.
public final class HTTPReceiver {
    static let script = #"""
import http.server, ssl, sys, json, argparse, signal
# Foundation's Process spawns from a thread with most signals blocked; unblock them so that
# SIGTERM stops this server.
signal.pthread_sigmask(signal.SIG_SETMASK, [])
p = argparse.ArgumentParser()
p.add_argument("--port", type=int, default=0)
p.add_argument("--log", required=True)
p.add_argument("--cert"); p.add_argument("--key")
p.add_argument("--bearer")
p.add_argument("--max-body", type=int, default=0)
p.add_argument("--delay", type=float, default=0)
a = p.parse_args()
import time
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        if a.delay:
            time.sleep(a.delay)
        status = 200
        if a.bearer and self.headers.get("Authorization") != "Bearer " + a.bearer:
            status = 401
        elif a.max_body and n > a.max_body:
            status = 413
        rec = {"status": status, "path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
               "body": body.decode("utf-8", "replace")}
        with open(a.log, "a") as f:
            f.write(json.dumps(rec) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), H)
if a.cert:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("READY", srv.server_address[1], flush=True)
srv.serve_forever()
"""#

    let process = Process()
    public let port: Int
    public let logPath: String

    public struct Request: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: String
    }

    /// Starts the receiver in `dir`; waits for its READY line.
    public init(dir: URL, port: Int = 0, tls: TLSFiles? = nil, bearer: String? = nil, maxBody: Int? = nil, delaySeconds: Double? = nil) throws {
        let scriptPath = dir.appendingPathComponent("receiver.py").path
        try HTTPReceiver.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        logPath = dir.appendingPathComponent("received-\(UUID().uuidString.prefix(6)).jsonl").path
        var args = [scriptPath, "--port", String(port), "--log", logPath]
        if let tls { args += ["--cert", tls.cert, "--key", tls.key] }
        if let bearer { args += ["--bearer", bearer] }
        if let maxBody { args += ["--max-body", String(maxBody)] }
        if let delaySeconds { args += ["--delay", String(delaySeconds)] }
        process.executableURL = URL(fileURLWithPath: TestSupport.which("python3") ?? "/usr/bin/python3")
        process.arguments = args
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Readiness handshake: the server prints "READY <port>" once it listens.
        var line = ""
        let deadline = Date().addingTimeInterval(20)
        while !line.contains("\n") && Date() < deadline {
            let d = out.fileHandleForReading.availableData
            if d.isEmpty { break }
            line += String(decoding: d, as: UTF8.self)
        }
        let parts = line.split(separator: " ")
        guard parts.count >= 2, parts[0] == "READY", let p = Int(parts[1].trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw ServerError(description: "receiver did not start: \(line)")
        }
        self.port = p
    }

    public func stop() { stopProcess(process) }

    public var requests: [Request] {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return Request(status: o["status"] as? Int ?? 0, headers: o["headers"] as? [String: String] ?? [:],
                           body: o["body"] as? String ?? "")
        }
    }
}

/// A self-signed certificate for 127.0.0.1, made with `openssl req -x509`.
public struct TLSFiles: Sendable {
    public var cert: String
    public var key: String

    public static func make(in dir: URL) throws -> TLSFiles {
        let cert = dir.appendingPathComponent("cert.pem").path, key = dir.appendingPathComponent("key.pem").path
        let r = try TestSupport.run(TestSupport.which("openssl") ?? "/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ])
        guard r.status == 0 else { throw ServerError(description: "openssl failed: \(r.stderr)") }
        return TLSFiles(cert: cert, key: key)
    }
}

/// moto's S3 server with signature checking: started with INITIAL_NO_AUTH_ACTION_COUNT=3, the
/// three free calls create an IAM user, its access key and an allow-all policy; from then on
/// every request must carry a valid SigV4 signature (ENVIRONMENT.md).
public final class MotoS3 {
    public static var available: Bool { TestSupport.which("moto_server") != nil }

    static let helper = #"""
import sys, json, boto3
from botocore.config import Config
cmd, port = sys.argv[1], sys.argv[2]
ep = "http://127.0.0.1:" + port
def client(svc, key, secret):
    return boto3.client(svc, endpoint_url=ep, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret, config=Config(s3={"addressing_style": "path"}))
if cmd == "setup":
    bucket = sys.argv[3]
    iam = client("iam", "AKIAIOSFODNN7EXAMPLE", "unused")
    iam.create_user(UserName="chalk")
    k = iam.create_access_key(UserName="chalk")["AccessKey"]
    iam.put_user_policy(UserName="chalk", PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    client("s3", k["AccessKeyId"], k["SecretAccessKey"]).create_bucket(Bucket=bucket)
    print(json.dumps({"key": k["AccessKeyId"], "secret": k["SecretAccessKey"]}))
elif cmd == "list":
    key, secret, bucket = sys.argv[3], sys.argv[4], sys.argv[5]
    s3 = client("s3", key, secret)
    out = []
    for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read().decode()
        out.append({"key": o["Key"], "body": body})
    print(json.dumps(out))
"""#

    let process = Process()
    public let port: Int
    public let accessKey: String
    public let secretKey: String
    public let bucket: String
    private let helperPath: String

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    public init(dir: URL, bucket: String = "chalk-reports") throws {
        port = freeLoopbackPort()
        self.bucket = bucket
        helperPath = dir.appendingPathComponent("s3helper.py").path
        try MotoS3.helper.write(toFile: helperPath, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: TestSupport.which("moto_server")!)
        process.arguments = ["-H", "127.0.0.1", "-p", String(port)]
        var env = ProcessInfo.processInfo.environment
        env["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while !portIsOpen(port) && Date() < deadline { usleep(100_000) }
        guard portIsOpen(port) else {
            process.terminate()
            throw ServerError(description: "moto_server did not start on port \(port)")
        }
        let r = try TestSupport.run(TestSupport.which("python3") ?? "/usr/bin/python3", [helperPath, "setup", String(port), bucket], timeout: 60)
        guard r.status == 0, let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: String],
              let k = o["key"], let s = o["secret"] else {
            process.terminate()
            throw ServerError(description: "moto setup failed: \(r.stderr)")
        }
        accessKey = k
        secretKey = s
    }

    /// Objects in the bucket (key, body), read with valid credentials.
    public func objects() throws -> [(key: String, body: String)] {
        let r = try TestSupport.run(TestSupport.which("python3") ?? "/usr/bin/python3",
                                    [helperPath, "list", String(port), accessKey, secretKey, bucket], timeout: 60)
        guard r.status == 0, let a = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: String]] else {
            throw ServerError(description: "moto list failed: \(r.stderr)")
        }
        return a.map { ($0["key"] ?? "", $0["body"] ?? "") }
    }

    public func stop() { stopProcess(process) }
}
