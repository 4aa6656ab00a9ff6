import Foundation
import Testing
import ChalkTestSupport
@testable import Reporting
import Marking

/// CI build keys from each CI's documented environment variables, and CODE_OWNERS lookup.
@Suite struct CollectorCITests {
    typealias F = CollectorFixture

    @Test func githubActions() throws {
        let tmp = try F.tempDir("runner-temp")
        defer { TestSupport.removeTree(tmp) }
        let env = [
            "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_SHA": "ffac537e6cbbf934b08745a378932722df287a53",
            "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "octo/hello",
            "GITHUB_REPOSITORY_ID": "123456", "GITHUB_REPOSITORY_OWNER_ID": "654321",
            "GITHUB_RUN_ID": "1658821493", "GITHUB_RUN_ATTEMPT": "2", "GITHUB_API_URL": "https://api.github.com",
            "GITHUB_ACTOR": "octocat", "GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/tags/v1.0",
            "GITHUB_REF_TYPE": "tag", "GITHUB_WORKFLOW": "CI",
            "GITHUB_WORKFLOW_REF": "octo/hello/.github/workflows/ci.yml@refs/heads/main",
            "GITHUB_WORKFLOW_SHA": "ffac537e6cbbf934b08745a378932722df287a53", "RUNNER_TEMP": tmp.path,
        ]
        let o = F.collector(env: env).chalkTimeHost()
        #expect(o["BUILD_ID"] == "1658821493")
        #expect(o["BUILD_COMMIT_ID"] == "ffac537e6cbbf934b08745a378932722df287a53")
        #expect(o["BUILD_ORIGIN_ID"] == "123456")
        #expect(o["BUILD_ORIGIN_OWNER_ID"] == "654321")
        #expect(o["BUILD_API_URI"] == "https://api.github.com")
        #expect(o["BUILD_ATTEMPT"] == "2")
        #expect(o["BUILD_WORKFLOW_NAME"] == "CI")
        #expect(o["BUILD_WORKFLOW_PATH"] == "octo/hello/.github/workflows/ci.yml@refs/heads/main")
        #expect(o["BUILD_WORKFLOW_HASH"] == "ffac537e6cbbf934b08745a378932722df287a53")
        #expect(o["BUILD_REF"] == "refs/tags/v1.0")
        #expect(o["BUILD_ORIGIN_URI"] == "https://github.com/octo/hello")
        #expect(o["BUILD_URI"] == "https://github.com/octo/hello/actions/runs/1658821493/attempts/2")
        #expect(o["BUILD_TRIGGER"] == "tag")  // a push of a tag
        #expect(o["BUILD_CONTACT"] == .array(["octocat"]))
        // BUILD_UNIQUE_ID: one per job, stored in RUNNER_TEMP and shared by later runs.
        let unique = try #require(o["BUILD_UNIQUE_ID"]?.stringValue)
        #expect(unique.count == 16)
        let stored = try String(contentsOf: tmp.appendingPathComponent("BUILD_UNIQUE_ID.chalk"), encoding: .utf8)
        #expect(stored == unique)
        #expect(F.collector(env: env).chalkTimeHost()["BUILD_UNIQUE_ID"]?.stringValue == unique)
        // With the job id from setup-chalk-action, BUILD_ID and BUILD_URI name the job.
        var withJob = env
        withJob["GITHUB_CHECK_RUN_ID"] = "999"
        withJob["GITHUB_EVENT_NAME"] = "pull_request"
        let j = F.collector(env: withJob).chalkTimeHost()
        #expect(j["BUILD_ID"] == "999")
        #expect(j["BUILD_URI"] == "https://github.com/octo/hello/actions/runs/1658821493/job/999")
        #expect(j["BUILD_TRIGGER"] == "pull_request")
        // Run-time twins.
        let rt = F.collector(env: env).runTimeHost()
        #expect(rt["_BUILD_ID"] == "1658821493")
        #expect(rt["_BUILD_URI"] == "https://github.com/octo/hello/actions/runs/1658821493/attempts/2")
        #expect(rt["BUILD_ID"] == nil)
    }

    @Test func githubRepositoryNodeIDsFromTheAPI() throws {
        let s = try LoopbackMetadataServer()
        defer { s.stop() }
        var env = ["CI": "true", "GITHUB_SHA": "ffac537e6cbbf934b08745a378932722df287a53", "GITHUB_REPOSITORY": "octo/hello",
                   "GITHUB_API_URL": s.baseURL + "/", "GITHUB_TOKEN": "ghs_jobtoken"]
        let o = F.collector(env: env).chalkTimeHost()
        #expect(o["BUILD_ORIGIN_KEY"] == "R_kgDOExample")
        #expect(o["BUILD_ORIGIN_OWNER_KEY"] == "O_kgDOExample")
        #expect(s.requests.map(\.path) == ["/repos/octo/hello"])
        #expect(s.requests.first?.headers["Authorization"] == "Bearer ghs_jobtoken")
        // Only asked when those keys are wanted.
        let narrow = Collector(context: CollectionContext(chalkVersion: "0", environment: env, wantedKeys: ["BUILD_ID"]))
        #expect(narrow.chalkTimeHost()["BUILD_ORIGIN_KEY"] == nil)
        #expect(s.requests.count == 1)
        // Without a token: no request, and the failure is recorded.
        env["GITHUB_TOKEN"] = nil
        let noToken = F.collector(env: env).chalkTimeHost()
        #expect(noToken["_OP_FAILED_KEYS"]?.member("BUILD_ORIGIN_KEY")?.arrayValue?.first?.member("code") == "GITHUB_NO_TOKEN")
        #expect(s.requests.count == 1)
        // A rejected token is a recorded failure.
        env["GITHUB_TOKEN"] = "wrong"
        let bad = F.collector(env: env).chalkTimeHost()
        #expect(bad["_OP_FAILED_KEYS"]?.member("BUILD_ORIGIN_OWNER_KEY")?.arrayValue?.first?.member("code") == "GITHUB_API_ERROR")
    }

    @Test func gitlabCI() {
        let env = [
            "CI": "true", "GITLAB_CI": "true", "CI_JOB_ID": "50", "CI_COMMIT_SHA": "1ecfd275763eff1d6b4844ea3168962458c9f27a",
            "CI_JOB_URL": "https://gitlab.example.com/gitlab-org/gitlab/-/jobs/50",
            "CI_API_V4_URL": "https://gitlab.example.com/api/v4", "CI_PROJECT_URL": "https://gitlab.example.com/gitlab-org/gitlab",
            "CI_PROJECT_ID": "34", "CI_PROJECT_NAMESPACE_ID": "9", "GITLAB_USER_LOGIN": "alice",
            "CI_PIPELINE_SOURCE": "merge_request_event", "CI_CONFIG_PATH": ".gitlab-ci.yml",
            "CI_PIPELINE_NAME": "Nightly", "CI_MERGE_REQUEST_REF_PATH": "refs/merge-requests/1/head",
        ]
        let o = F.collector(env: env).chalkTimeHost()
        #expect(o["BUILD_ID"] == "50")
        #expect(o["BUILD_COMMIT_ID"] == "1ecfd275763eff1d6b4844ea3168962458c9f27a")
        #expect(o["BUILD_URI"] == "https://gitlab.example.com/gitlab-org/gitlab/-/jobs/50")
        #expect(o["BUILD_API_URI"] == "https://gitlab.example.com/api/v4")
        #expect(o["BUILD_ORIGIN_ID"] == "34")
        #expect(o["BUILD_ORIGIN_OWNER_ID"] == "9")
        #expect(o["BUILD_ORIGIN_URI"] == "https://gitlab.example.com/gitlab-org/gitlab")
        #expect(o["BUILD_WORKFLOW_NAME"] == "Nightly")
        #expect(o["BUILD_WORKFLOW_PATH"] == ".gitlab-ci.yml")
        #expect(o["BUILD_REF"] == "refs/merge-requests/1/head")
        #expect(o["BUILD_TRIGGER"] == "merge_request_event")
        #expect(o["BUILD_CONTACT"] == .array(["alice"]))
        #expect(o["BUILD_UNIQUE_ID"] == nil && o["BUILD_ATTEMPT"] == nil)
    }

    @Test func jenkins() {
        let env = [
            "BUILD_ID": "17", "BUILD_NUMBER": "17", "BUILD_URL": "https://ci.example.com/job/app/17/",
            "JENKINS_URL": "https://ci.example.com/", "JOB_NAME": "app", "JOB_URL": "https://ci.example.com/job/app/",
            "NODE_NAME": "agent-3", "GIT_COMMIT": "0123456789abcdef0123456789abcdef01234567",
            "GIT_BRANCH": "origin/release/2.0", "GIT_URL": "https://git.example.com/app.git", "BUILD_CAUSE": "SCMTRIGGER",
        ]
        let o = F.collector(env: env).chalkTimeHost()
        #expect(o["BUILD_ID"] == "17")
        #expect(o["BUILD_COMMIT_ID"] == "0123456789abcdef0123456789abcdef01234567")
        #expect(o["BUILD_URI"] == "https://ci.example.com/job/app/17/")
        #expect(o["BUILD_API_URI"] == "https://ci.example.com/")
        #expect(o["BUILD_ORIGIN_ID"] == "app")
        #expect(o["BUILD_ORIGIN_URI"] == "https://git.example.com/app.git")
        #expect(o["BUILD_WORKFLOW_NAME"] == "app")
        #expect(o["BUILD_WORKFLOW_PATH"] == "https://ci.example.com/job/app/")
        #expect(o["BUILD_TRIGGER"] == "SCMTRIGGER")
        #expect(o["BUILD_REF"] == "refs/heads/release/2.0")
        #expect(o["BUILD_CONTACT"] == .array(["agent-3"]))
        var plain = env
        plain["GIT_BRANCH"] = "refs/tags/v1"
        #expect(F.collector(env: plain).chalkTimeHost()["BUILD_REF"] == "refs/tags/v1")
    }

    @Test func codeOwnersLocations() throws {
        let dir = try F.tempDir("codeowners")
        defer { TestSupport.removeTree(dir) }
        try F.sh("git init -q . && mkdir -p src/deep docs && touch src/deep/app.py", in: dir)
        let artifact = dir.appendingPathComponent("src/deep/app.py").path
        let c = F.collector()
        #expect(c.chalkTimeArtifact(path: artifact)["CODE_OWNERS"] == nil)
        try "* @docs-team\n".write(to: dir.appendingPathComponent("docs/CODEOWNERS"), atomically: true, encoding: .utf8)
        #expect(c.chalkTimeArtifact(path: artifact)["CODE_OWNERS"] == "* @docs-team\n")
        try F.sh("mkdir .github && printf '# owners\\n*.py @py\\n' > .github/CODEOWNERS", in: dir)
        #expect(c.chalkTimeArtifact(path: artifact)["CODE_OWNERS"] == "# owners\n*.py @py\n")
        try "* @root\n".write(to: dir.appendingPathComponent("CODEOWNERS"), atomically: true, encoding: .utf8)
        #expect(c.chalkTimeArtifact(path: artifact)["CODE_OWNERS"] == "* @root\n")
        // A CODEOWNERS file that is itself the artifact.
        try "x @y\n".write(to: dir.appendingPathComponent("src/CODEOWNERS"), atomically: true, encoding: .utf8)
        #expect(c.chalkTimeArtifact(path: dir.appendingPathComponent("src/CODEOWNERS").path)["CODE_OWNERS"] == "x @y\n")
    }

    @Test func authorsFallback() throws {
        let dir = try F.tempDir("authors")
        defer { TestSupport.removeTree(dir) }
        try F.sh("git init -q . && printf 'Ada <ada@example.com>\\n' > AUTHORS && touch tool", in: dir)
        #expect(F.collector().chalkTimeArtifact(path: dir.appendingPathComponent("tool").path)["CODE_OWNERS"]
                == "Ada <ada@example.com>\n")
    }
}
