import Foundation
import Testing
import ChalkTestSupport

/// The Dockerfiles under `Dockerfiles/`, built with a locally made base (nothing can be pulled).
@Suite(.serialized, .enabled(if: DockerEnvironment.available, "needs root, docker.io (dockerd 20.10) and busybox-static"))
struct DockerfilesTests {
    let env = DockerEnvironment.shared!

    /// A context holding only the static chalk as `chalk` (what `dist/` holds).
    func distContext() throws -> URL? {
        guard let chalk = DockerWrapTests.staticChalk else { return nil }
        let d = try TestSupport.makeTempDir("chalk-dist")
        try FileManager.default.copyItem(atPath: chalk, toPath: d.appendingPathComponent("chalk").path)
        return d
    }

    func dockerfile(_ name: String) -> String { TestSupport.packageRoot.appendingPathComponent("Dockerfiles/\(name)").path }

    /// The bytes of `path` inside an image, read with create + cp (works for scratch images).
    func fileInImage(_ image: String, _ path: String, home: URL) throws -> Data? {
        let cid = try env.dockerRun(["create", image], home: home).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? env.dockerRun(["rm", "-f", cid], home: home) }
        let out = try TestSupport.makeTempDir("chalk-cp"); defer { TestSupport.removeTree(out) }
        let r = try env.dockerRun(["cp", "\(cid):\(path)", out.appendingPathComponent("f").path], home: home)
        guard r.status == 0 else { return nil }
        return try Data(contentsOf: out.appendingPathComponent("f"))
    }

    @Test func chalkOnlyImageAndCopyFrom() throws {
        guard let dist = try distContext() else { print("skipped: no static chalk at dist/chalk"); return }
        defer { TestSupport.removeTree(dist) }
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let b = try env.dockerRun(["build", "-f", dockerfile("chalk.Dockerfile"), "-t", "chalk-test/chalk-only:1", dist.path], home: home)
        #expect(b.status == 0, "\(b.stderr)")
        let layers = (try env.inspect("chalk-test/chalk-only:1", home: home)?["RootFS"] as? [String: Any])?["Layers"] as? [Any]
        #expect(layers?.count == 1)
        let original = try Data(contentsOf: dist.appendingPathComponent("chalk"))
        #expect(try fileInImage("chalk-test/chalk-only:1", "/chalk", home: home) == original)
        // A user image takes /chalk with COPY --from.
        let ctx = try DockerEnvironment.makeContext([
            "Dockerfile": "FROM \(DockerEnvironment.busybox)\nCOPY --from=chalk-test/chalk-only:1 /chalk /chalk\nCMD [\"sh\", \"-c\", \"test -x /chalk && echo ok\"]\n"])
        defer { TestSupport.removeTree(ctx) }
        #expect(try env.dockerRun(["build", "-t", "chalk-test/copy-from:1", "."], home: home, cwd: ctx).status == 0)
        #expect(try env.dockerRun(["run", "--rm", "--network", "none", "--user", "1000", "chalk-test/copy-from:1"], home: home).stdout == "ok\n")
    }

    @Test(arguments: [("examples/debian-slim.Dockerfile", DockerEnvironment.busybox, "hello from a Debian-slim image\n"),
                      ("examples/alpine.Dockerfile", DockerEnvironment.busybox, "hello from an Alpine image\n"),
                      ("examples/distroless.Dockerfile", DockerEnvironment.busybox, nil),
                      ("examples/scratch.Dockerfile", "scratch", nil)])
    func example(_ file: String, _ base: String, _ expected: String?) throws {
        guard let dist = try distContext() else { print("skipped: no static chalk at dist/chalk"); return }
        defer { TestSupport.removeTree(dist) }
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        // Each example names a real public image as its default base.
        let text = try String(contentsOfFile: dockerfile(file), encoding: .utf8)
        #expect(text.contains("ARG BASE="))
        let tag = "chalk-test/example-\(file.split(separator: "/").last!.split(separator: ".").first!):1"
        let b = try env.dockerRun(["build", "--build-arg", "BASE=\(base)", "-f", dockerfile(file), "-t", tag, dist.path], home: home)
        #expect(b.status == 0, "\(b.stderr)")
        let cfg = try env.inspect(tag, home: home)?["Config"] as? [String: Any]
        #expect(cfg?["Entrypoint"] as? [String] == ["/chalk", "exec", "--"])
        #expect(try fileInImage(tag, "/chalk", home: home) == (try Data(contentsOf: dist.appendingPathComponent("chalk"))))
        guard DockerWrapTests.execWorks else { print("skipped run check: chalk exec does not work yet"); return }
        let run = try env.dockerRun(["run", "--rm", "--network", "none", tag], home: home)
        #expect(run.status == 0, "\(run.stderr)")
        if let expected { #expect(run.stdout == expected) }
    }
}
