import Foundation
import Testing
import ChalkTestSupport

/// One row of spec/exec.md §8.2 as a real build.
struct WrapRow: Sendable, CustomTestStringConvertible {
    var name: String
    var dockerfile: String
    var buildkit = false
    /// Expected Config.Entrypoint/Cmd of the wrapped image; nil entrypoint = wrapping abandoned.
    var entrypoint: [String]?
    var cmd: [String]?
    /// The unwrapped image can be run and compared (it has a program to run).
    var runnable = true
    var testDescription: String { name }
}

let bb = DockerEnvironment.busybox
let ce = ["/chalk", "exec", "--"]
func named(_ p: String) -> [String] { ["/chalk", "exec", "--exec-command-name", p, "--"] }

let wrapRows: [WrapRow] = [
    WrapRow(name: "exec-form ENTRYPOINT and CMD", dockerfile: "FROM \(bb)\nENTRYPOINT [\"echo\"]\nCMD [\"hello\"]\n",
            entrypoint: named("echo"), cmd: ["hello"]),
    WrapRow(name: "shell-form ENTRYPOINT and CMD", dockerfile: "FROM \(bb)\nENTRYPOINT echo hello\nCMD echo world\n",
            entrypoint: named("/bin/sh") + ["-c", "echo hello"], cmd: ["/bin/sh", "-c", "echo world"]),
    WrapRow(name: "bare ENTRYPOINT, legacy builder", dockerfile: "FROM \(bb)\nENTRYPOINT\n", entrypoint: ce, cmd: nil, runnable: false),
    WrapRow(name: "bare ENTRYPOINT, BuildKit", dockerfile: "FROM \(bb)\nENTRYPOINT\n", buildkit: true,
            entrypoint: named("/bin/sh") + ["-c", ""], cmd: nil),
    WrapRow(name: "ENTRYPOINT [] in a child stage", dockerfile: "FROM \(bb) AS one\nENTRYPOINT [\"false\"]\nFROM one\nENTRYPOINT []\nCMD [\"echo\", \"x\"]\n",
            entrypoint: ce, cmd: ["echo", "x"]),
    WrapRow(name: "ENTRYPOINT [\"\"]", dockerfile: "FROM \(bb)\nENTRYPOINT [\"\"]\nCMD [\"echo\", \"y\"]\n", entrypoint: ce, cmd: ["echo", "y"], runnable: false),
    WrapRow(name: "ENTRYPOINT [\" \"] is not wrapped", dockerfile: "FROM \(bb)\nENTRYPOINT [\" \"]\n", entrypoint: nil, runnable: false),
    WrapRow(name: "CMD only", dockerfile: "FROM \(bb)\nCMD [\"echo\", \"cmd only\"]\n", entrypoint: ce, cmd: ["echo", "cmd only"]),
    WrapRow(name: "shell-form CMD only", dockerfile: "FROM \(bb)\nCMD echo shell cmd; exit 3\n", entrypoint: ce, cmd: ["/bin/sh", "-c", "echo shell cmd; exit 3"]),
    WrapRow(name: "FROM scratch with neither", dockerfile: "FROM scratch\nCOPY Dockerfile /Dockerfile\n", entrypoint: nil, runnable: false),
    WrapRow(name: "stage chain: two overrides one", dockerfile: "FROM \(bb) AS one\nENTRYPOINT [\"echo\", \"one\"]\nFROM one AS two\nENTRYPOINT [\"echo\", \"two\"]\n",
            entrypoint: named("echo") + ["two"], cmd: nil),
    WrapRow(name: "stage chain: one ENTRYPOINT, two CMD", dockerfile: "FROM \(bb) AS one\nENTRYPOINT [\"echo\", \"one\"]\nFROM one AS two\nCMD echo two cmd\n",
            entrypoint: named("echo") + ["one"], cmd: ["/bin/sh", "-c", "echo two cmd"]),
    WrapRow(name: "non-root USER", dockerfile: "FROM \(bb)\nUSER 1000:1000\nCMD [\"id\", \"-u\"]\n", entrypoint: ce, cmd: ["id", "-u"]),
]

/// `--wrap` (spec/exec.md §8.2): the rewritten ENTRYPOINT/CMD per row, `/chalk` usable by any
/// user, never wrapped twice, and (once `chalk exec` works) the same run output and exit code as
/// the unwrapped image, and `docker stop` → 143 at once.
@Suite(.serialized, .enabled(if: DockerEnvironment.available, "needs root, docker.io (dockerd 20.10) and busybox-static"))
struct DockerWrapTests {
    let env = DockerEnvironment.shared!

    /// The static chalk of this branch (dist/chalk from scripts/build-static.sh), if built.
    static var staticChalk: String? {
        guard let p = TestSupport.staticChalkBinary,
              let r = try? TestSupport.run(p, ["docker", "--help"], extraEnvironment: ["PATH": "/nonexistent"], timeout: 20),
              r.status == 127 else { return nil }  // a chalk with docker mode says "no docker found"
        return p
    }

    /// Whether `chalk exec` runs a program yet (the exec engineer's part).
    static var execWorks: Bool {
        guard let p = staticChalk, let r = try? TestSupport.run(p, ["exec", "--", "/bin/true"], timeout: 20) else { return false }
        return r.status == 0
    }

    func build(_ df: String, tag: String, wrap: Bool, buildkit: Bool, home: URL, chalk: String? = nil) throws -> TestSupport.ProcessResult {
        let ctx = try DockerEnvironment.makeContext(["Dockerfile": df]); defer { TestSupport.removeTree(ctx) }
        var extra: [String: String] = [:]
        if buildkit { extra["DOCKER_BUILDKIT"] = "1" }
        if wrap { return try env.chalk(["--wrap", "docker", "build", "-t", tag, "."], home: home, cwd: ctx, binary: chalk, extra: extra) }
        return try env.dockerRun(["build", "-t", tag, "."], home: home, cwd: ctx, extra: extra)
    }

    func config(_ tag: String, home: URL) throws -> (ep: [String]?, cmd: [String]?) {
        let cfg = try #require(try env.inspect(tag, home: home)?["Config"] as? [String: Any])
        return (cfg["Entrypoint"] as? [String], cfg["Cmd"] as? [String])
    }

    @Test(arguments: wrapRows)
    func row(_ row: WrapRow) throws {
        guard let chalk = Self.staticChalk else {
            print("skipped: no static chalk with docker mode at dist/chalk (run scripts/build-static.sh)")
            return
        }
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let slug = row.name.lowercased().split { !($0.isLetter || $0.isNumber) }.joined(separator: "-")
        let plainTag = "chalk-test/plain-\(slug):1", wrappedTag = "chalk-test/wrapped-\(slug):1"
        let plain = try build(row.dockerfile, tag: plainTag, wrap: false, buildkit: row.buildkit, home: home)
        #expect(plain.status == 0, "\(plain.stderr)")
        let w = try build(row.dockerfile, tag: wrappedTag, wrap: true, buildkit: row.buildkit, home: home, chalk: chalk)
        #expect(w.status == 0, "\(w.stderr)")
        let got = try config(wrappedTag, home: home)
        if let ep = row.entrypoint {
            #expect(got.ep == ep)
            #expect(got.cmd == row.cmd)
            #expect(got.cmd == (try config(plainTag, home: home)).cmd)  // CMD is the unwrapped image's
            #expect(!w.stderr.contains("cannot wrap"))
        } else {
            #expect(w.stderr.contains("cannot wrap ENTRYPOINT"))
            let p = try config(plainTag, home: home)
            #expect(got.ep == p.ep && got.cmd == p.cmd)
        }
        // Marked either way; /chalk.json readable and (when wrapped) /chalk executable by a non-root user.
        let report = try #require(DockerEnvironment.reports(home: home).last)
        let item = try #require((report["_CHALKS"] as? [[String: Any]])?.first)
        #expect(item["_IMAGE_ENTRYPOINT"] as? [String] == got.ep)
        if row.dockerfile.hasPrefix("FROM \(bb)") {
            let check = row.entrypoint == nil ? "test -r /chalk.json" : "test -r /chalk.json && test -x /chalk && test ! -w /chalk.json"
            let perm = try env.dockerRun(["run", "--rm", "--network", "none", "--user", "1000:1000", "--entrypoint", "/bin/sh", wrappedTag,
                                          "-c", check], home: home)
            #expect(perm.status == 0, "\(perm.stderr)")
        }
        guard row.runnable, row.entrypoint != nil, Self.execWorks else { return }
        let a = try env.dockerRun(["run", "--rm", "--network", "none", plainTag], home: home)
        let b = try env.dockerRun(["run", "--rm", "--network", "none", wrappedTag], home: home)
        #expect(a.stdout == b.stdout && a.status == b.status, "\(b.stderr)")
        let args = try env.dockerRun(["run", "--rm", "--network", "none", wrappedTag, "echo", "run args"], home: home)
        let plainArgs = try env.dockerRun(["run", "--rm", "--network", "none", plainTag, "echo", "run args"], home: home)
        #expect(args.stdout == plainArgs.stdout && args.status == plainArgs.status)
    }

    @Test func neverWrappedTwiceAndChildOfWrappedBaseRuns() throws {
        guard let chalk = Self.staticChalk else { print("skipped: no static chalk at dist/chalk"); return }
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let base = "chalk-test/wrapped-base:1"
        #expect(try build("FROM \(bb)\nENTRYPOINT [\"echo\", \"base\"]\n", tag: base, wrap: true, buildkit: false, home: home, chalk: chalk).status == 0)
        let child = "chalk-test/wrapped-child:1"
        let r = try build("FROM \(base)\nCMD [\"child\"]\n", tag: child, wrap: true, buildkit: false, home: home, chalk: chalk)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try config(child, home: home).ep == named("echo") + ["base"])
        // A plain docker build on the wrapped base.
        let plainChild = "chalk-test/plain-child-of-wrapped:1"
        #expect(try build("FROM \(base)\nCMD [\"plain child\"]\n", tag: plainChild, wrap: false, buildkit: false, home: home).status == 0)
        guard Self.execWorks else { print("skipped run checks: chalk exec does not work yet"); return }
        let run = try env.dockerRun(["run", "--rm", "--network", "none", plainChild], home: home)
        #expect(run.status == 0 && run.stdout == "base plain child\n" && run.stderr.isEmpty)
        let runW = try env.dockerRun(["run", "--rm", "--network", "none", child], home: home)
        #expect(runW.status == 0 && runW.stdout == "base child\n")
    }

    @Test func dockerStopEndsWrappedContainerWith143() throws {
        guard let chalk = Self.staticChalk, Self.execWorks else { print("skipped: chalk exec does not work yet in dist/chalk"); return }
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let tag = "chalk-test/wrapped-sleep:1"
        #expect(try build("FROM \(bb)\nCMD [\"sleep\", \"60\"]\n", tag: tag, wrap: true, buildkit: false, home: home, chalk: chalk).status == 0)
        let cid = try env.dockerRun(["run", "-d", "--network", "none", tag], home: home).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? env.dockerRun(["rm", "-f", cid], home: home) }
        Thread.sleep(forTimeInterval: 1)
        let t0 = Date()
        _ = try env.dockerRun(["stop", "-t", "10", cid], home: home)
        #expect(Date().timeIntervalSince(t0) < 5)
        let code = try env.dockerRun(["inspect", "-f", "{{.State.ExitCode}}", cid], home: home).stdout
        #expect(code.trimmingCharacters(in: .whitespacesAndNewlines) == "143")
    }

    @Test func dynamicChalkMarksButDoesNotWrap() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let tag = "chalk-test/dynamic-wrap:1"
        let r = try build("FROM \(bb)\nCMD [\"echo\", \"hi\"]\n", tag: tag, wrap: true, buildkit: false, home: home)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("cannot wrap ENTRYPOINT due to: the running chalk"))
        #expect(try config(tag, home: home).ep == nil)
        #expect(try env.dockerRun(["run", "--rm", "--entrypoint", "cat", tag, "/chalk.json"], home: home).stdout.contains("dadfedabbadabbed"))
        #expect(try env.dockerRun(["run", "--rm", tag], home: home).stdout == "hi\n")
    }
}
