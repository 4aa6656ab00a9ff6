import Foundation
import Testing
import ChalkTestSupport

/// A private dockerd (20.10, /usr/bin/docker) and registry started once per test process by
/// scripts/docker-test-env.sh, with a busybox base image imported from the host's
/// busybox-static (nothing can be pulled). Tests skip when it can't start.
final class DockerEnvironment: Sendable {
    static let shared: DockerEnvironment? = DockerEnvironment.start()
    static var available: Bool { shared != nil }

    let dir: String
    let host: String
    let registryPort: Int
    /// The 20.10 client: the first `docker` on PATH here is a 28.x client without buildx.
    let docker = "/usr/bin/docker"
    static let busybox = "chalk-test/busybox:latest"

    private init(dir: String, host: String, registryPort: Int) {
        self.dir = dir; self.host = host; self.registryPort = registryPort
    }

    private static func start() -> DockerEnvironment? {
        guard TestSupport.isRoot, FileManager.default.isExecutableFile(atPath: "/usr/bin/docker"),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/busybox") else { return nil }
        let dir = "/tmp/chalk-dockertest-\(getpid())"
        let port = freePort() ?? 20000 + Int(getpid() % 20000)
        let script = TestSupport.packageRoot.appendingPathComponent("scripts/docker-test-env.sh").path
        guard let r = try? TestSupport.run("/bin/bash", [script, "start", dir], extraEnvironment: ["CHALK_TEST_REGISTRY_PORT": "\(port)"],
                                           timeout: 60), r.status == 0 else { return nil }
        let env = DockerEnvironment(dir: dir, host: "unix://\(dir)/docker.sock", registryPort: port)
        guard env.prepare() else { stop(dir); return nil }
        atexit { DockerEnvironment.stopAtExit() }
        return env
    }

    /// A TCP port on 127.0.0.1 that is free right now (bound to 0, read back, released).
    private static func freePort() -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sp in
                bind(fd, sp, len) == 0 && getsockname(fd, sp, &len) == 0
            }
        }
        return ok ? Int(UInt16(bigEndian: addr.sin_port)) : nil
    }

    /// Imports the base image and checks that containers run.
    private func prepare() -> Bool {
        let busybox = DockerEnvironment.busybox
        let env = self
        // Base image: a busybox root with relative links (RULINGS 24).
        let root = dir + "/busybox-root"
        let sh = "mkdir -p \(root)/bin \(root)/tmp && cp /usr/bin/busybox \(root)/bin/busybox && cd \(root)/bin && "
            + "for a in $(./busybox --list); do [ -e $a ] || ln -s busybox $a; done && "
            + "tar -C \(root) -c . | /usr/bin/docker import - \(busybox)"
        guard let imp = try? TestSupport.run("/bin/sh", ["-c", sh], extraEnvironment: ["DOCKER_HOST": env.host]), imp.status == 0 else {
            print("docker tests skipped: importing the busybox base image failed")
            return false
        }
        // The daemon must be able to run containers here (cgroups, storage driver); else skip.
        guard let smoke = try? TestSupport.run("/usr/bin/docker", ["run", "--rm", "--network", "none", busybox, "true"],
                                               extraEnvironment: ["DOCKER_HOST": env.host], timeout: 60), smoke.status == 0 else {
            print("docker tests skipped: this dockerd cannot run containers")
            return false
        }
        return true
    }

    private static func stop(_ dir: String) {
        let script = TestSupport.packageRoot.appendingPathComponent("scripts/docker-test-env.sh").path
        _ = try? TestSupport.run("/bin/bash", [script, "stop", dir], timeout: 60)
        try? FileManager.default.removeItem(atPath: dir)
    }

    private static func stopAtExit() {
        guard let e = shared else { return }
        stop(e.dir)
    }

    /// Environment for chalk and docker: the private daemon, /usr/bin first on PATH, a HOME.
    func environment(home: URL, path: String? = nil, extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["DOCKER_HOST"] = host
        env["PATH"] = path ?? "/usr/bin:/bin:/usr/sbin:/sbin"
        env["HOME"] = home.path
        env.removeValue(forKey: "DOCKER_BUILDKIT")
        env.removeValue(forKey: "CHALK_DOCKER_PASSTHROUGH_OF")
        for (k, v) in extra { env[k] = v }
        return env
    }

    /// Runs the real docker.
    @discardableResult
    func dockerRun(_ args: [String], home: URL, cwd: URL? = nil, stdin: Data? = nil, extra: [String: String] = [:]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(docker, args, environment: environment(home: home, extra: extra), cwd: cwd, stdin: stdin, timeout: 180)
    }

    /// Runs `chalk ARGS` (or `binary`) against this daemon.
    @discardableResult
    func chalk(_ args: [String], home: URL, cwd: URL? = nil, stdin: Data? = nil, binary: String? = nil,
               path: String? = nil, extra: [String: String] = [:]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(binary ?? TestSupport.chalkBinary, args, environment: environment(home: home, path: path, extra: extra),
                            cwd: cwd, stdin: stdin, timeout: 180)
    }

    /// Every report line in HOME's `~/.local/chalk/chalk.log`, each one parsed array's objects.
    static func reports(home: URL) -> [[String: Any]] {
        guard let text = try? String(contentsOf: home.appendingPathComponent(".local/chalk/chalk.log"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").flatMap { line -> [[String: Any]] in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [[String: Any]] ?? []
        }
    }

    /// `docker inspect` of an image, parsed.
    func inspect(_ ref: String, home: URL) throws -> [String: Any]? {
        let r = try dockerRun(["inspect", "--type", "image", ref], home: home)
        guard r.status == 0 else { return nil }
        return ((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]])?.first
    }

    /// A scratch directory with `files` (relative path → content).
    static func makeContext(_ files: [String: String]) throws -> URL {
        let d = try TestSupport.makeTempDir("chalk-docker-ctx")
        for (p, c) in files {
            let u = d.appendingPathComponent(p)
            try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
            try c.write(to: u, atomically: true, encoding: .utf8)
        }
        return d
    }

    /// Path → (mode, content) of every file and directory under `dir` (for "untouched" checks).
    static func snapshot(_ dir: URL) -> [String: String] {
        var out: [String: String] = [:]
        let fm = FileManager.default
        guard let e = fm.enumerator(atPath: dir.path) else { return out }
        for case let p as String in e {
            let full = dir.appendingPathComponent(p).path
            let attrs = (try? fm.attributesOfItem(atPath: full)) ?? [:]
            let mode = (attrs[.posixPermissions] as? Int).map { String($0, radix: 8) } ?? "?"
            let content = (try? Data(contentsOf: URL(fileURLWithPath: full))).map { $0.base64EncodedString() } ?? "dir"
            out[p] = mode + ":" + content
        }
        return out
    }
}
