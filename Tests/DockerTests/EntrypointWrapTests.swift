import Testing
@testable import Docker

/// One test per row of spec/exec.md §8.2, on what the builders record (checked against
/// docker 20.10: bare ENTRYPOINT → null (legacy) / ["/bin/sh","-c",""] (BuildKit);
/// `ENTRYPOINT []` → null; `ENTRYPOINT [""]` → [""]).
@Suite struct EntrypointWrapTests {
    func rw(_ ep: [String]?, _ cmd: [String]?, bare: Bool = false, wrapCmd: Bool = true) -> EntrypointWrap.Outcome {
        EntrypointWrap.rewrite(entrypoint: ep, cmd: cmd, explicitEmptyEntrypoint: bare, wrapCmd: wrapCmd)
    }

    @Test func execFormEntrypointAndCmd() {
        #expect(rw(["echo"], ["hello"]) == .wrap(entrypoint: ["/chalk", "exec", "--exec-command-name", "echo", "--"], cmd: ["hello"]))
    }

    @Test func shellFormEntrypointAndCmd() {
        #expect(rw(["/bin/sh", "-c", "echo hello"], ["/bin/sh", "-c", "echo world"])
            == .wrap(entrypoint: ["/chalk", "exec", "--exec-command-name", "/bin/sh", "--", "-c", "echo hello"],
                     cmd: ["/bin/sh", "-c", "echo world"]))
    }

    @Test func bareEntrypointUnderBuildKit() {
        #expect(rw(["/bin/sh", "-c", ""], nil, bare: true)
            == .wrap(entrypoint: ["/chalk", "exec", "--exec-command-name", "/bin/sh", "--", "-c", ""], cmd: nil))
    }

    @Test func bareEntrypointUnderLegacyBuilder() {
        #expect(rw(nil, nil, bare: true) == .wrap(entrypoint: ["/chalk", "exec", "--"], cmd: nil))
    }

    @Test func emptyEntrypointListInChildStageKeepsCmd() {
        #expect(rw(nil, ["x"], bare: true) == .wrap(entrypoint: ["/chalk", "exec", "--"], cmd: ["x"]))
        #expect(rw([], ["x"]) == .wrap(entrypoint: ["/chalk", "exec", "--"], cmd: ["x"]))
    }

    @Test func emptyStringEntrypoint() {
        #expect(rw([""], ["x"]) == .wrap(entrypoint: ["/chalk", "exec", "--"], cmd: ["x"]))
        #expect(rw([""], nil) == .wrap(entrypoint: ["/chalk", "exec", "--"], cmd: nil))
    }

    @Test func blankOrDoubleEmptyEntrypointAbandonsWrap() {
        guard case .fail(let m) = rw([" "], nil) else { Issue.record("expected failure"); return }
        #expect(m.contains("has to be a valid executable command"))
        guard case .fail = rw(["", ""], ["x"]) else { Issue.record("expected failure"); return }
    }

    @Test func alreadyWrappedIsLeftAlone() {
        #expect(rw(["/chalk", "exec", "--"], ["x"]) == .alreadyWrapped)
        #expect(rw(["/chalk", "exec", "--exec-command-name", "echo", "--"], nil) == .alreadyWrapped)
    }

    @Test func cmdOnlyIsWrapped() {
        #expect(rw(nil, ["cat", "/x"]) == .wrap(entrypoint: ["/chalk", "exec", "--"], cmd: ["cat", "/x"]))
        #expect(rw(nil, ["/bin/sh", "-c", "echo hi"]) == .wrap(entrypoint: ["/chalk", "exec", "--"], cmd: ["/bin/sh", "-c", "echo hi"]))
    }

    @Test func cmdOnlyWithWrapCmdOffFails() {
        #expect(rw(nil, ["x"], wrapCmd: false)
            == .fail("Cannot wrap; no ENTRYPOINT in Dockerfile but there is CMD. To wrap CMD enable 'docker.wrap_cmd' config option"))
    }

    @Test func neitherEntrypointNorCmdFails() {
        #expect(rw(nil, nil) == .fail("Cannot wrap; no ENTRYPOINT or CMD found in Dockerfile"))
    }

    @Test func baseImageEntrypoint() {
        // nginx-like base: ENTRYPOINT ["/docker-entrypoint.sh"], CMD ["nginx","-g","daemon off;"].
        #expect(rw(["/docker-entrypoint.sh"], ["nginx", "-g", "daemon off;"])
            == .wrap(entrypoint: ["/chalk", "exec", "--exec-command-name", "/docker-entrypoint.sh", "--"], cmd: ["nginx", "-g", "daemon off;"]))
    }

    @Test func stageChains() {
        // `two` overrides `one`'s ENTRYPOINT (CMD reset): recorded ["two","entrypoint"], null.
        #expect(rw(["two", "entrypoint"], nil) == .wrap(entrypoint: ["/chalk", "exec", "--exec-command-name", "two", "--", "entrypoint"], cmd: nil))
        // `one` sets ENTRYPOINT, `two` sets `CMD two cmd`.
        #expect(rw(["one", "entrypoint"], ["/bin/sh", "-c", "two cmd"])
            == .wrap(entrypoint: ["/chalk", "exec", "--exec-command-name", "one", "--", "entrypoint"], cmd: ["/bin/sh", "-c", "two cmd"]))
    }
}
