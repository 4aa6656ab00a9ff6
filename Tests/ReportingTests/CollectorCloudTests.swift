import Foundation
import Testing
import ChalkTestSupport
@testable import Reporting
import Marking

/// Cloud metadata, ECS, Lambda and Kubernetes collectors against the loopback stand-in.
@Suite struct CollectorCloudTests {
    typealias F = CollectorFixture

    /// A fake /sys with the given DMI vendor (and asset tag).
    func sysDir(vendor: String?, assetTag: String? = nil) throws -> URL {
        let d = try F.tempDir("sys")
        let dmi = d.appendingPathComponent("class/dmi/id")
        try FileManager.default.createDirectory(at: dmi, withIntermediateDirectories: true)
        if let vendor { try vendor.write(to: dmi.appendingPathComponent("board_vendor"), atomically: true, encoding: .utf8) }
        if let assetTag { try assetTag.write(to: dmi.appendingPathComponent("board_asset_tag"), atomically: true, encoding: .utf8) }
        return d
    }

    /// A collector whose metadata endpoints all point at `server` without forcing any provider:
    /// only hardware signs (the fake /sys) decide whether it is asked.
    func collector(server: LoopbackMetadataServer, sys: URL, env: [String: String] = [:],
                   wanted: Set<String>? = nil, timeoutMs: Int = 1000) -> Collector {
        var cloud = CloudSettings(environment: [:])
        cloud.awsMetadataURL = server.baseURL
        cloud.gcpMetadataURL = server.baseURL
        cloud.azureMetadataURL = server.baseURL
        cloud.sysDirectory = sys.path
        cloud.timeoutMs = timeoutMs
        return Collector(context: CollectionContext(chalkVersion: "0.1.0", environment: env, wantedKeys: wanted, cloud: cloud))
    }

    @Test func awsEC2ViaIMDSv2() throws {
        let s = try LoopbackMetadataServer()
        let sys = try sysDir(vendor: "Amazon EC2\n", assetTag: "i-1234567890abcdef0\n")
        defer { s.stop(); TestSupport.removeTree(sys) }
        let o = collector(server: s, sys: sys).runTimeHost()
        #expect(o["_OP_CLOUD_PROVIDER"] == "aws")
        #expect(o["_OP_CLOUD_PROVIDER_SERVICE_TYPE"] == "aws_ec2")
        #expect(o["_OP_CLOUD_SYS_VENDOR"] == "Amazon EC2\n")  // raw, not stripped
        #expect(o["_AWS_INSTANCE_ID"] == "i-1234567890abcdef0")
        #expect(o["_AWS_AMI_ID"] == "ami-0abcdef1234567890")
        #expect(o["_AWS_REGION"] == "us-west-2" && o["_OP_CLOUD_PROVIDER_REGION"] == "us-west-2")
        #expect(o["_OP_CLOUD_PROVIDER_IP"] == "203.0.113.25" && o["_AWS_PUBLIC_IPV4_ADDR"] == "203.0.113.25")
        #expect(o["_OP_CLOUD_PROVIDER_ACCOUNT_INFO"] == "123456789012")
        #expect(o["_OP_CLOUD_PROVIDER_INSTANCE_TYPE"] == "t3.micro")
        #expect(o["_AWS_INSTANCE_IDENTITY_DOCUMENT"]?.member("region") == "us-west-2")
        #expect(o["_AWS_SECURITY_GROUPS"] == .array(["web", "ssh"]))
        #expect(o["_AWS_TAGS"] == .object(["Name": "web-1", "Team": "platform"]))
        #expect(o["_OP_CLOUD_PROVIDER_TAGS"] == .object(["Name": "web-1", "Team": "platform"]))
        #expect(o["_AWS_VPC_ID"] == "vpc-0a1b2c3d" && o["_AWS_SUBNET_ID"] == "subnet-0a1b2c3d")
        #expect(o["_AWS_INTERFACE_ID"] == "eni-0a1b2c3d")
        #expect(o["_AWS_SECURITY_GROUP_IDS"] == .array(["sg-111", "sg-222"]))
        #expect(o["_AWS_IAM_INFO"]?.member("Code") == "Success")
        let creds = o["_AWS_IDENTITY_CREDENTIALS_EC2_SECURITY_CREDENTIALS_EC2_INSTANCE"]
        #expect(creds?.member("SecretAccessKey") == "<<redacted>>" && creds?.member("Token") == "<<redacted>>")
        #expect(creds?.member("AccessKeyId") == "ASIAEXAMPLE")
        #expect(o["_AWS_KERNEL_ID"] == nil)  // 404 means absent
        #expect(o["_OP_FAILED_KEYS"] == nil)
        // The protocol: one token PUT with the TTL header first, then GETs carrying the token,
        // each path asked once.
        let reqs = s.requests
        #expect(reqs.first?.method == "PUT" && reqs.first?.path == "/latest/api/token")
        #expect(reqs.first?.headers["X-aws-ec2-metadata-token-ttl-seconds"] == "10")
        #expect(reqs.filter { $0.method == "PUT" }.count == 1)
        let gets = reqs.filter { $0.method == "GET" }
        #expect(!gets.isEmpty && gets.allSatisfy { ($0.headers["X-aws-ec2-metadata-token"] ?? "").hasPrefix("AQAEA") })
        #expect(Set(gets.map(\.path)).count == gets.count)
        // A second report from the same collector (heartbeat, postexec) asks nothing again.
        let c = collector(server: s, sys: sys)
        let first = c.runTimeHost()
        let count = s.requests.count
        let second = c.runTimeHost()
        #expect(s.requests.count == count)
        #expect(first["_AWS_INSTANCE_ID"] == second["_AWS_INSTANCE_ID"] && second["_AWS_TAGS"] != nil)
    }

    @Test func awsServiceTypeEKSAndOnlyWantedKeys() throws {
        let s = try LoopbackMetadataServer()
        let sys = try sysDir(vendor: "Amazon EC2")
        defer { s.stop(); TestSupport.removeTree(sys) }
        let o = collector(server: s, sys: sys, env: ["KUBERNETES_SERVICE_HOST": "10.0.0.1"],
                          wanted: ["_OP_CLOUD_PROVIDER", "_OP_CLOUD_PROVIDER_SERVICE_TYPE", "_AWS_REGION"]).runTimeHost()
        #expect(o["_OP_CLOUD_PROVIDER_SERVICE_TYPE"] == "aws_eks")
        #expect(o["_AWS_REGION"] == "us-west-2")
        #expect(o["_AWS_AMI_ID"] == nil)
        #expect(s.requests.map(\.path) == ["/latest/api/token", "/latest/meta-data/placement/region"])
    }

    @Test func noSignsNoTraffic() throws {
        let s = try LoopbackMetadataServer()
        let sys = try sysDir(vendor: "QEMU\n")
        defer { s.stop(); TestSupport.removeTree(sys) }
        let o = collector(server: s, sys: sys).runTimeHost()
        #expect(o["_OP_CLOUD_PROVIDER"] == nil)
        #expect(o["_OP_CLOUD_SYS_VENDOR"] == "QEMU\n")
        #expect(s.requests.isEmpty)
    }

    @Test func explicitURLCountsAsASign() throws {
        let s = try LoopbackMetadataServer()
        let sys = try sysDir(vendor: nil)
        defer { s.stop(); TestSupport.removeTree(sys) }
        var cloud = CloudSettings(environment: ["CHALK_AWS_METADATA_URL": s.baseURL + "/"])
        #expect(cloud.awsForced && cloud.awsMetadataURL == s.baseURL)
        cloud.sysDirectory = sys.path
        let c = Collector(context: CollectionContext(chalkVersion: "0", environment: [:], wantedKeys: ["_AWS_INSTANCE_TYPE"], cloud: cloud))
        #expect(c.runTimeHost()["_AWS_INSTANCE_TYPE"] == "t3.micro")
    }

    @Test func imdsDisabledIsRecorded() throws {
        let s = try LoopbackMetadataServer(mode: "disabled")
        let sys = try sysDir(vendor: "Amazon EC2")
        defer { s.stop(); TestSupport.removeTree(sys) }
        let o = collector(server: s, sys: sys).runTimeHost()
        #expect(o["_OP_CLOUD_PROVIDER"] == "aws")
        #expect(o["_OP_FAILED_KEYS"]?.member("_OP_CLOUD_METADATA")?.arrayValue?.first?.member("code") == "IMDS_DISABLED")
        #expect(!o.keys.contains { $0.hasPrefix("_AWS_") })
        #expect(s.requests.filter { $0.method == "GET" }.isEmpty)
    }

    @Test func unresponsiveIMDSIsBounded() throws {
        let s = try LoopbackMetadataServer(mode: "hang")
        let sys = try sysDir(vendor: "Amazon EC2")
        defer { s.stop(); TestSupport.removeTree(sys) }
        let start = Date()
        let o = collector(server: s, sys: sys, timeoutMs: 300).runTimeHost()
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(o["_OP_FAILED_KEYS"]?.member("_OP_CLOUD_METADATA")?.arrayValue?.first?.member("code") == "IMDS_HOP_LIMIT")
    }

    @Test func gcpInstanceAndProject() throws {
        let s = try LoopbackMetadataServer()
        let sys = try sysDir(vendor: "Google\n")
        defer { s.stop(); TestSupport.removeTree(sys) }
        let o = collector(server: s, sys: sys).runTimeHost()
        #expect(o["_OP_CLOUD_PROVIDER"] == "gcp")
        #expect(o["_OP_CLOUD_PROVIDER_IP"] == "34.66.1.2")
        #expect(o["_OP_CLOUD_PROVIDER_REGION"] == "us-central1-a")
        #expect(o["_OP_CLOUD_PROVIDER_INSTANCE_TYPE"] == "e2-medium")
        #expect(o["_OP_CLOUD_PROVIDER_TAGS"] == .array(["http-server"]))
        #expect(o["_OP_CLOUD_PROVIDER_ACCOUNT_INFO"]?.member("default")?.member("email") == "123-compute@developer.gserviceaccount.com")
        #expect(o["_GCP_PROJECT_METADATA"]?.member("projectId") == "my-project")
        #expect(o["_GCP_INSTANCE_METADATA"]?.member("id") == .int(4_520_031_799_277_581_759))
        #expect(s.requests.allSatisfy { $0.headers["Metadata-Flavor"] == "Google" })
    }

    @Test func gcpCloudRunFromEnvAndResolvConf() throws {
        let s = try LoopbackMetadataServer()
        let sys = try sysDir(vendor: nil)
        let resolv = sys.appendingPathComponent("resolv.conf")
        try "# generated\nsearch c.my-project.internal google.internal\nnameserver 169.254.169.254\n"
            .write(to: resolv, atomically: true, encoding: .utf8)
        defer { s.stop(); TestSupport.removeTree(sys) }
        var cloud = CloudSettings(environment: [:])
        cloud.gcpMetadataURL = s.baseURL
        cloud.sysDirectory = sys.path
        cloud.resolvConf = resolv.path
        let env = ["K_SERVICE": "api", "CLOUD_RUN_TIMEOUT_SECONDS": "300"]
        let o = Collector(context: CollectionContext(chalkVersion: "0", environment: env, cloud: cloud)).runTimeHost()
        #expect(o["_OP_CLOUD_PROVIDER"] == "gcp")
        #expect(o["_OP_CLOUD_PROVIDER_SERVICE_TYPE"] == "gcp_cloud_run_service")
        // Without google.internal in resolv.conf, the variables alone are not enough.
        try "nameserver 8.8.8.8\n".write(to: resolv, atomically: true, encoding: .utf8)
        let none = Collector(context: CollectionContext(chalkVersion: "0", environment: env, cloud: cloud)).runTimeHost()
        #expect(none["_OP_CLOUD_PROVIDER"] == nil)
    }

    @Test func azureInstance() throws {
        let s = try LoopbackMetadataServer()
        let sys = try sysDir(vendor: "Microsoft Corporation\n")
        defer { s.stop(); TestSupport.removeTree(sys) }
        let o = collector(server: s, sys: sys).runTimeHost()
        #expect(o["_OP_CLOUD_PROVIDER"] == "azure")
        #expect(o["_OP_CLOUD_PROVIDER_IP"] == "20.1.2.3")
        #expect(o["_OP_CLOUD_PROVIDER_REGION"] == "westeurope")
        #expect(o["_OP_CLOUD_PROVIDER_INSTANCE_TYPE"] == "Standard_D2s_v3")
        #expect(o["_OP_CLOUD_PROVIDER_ACCOUNT_INFO"] == "8d10da13-8125-4ba9-a717-bf7490507b3d")
        #expect(o["_OP_CLOUD_PROVIDER_TAGS"] == .array([.object(["name": "env", "value": "prod"])]))
        #expect(o["_AZURE_INSTANCE_METADATA"]?.member("compute")?.member("vmSize") == "Standard_D2s_v3")
        #expect(s.requests.map(\.path) == ["/metadata/instance?api-version=2021-02-01"])
        #expect(s.requests.first?.headers["Metadata"] == "true")
    }

    @Test func ecsTaskMetadata() throws {
        let s = try LoopbackMetadataServer()
        let sys = try sysDir(vendor: nil)
        defer { s.stop(); TestSupport.removeTree(sys) }
        let env = ["ECS_CONTAINER_METADATA_URI_V4": s.baseURL + "/v4/task-abc"]
        let c = collector(server: s, sys: sys, env: env)
        let o = c.runTimeHost()
        #expect(o["_OP_CLOUD_PROVIDER"] == "aws")
        #expect(o["_OP_CLOUD_PROVIDER_SERVICE_TYPE"] == "aws_ecs")
        let ecs = o["_OP_CLOUD_METADATA"]?.member("aws_ecs")
        #expect(ecs?.member("container")?.member("Name") == "app")
        #expect(ecs?.member("task")?.member("Family") == "app")
        #expect(ecs?.member("task/stats") != nil)
        #expect(o["_OP_CLOUD_PROVIDER_ACCOUNT_INFO"] == "111122223333")
        #expect(o["_OP_CLOUD_PROVIDER_REGION"] == "us-west-2" && o["_AWS_REGION"] == "us-west-2")
        #expect(c.chalkTimeHost()["CLOUD_METADATA_WHEN_CHALKED"]?.member("aws_ecs")?.member("container")?.member("Name") == "app")
        // A dead endpoint is a recorded failure, not a hang.
        let dead = collector(server: s, sys: sys, env: ["ECS_CONTAINER_METADATA_URI": "http://127.0.0.1:1/v3"]).runTimeHost()
        #expect(dead["_OP_FAILED_KEYS"]?.member("_OP_CLOUD_METADATA")?.arrayValue?.first?.member("code") == "ECS_METADATA_ERROR")
    }

    @Test func lambdaFromEnvironment() {
        let env = ["AWS_LAMBDA_FUNCTION_NAME": "my-fn", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                   "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_REGION": "eu-west-1",
                   "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/my-fn", "AWS_LAMBDA_LOG_STREAM_NAME": "2024/03/13/[$LATEST]abc",
                   "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12", "LAMBDA_TASK_ROOT": "/var/task", "LAMBDA_RUNTIME_DIR": "/var/runtime",
                   "_HANDLER": "app.handler"]
        let o = F.collector(env: env).runTimeHost()
        #expect(o["_OP_CLOUD_PROVIDER"] == "aws")
        #expect(o["_OP_CLOUD_PROVIDER_SERVICE_TYPE"] == "aws_lambda")
        #expect(o["_OP_CLOUD_PROVIDER_REGION"] == "eu-west-1" && o["_AWS_REGION"] == "eu-west-1")
        let l = o["_OP_CLOUD_METADATA"]?.member("aws_lambda")
        #expect(l?.member("AWS_LAMBDA_FUNCTION_NAME") == "my-fn")
        #expect(l?.member("AWS_LAMBDA_FUNCTION_VERSION") == "$LATEST")
        #expect(l?.member("AWS_LAMBDA_FUNCTION_MEMORY_SIZE") == "128")
        #expect(l?.member("AWS_EXECUTION_ENV") == "AWS_Lambda_python3.12")
        #expect(l?.member("LAMBDA_TASK_ROOT") == "/var/task")
        #expect(l?.member("_HANDLER") == nil)
        // Half the variables: not Lambda.
        #expect(F.collector(env: ["AWS_LAMBDA_FUNCTION_NAME": "x"]).runTimeHost()["_OP_CLOUD_PROVIDER"] == nil)
    }

    @Test func kubernetesOperatorEnvAndPodManifest() throws {
        let s = try LoopbackMetadataServer()
        let tmp = try F.tempDir("k8s")
        defer { s.stop(); TestSupport.removeTree(tmp) }
        try "operator-token\n".write(to: tmp.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        let env = [
            "CHALK_K8S_METADATA": #"{"cluster":{"uid":"c-123","name":"prod","endpoint":"https://10.0.0.1"},"cloud":{"provider":"aws"}}"#,
            "CHALK_K8S_POD_NAMESPACE": "shop", "CHALK_K8S_POD_NAME": "web-7d4b9", "CHALK_K8S_CONTAINER_NAME": "app",
            "CHALK_K8S_PODMANIFEST_URL": s.baseURL + "/api/v1/namespaces/shop/pods/web-7d4b9",
            "CHALK_K8S_PODMANIFEST_TOKEN_PATH": tmp.appendingPathComponent("token").path,
            "APP_ENV": "production", "NODE_IP": "10.1.2.3", "DEST": "10.1.2.3:8080",
        ]
        let o = F.collector(env: env).runTimeHost()
        #expect(o["_K8S_POD_NAMESPACE"] == "shop" && o["_K8S_POD_NAME"] == "web-7d4b9" && o["_K8S_POD_CONTAINER_NAME"] == "app")
        #expect(o["_K8S_CLUSTER_ID"] == "c-123" && o["_K8S_CLUSTER_NAME"] == "prod" && o["_K8S_CLUSTER_ENDPOINT"] == "https://10.0.0.1")
        #expect(o["_K8S_CLUSTER_CLOUD_METADATA"] == .object(["provider": "aws"]))
        #expect(o["_K8S_POD_LABELS"] == .object(["app": "web"]))
        #expect(o["_K8S_POD_ANNOTATIONS"] == .object(["team": "a"]))
        #expect(o["_K8S_POD_MANIFEST"]?.member("kind") == "Pod")
        #expect(o["_K8S_CONTAINER_PORTS"] == .array(["8080/TCP", "9090/UDP"]))
        func sha(_ s: String) throws -> String {
            try TestSupport.run("/bin/sh", ["-c", "printf '%s' \"$0\" | sha256sum | cut -d' ' -f1", s]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // Downward-API NODE_IP is skipped, and its value inside DEST becomes $(NODE_IP).
        #expect(o["_K8S_CONTAINER_ENV_VAR_HASHES"] == .object(["APP_ENV": .string(try sha("production")),
                                                                "DEST": .string(try sha("$(NODE_IP):8080"))]))
        #expect(s.requests.first?.headers["Authorization"] == "Bearer operator-token")
        // A wrong token is a recorded failure.
        try "wrong\n".write(to: tmp.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        let bad = F.collector(env: env).runTimeHost()
        #expect(bad["_OP_FAILED_KEYS"]?.member("_K8S_POD_MANIFEST")?.arrayValue?.first?.member("code") == "K8S_POD_MANIFEST_ERROR")
        #expect(bad["_K8S_CLUSTER_ID"] == "c-123")
    }

    @Test func kubernetesVolumeMountHashes() throws {
        let tmp = try F.tempDir("k8s-vol")
        defer { TestSupport.removeTree(tmp) }
        try F.sh("mkdir -p cfg picked && printf 'a: 1\\n' > cfg/a.yaml && printf 'b\\n' > cfg/b.txt && printf 'one' > one.yaml && printf 'secret' > picked/creds.txt", in: tmp)
        let p = tmp.path
        let manifest = try #require(JSONReader.tryParse("""
            {"spec": {"volumes": [{"name": "cfg", "configMap": {"name": "c"}}, {"name": "one", "configMap": {"name": "c"}},
                                  {"name": "picked", "secret": {"secretName": "s", "items": [{"key": "k", "path": "creds.txt"}]}},
                                  {"name": "podinfo", "downwardAPI": {"items": []}}],
              "containers": [{"name": "app", "volumeMounts": [
                 {"name": "cfg", "mountPath": "\(p)/cfg"}, {"name": "one", "mountPath": "\(p)/one.yaml", "subPath": "one.yaml"},
                 {"name": "picked", "mountPath": "\(p)/picked"}, {"name": "podinfo", "mountPath": "\(p)/podinfo"}]}]}}
            """)?.objectValue)
        let o = Kubernetes.containerInfo(manifest: manifest, containerName: "app", env: [:])
        let hashes = try #require(o["_K8S_CONTAINER_VOLUME_MOUNT_HASHES"]?.objectValue)
        let expected = try F.sh("sha256sum cfg/a.yaml cfg/b.txt one.yaml picked/creds.txt", in: tmp)
        var want = ChalkObject()
        for line in expected.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            want["\(p)/\(parts[1])"] = .string(String(parts[0]))
        }
        #expect(Set(hashes.keys) == Set(want.keys))
        for k in want.keys { #expect(hashes[k] == want[k]) }
    }

    @Test func kubernetesWithoutOperator() throws {
        let tmp = try F.tempDir("sa")
        defer { TestSupport.removeTree(tmp) }
        try "shop\n".write(to: tmp.appendingPathComponent("namespace"), atomically: true, encoding: .utf8)
        var cloud = CloudSettings(environment: [:])
        cloud.serviceAccountDirectory = tmp.path
        let env = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "HOSTNAME": "web-7d4b9"]
        let o = Collector(context: CollectionContext(chalkVersion: "0", environment: env, cloud: cloud)).runTimeHost()
        #expect(o["_K8S_POD_NAMESPACE"] == "shop" && o["_K8S_POD_NAME"] == "web-7d4b9")
        #expect(o["_K8S_CLUSTER_ID"] == nil)
    }
}
