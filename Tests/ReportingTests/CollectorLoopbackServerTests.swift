import Foundation
import Testing
import ChalkTestSupport

/// A loopback stand-in for the metadata services, answering as their documentation says
/// (RULINGS 14):
/// * AWS IMDSv2 (docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html):
///   `PUT /latest/api/token` needs `X-aws-ec2-metadata-token-ttl-seconds` (1–21600, else 400) and
///   returns a token; every `GET` must carry it in `X-aws-ec2-metadata-token` (else 401,
///   IMDSv2-required mode); unknown paths are 404; directory listings are newline-separated.
/// * GCP (cloud.google.com/compute/docs/metadata/querying-metadata): `Metadata-Flavor: Google`
///   required (else 403), responses carry the same header; `?recursive=true` gives JSON.
/// * Azure IMDS (learn.microsoft.com/azure/virtual-machines/instance-metadata-service): `Metadata: true`
///   required (else 400); `api-version` required (else 400).
/// * ECS task metadata v4: `GET $ECS_CONTAINER_METADATA_URI_V4`, `/task`, `/task/stats`.
/// * GitHub REST `GET /repos/{owner}/{repo}` with `Authorization: Bearer` (else 401).
/// * A Kubernetes pod manifest endpoint that needs `Authorization: Bearer <token>` (else 401).
/// Modes: `normal`, `disabled` (token PUT answers 403, IMDS turned off), `hang` (accepts, never
/// answers). Every request is logged as a JSON line (method, path, headers).
final class LoopbackMetadataServer {
    let process: Process
    let port: Int
    let dir: URL
    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(mode: String = "normal") throws {
        dir = try TestSupport.makeTempDir("imds")
        let script = dir.appendingPathComponent("server.py")
        try Self.source.write(to: script, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, dir.appendingPathComponent("port").path,
                             dir.appendingPathComponent("log.jsonl").path, mode]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var p = 0
        let portFile = dir.appendingPathComponent("port")
        TestSupport.waitUntil(timeout: 5, every: 0.01) {
            let s = try? String(contentsOf: portFile, encoding: .utf8)
            p = s.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
            return p != 0
        }
        port = p
        if p == 0 { stop(); throw CollectorFixture.FixtureError(message: "loopback server did not start") }
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        TestSupport.removeTree(dir)
    }

    struct Request { var method: String; var path: String; var headers: [String: String] }

    var requests: [Request] {
        guard let text = try? String(contentsOf: dir.appendingPathComponent("log.jsonl"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return Request(method: o["method"] as? String ?? "", path: o["path"] as? String ?? "",
                           headers: (o["headers"] as? [String: String]) ?? [:])
        }
    }

    static let source = #"""
import json, sys, threading, time, secrets
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, log_file, mode = sys.argv[1], sys.argv[2], sys.argv[3]
tokens = set()
lock = threading.Lock()

MAC = "0e:49:61:0f:c3:11"
IDENTITY = {"accountId": "123456789012", "architecture": "x86_64", "availabilityZone": "us-west-2b",
            "imageId": "ami-5fb8c835", "instanceId": "i-1234567890abcdef0", "instanceType": "t3.micro",
            "pendingTime": "2024-03-13T15:00:00Z", "privateIp": "10.158.112.84", "region": "us-west-2",
            "version": "2017-09-30"}
AWS = {
    "meta-data/ami-id": "ami-0abcdef1234567890",
    "meta-data/instance-id": "i-1234567890abcdef0",
    "meta-data/instance-type": "t3.micro",
    "meta-data/hostname": "ip-10-158-112-84.us-west-2.compute.internal",
    "meta-data/local-hostname": "ip-10-158-112-84.us-west-2.compute.internal",
    "meta-data/local-ipv4": "10.158.112.84",
    "meta-data/public-ipv4": "203.0.113.25",
    "meta-data/mac": MAC,
    "meta-data/placement/region": "us-west-2",
    "meta-data/placement/availability-zone": "us-west-2b",
    "meta-data/placement/availability-zone-id": "usw2-az2",
    "meta-data/security-groups": "web\nssh",
    "meta-data/iam/info": json.dumps({"Code": "Success", "LastUpdated": "2024-03-13T15:00:00Z",
        "InstanceProfileArn": "arn:aws:iam::123456789012:instance-profile/web",
        "InstanceProfileId": "AIPAABCDEFGHIJKLMN123"}),
    "meta-data/identity-credentials/ec2/security-credentials/ec2-instance": json.dumps({"Code": "Success",
        "Type": "AWS-HMAC", "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG",
        "Token": "IQoJb3JpZ2luX2VjEXAMPLE", "Expiration": "2024-03-13T21:00:00Z"}),
    "meta-data/tags/instance": "Name\nTeam",
    "meta-data/tags/instance/Name": "web-1",
    "meta-data/tags/instance/Team": "platform",
    "meta-data/network/interfaces/macs/" + MAC + "/vpc-id": "vpc-0a1b2c3d",
    "meta-data/network/interfaces/macs/" + MAC + "/subnet-id": "subnet-0a1b2c3d",
    "meta-data/network/interfaces/macs/" + MAC + "/interface-id": "eni-0a1b2c3d",
    "meta-data/network/interfaces/macs/" + MAC + "/security-group-ids": "sg-111\nsg-222",
    "dynamic/instance-identity/document": json.dumps(IDENTITY, indent=2),
    "dynamic/instance-identity/signature": "dExamplesig==",
}
GCP_INSTANCE = {"id": 4520031799277581759, "machineType": "projects/123/machineTypes/e2-medium",
    "zone": "projects/123/zones/us-central1-a", "tags": ["http-server"],
    "serviceAccounts": {"default": {"email": "123-compute@developer.gserviceaccount.com"}},
    "networkInterfaces": [{"ip": "10.128.0.2", "accessConfigs": [{"externalIp": "34.66.1.2", "type": "ONE_TO_ONE_NAT"}]}]}
GCP_PROJECT = {"projectId": "my-project", "numericProjectId": 123}
AZURE = {"compute": {"location": "westeurope", "vmSize": "Standard_D2s_v3",
    "subscriptionId": "8d10da13-8125-4ba9-a717-bf7490507b3d", "tagsList": [{"name": "env", "value": "prod"}]},
    "network": {"interface": [{"ipv4": {"ipAddress": [{"privateIpAddress": "10.0.0.4", "publicIpAddress": "20.1.2.3"}]}}]}}
ECS_CONTAINER = {"DockerId": "ea32192c8553fbff06c9340478a2ff089b2bb5646fb718b4ee206641c9086d66", "Name": "app",
    "ContainerARN": "arn:aws:ecs:us-west-2:111122223333:container/0206b271-b33f-47ab-86c6-a0ba208a70a9"}
ECS_TASK = {"Cluster": "arn:aws:ecs:us-west-2:111122223333:cluster/default", "Family": "app", "Revision": "3"}
ECS_STATS = {"ea32192c": {"read": "2024-03-13T15:00:00Z"}}
POD = {"apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web-7d4b9", "namespace": "shop", "labels": {"app": "web"}, "annotations": {"team": "a"}},
    "spec": {"volumes": [{"name": "cfg", "configMap": {"name": "web-config"}},
                         {"name": "one", "configMap": {"name": "web-config"}},
                         {"name": "picked", "secret": {"secretName": "s", "items": [{"key": "k", "path": "creds.txt"}]}},
                         {"name": "podinfo", "downwardAPI": {"items": []}}],
             "containers": [{"name": "app", "image": "web:1",
                 "env": [{"name": "APP_ENV", "value": "production"},
                         {"name": "NODE_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}}},
                         {"name": "DEST", "value": "$(NODE_IP):8080"}],
                 "ports": [{"containerPort": 8080}, {"containerPort": 9090, "protocol": "UDP"}],
                 "volumeMounts": []}]}}

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def record(self):
        with lock, open(log_file, "a") as f:
            f.write(json.dumps({"method": self.command, "path": self.path,
                                "headers": {k: v for k, v in self.headers.items()}}) + "\n")
    def send(self, code, body="", ctype="text/plain", extra=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items(): self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
    def do_PUT(self):
        self.record()
        n = int(self.headers.get("Content-Length") or 0)
        if n: self.rfile.read(n)
        if mode == "hang": time.sleep(30); return
        if self.path != "/latest/api/token": return self.send(404, "Not Found")
        if mode == "disabled": return self.send(403, "Forbidden")
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "")
        if not ttl.isdigit() or not (1 <= int(ttl) <= 21600): return self.send(400, "Bad Request")
        t = "AQAEA" + secrets.token_urlsafe(24)
        with lock: tokens.add(t)
        self.send(200, t, extra={"X-aws-ec2-metadata-token-ttl-seconds": ttl})
    def do_GET(self):
        self.record()
        if mode == "hang": time.sleep(30); return
        p = self.path
        if p.startswith("/latest/"):
            if self.headers.get("X-aws-ec2-metadata-token") not in tokens: return self.send(401, "Unauthorized")
            key = p[len("/latest/"):]
            if key in AWS: return self.send(200, AWS[key])
            return self.send(404, "Not Found")
        if p.startswith("/computeMetadata/v1/"):
            if self.headers.get("Metadata-Flavor") != "Google": return self.send(403, "Missing Metadata-Flavor:Google header.")
            hdr = {"Metadata-Flavor": "Google"}
            if p == "/computeMetadata/v1/instance/?recursive=true": return self.send(200, json.dumps(GCP_INSTANCE), "application/json", hdr)
            if p == "/computeMetadata/v1/project/?recursive=true": return self.send(200, json.dumps(GCP_PROJECT), "application/json", hdr)
            return self.send(404, "Not Found", extra=hdr)
        if p.startswith("/metadata/instance"):
            if self.headers.get("Metadata") != "true": return self.send(400, json.dumps({"error": "Bad request. Required metadata header not specified"}), "application/json")
            if "api-version=" not in p: return self.send(400, json.dumps({"error": "Bad request. api-version was not specified"}), "application/json")
            return self.send(200, json.dumps(AZURE), "application/json")
        if p.startswith("/v4/task-abc"):
            rest = p[len("/v4/task-abc"):]
            body = {"": ECS_CONTAINER, "/task": ECS_TASK, "/task/stats": ECS_STATS}.get(rest)
            return self.send(200, json.dumps(body), "application/json") if body is not None else self.send(404, "Not Found")
        if p == "/repos/octo/hello":
            if self.headers.get("Authorization") != "Bearer ghs_jobtoken": return self.send(401, json.dumps({"message": "Bad credentials"}), "application/json")
            return self.send(200, json.dumps({"id": 123456, "node_id": "R_kgDOExample", "full_name": "octo/hello",
                "owner": {"login": "octo", "id": 654321, "node_id": "O_kgDOExample"}}), "application/json")
        if p == "/api/v1/namespaces/shop/pods/web-7d4b9":
            if self.headers.get("Authorization") != "Bearer operator-token": return self.send(401, json.dumps({"kind": "Status", "code": 401}), "application/json")
            return self.send(200, json.dumps(POD), "application/json")
        self.send(404, "Not Found")

srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
with open(port_file + ".tmp", "w") as f: f.write(str(srv.server_address[1]))
import os; os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
"""#
}

/// The stand-in behaves as documented where the collector depends on it.
@Suite struct CollectorLoopbackServerTests {
    func fetch(_ url: String, method: String = "GET", headers: [String: String] = [:]) throws -> (Int, String) {
        let args = ["-s", "-o", "-", "-w", "\n%{http_code}", "-X", method] + headers.flatMap { ["-H", "\($0.key): \($0.value)"] } + [url]
        let out = try TestSupport.run("/usr/bin/curl", args, timeout: 10).stdout
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    @Test func imdsV2RequiresTokenAndTTL() throws {
        let s = try LoopbackMetadataServer()
        defer { s.stop() }
        #expect(try fetch(s.baseURL + "/latest/meta-data/instance-id").0 == 401)
        #expect(try fetch(s.baseURL + "/latest/api/token", method: "PUT").0 == 400)
        let (code, token) = try fetch(s.baseURL + "/latest/api/token", method: "PUT", headers: ["X-aws-ec2-metadata-token-ttl-seconds": "10"])
        #expect(code == 200 && !token.isEmpty)
        let r = try fetch(s.baseURL + "/latest/meta-data/instance-id", headers: ["X-aws-ec2-metadata-token": token])
        #expect(r.0 == 200 && r.1 == "i-1234567890abcdef0")
        #expect(try fetch(s.baseURL + "/latest/meta-data/nope", headers: ["X-aws-ec2-metadata-token": token]).0 == 404)
        #expect(try fetch(s.baseURL + "/computeMetadata/v1/instance/?recursive=true").0 == 403)
        #expect(try fetch(s.baseURL + "/metadata/instance?api-version=2021-02-01").0 == 400)
    }
}
