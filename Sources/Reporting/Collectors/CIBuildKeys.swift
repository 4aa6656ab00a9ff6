#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Marking

/// CI/CD build keys (spec/config.md §4.7) from the environment variables of GitHub Actions,
/// GitLab CI and Jenkins, mapped as Chalk's `ci_github`, `ci_gitlab` and `ci_jenkins` plugins
/// map them. `prefix` is "" for the chalk-time keys (`BUILD_ID`) and "_" for their run-time
/// twins (`_BUILD_ID`). Each CI adds only keys that are still unset (first writer wins).
public enum CIBuildKeys {
    /// `githubAPITimeoutMs`: when set, and `GITHUB_TOKEN` is given, the repository's node IDs
    /// (`BUILD_ORIGIN_KEY`, `BUILD_ORIGIN_OWNER_KEY`) are asked from `GITHUB_API_URL`.
    public static func collect(environment env: [String: String], prefix: String, githubAPITimeoutMs: Int? = nil) -> ChalkObject {
        var o = github(env, prefix)
        if let t = githubAPITimeoutMs, !o.isEmpty { o.mergeCollected(githubRepoKeys(env, prefix, timeoutMs: t)) }
        o.mergeMissing(jenkins(env, prefix))
        o.mergeMissing(gitlab(env, prefix))
        return o
    }

    static func github(_ env: [String: String], _ p: String) -> ChalkObject {
        func e(_ k: String) -> String { env[k] ?? "" }
        var o = ChalkObject()
        // Probably not GitHub Actions.
        if e("CI").isEmpty && e("GITHUB_SHA").isEmpty { return o }
        let runID = e("GITHUB_RUN_ID"), checkRunID = e("GITHUB_CHECK_RUN_ID"), attempt = e("GITHUB_RUN_ATTEMPT")
        o.set(p + "BUILD_ID", checkRunID.isEmpty ? runID : checkRunID)
        o.set(p + "BUILD_COMMIT_ID", e("GITHUB_SHA"))
        o.set(p + "BUILD_ORIGIN_ID", e("GITHUB_REPOSITORY_ID"))
        o.set(p + "BUILD_ORIGIN_OWNER_ID", e("GITHUB_REPOSITORY_OWNER_ID"))
        o.set(p + "BUILD_API_URI", e("GITHUB_API_URL"))
        o.set(p + "BUILD_ATTEMPT", attempt)
        o.set(p + "BUILD_WORKFLOW_NAME", e("GITHUB_WORKFLOW"))
        o.set(p + "BUILD_WORKFLOW_PATH", e("GITHUB_WORKFLOW_REF"))
        o.set(p + "BUILD_WORKFLOW_HASH", e("GITHUB_WORKFLOW_SHA"))
        o.set(p + "BUILD_REF", e("GITHUB_REF"))
        let runnerTemp = e("RUNNER_TEMP")
        if !runnerTemp.isEmpty {
            // RUNNER_TEMP lives exactly as long as the job, so a file there gives one ID per job
            // that every chalk run of the job shares.
            o.set(p + "BUILD_UNIQUE_ID", readOrCreateExclusive(FileIO.join(runnerTemp, "BUILD_UNIQUE_ID.chalk")) ?? "")
        }
        let server = e("GITHUB_SERVER_URL"), repo = e("GITHUB_REPOSITORY")
        if !server.isEmpty && !repo.isEmpty && !runID.isEmpty {
            let base = stripTrailing(server, "/") + "/" + strip(repo, "/")
            var uri = base + "/actions/runs/" + runID
            if !checkRunID.isEmpty {
                uri = strip(uri, "/") + "/job/" + checkRunID
            } else if !attempt.isEmpty {
                uri = strip(uri, "/") + "/attempts/" + attempt
            }
            o.set(p + "BUILD_ORIGIN_URI", base)
            o.set(p + "BUILD_URI", uri)
        }
        let event = e("GITHUB_EVENT_NAME")
        o.set(p + "BUILD_TRIGGER", event == "push" && e("GITHUB_REF_TYPE") == "tag" ? "tag" : event)
        if !e("GITHUB_ACTOR").isEmpty { o[p + "BUILD_CONTACT"] = .array([.string(e("GITHUB_ACTOR"))]) }
        return o
    }

    /// GET `$GITHUB_API_URL/repos/$GITHUB_REPOSITORY` with the job's token (the user passes
    /// `GITHUB_TOKEN` to chalk explicitly, which is the opt-in for this request).
    static func githubRepoKeys(_ env: [String: String], _ p: String, timeoutMs: Int) -> ChalkObject {
        func e(_ k: String) -> String { env[k] ?? "" }
        var o = ChalkObject()
        let api = e("GITHUB_API_URL"), repo = e("GITHUB_REPOSITORY"), token = e("GITHUB_TOKEN")
        let keys = [p + "BUILD_ORIGIN_KEY", p + "BUILD_ORIGIN_OWNER_KEY"]
        let desc = "GitHub API call failed while fetching repository node IDs"
        guard !api.isEmpty, !repo.isEmpty else { return o }
        guard !token.isEmpty else {
            o.addFailedKeys(keys, code: "GITHUB_NO_TOKEN", error: "GITHUB_TOKEN is empty", description: desc)
            return o
        }
        guard api.hasPrefix("http://") || api.hasPrefix("https://") else {
            o.addFailedKeys(keys, code: "GITHUB_INVALID_API_URL", error: "invalid api url (\(api))", description: desc)
            return o
        }
        let url = stripTrailing(api, "/") + "/repos/" + strip(repo, "/")
        switch MetadataHTTP.request("GET", url, headers: ["Authorization": "Bearer " + token, "Accept": "application/vnd.github+json"],
                                    timeoutMs: timeoutMs, retries: 2) {
        case .success(let r) where r.ok:
            let doc = JSONReader.tryParse(r.text)
            o.set(p + "BUILD_ORIGIN_KEY", doc?.member("node_id")?.stringValue ?? "")
            o.set(p + "BUILD_ORIGIN_OWNER_KEY", doc?.member("owner")?.member("node_id")?.stringValue ?? "")
        case .success(let r):
            o.addFailedKeys(keys, code: "GITHUB_API_ERROR", error: "HTTP \(r.status) from \(url)", description: desc)
        case .failure(let f):
            o.addFailedKeys(keys, code: "GITHUB_API_EXCEPTION", error: f.message, description: desc)
        }
        return o
    }

    static func gitlab(_ env: [String: String], _ p: String) -> ChalkObject {
        func e(_ k: String) -> String { env[k] ?? "" }
        var o = ChalkObject()
        if e("CI").isEmpty && e("GITLAB_CI").isEmpty { return o }
        o.set(p + "BUILD_ID", e("CI_JOB_ID"))
        o.set(p + "BUILD_COMMIT_ID", e("CI_COMMIT_SHA"))
        o.set(p + "BUILD_URI", e("CI_JOB_URL"))
        o.set(p + "BUILD_API_URI", e("CI_API_V4_URL"))
        o.set(p + "BUILD_ORIGIN_ID", e("CI_PROJECT_ID"))
        o.set(p + "BUILD_ORIGIN_OWNER_ID", e("CI_PROJECT_NAMESPACE_ID"))
        o.set(p + "BUILD_ORIGIN_URI", e("CI_PROJECT_URL"))
        o.set(p + "BUILD_WORKFLOW_NAME", e("CI_PIPELINE_NAME"))
        o.set(p + "BUILD_WORKFLOW_PATH", e("CI_CONFIG_PATH"))
        o.set(p + "BUILD_REF", e("CI_MERGE_REQUEST_REF_PATH"))
        o.set(p + "BUILD_TRIGGER", e("CI_PIPELINE_SOURCE"))
        if !e("GITLAB_USER_LOGIN").isEmpty { o[p + "BUILD_CONTACT"] = .array([.string(e("GITLAB_USER_LOGIN"))]) }
        return o
    }

    static func jenkins(_ env: [String: String], _ p: String) -> ChalkObject {
        func e(_ k: String) -> String { env[k] ?? "" }
        var o = ChalkObject()
        if e("CI").isEmpty && e("BUILD_ID").isEmpty { return o }
        o.set(p + "BUILD_ID", e("BUILD_ID"))
        o.set(p + "BUILD_COMMIT_ID", e("GIT_COMMIT"))
        o.set(p + "BUILD_URI", e("BUILD_URL"))
        o.set(p + "BUILD_API_URI", e("JENKINS_URL"))
        o.set(p + "BUILD_ORIGIN_ID", e("JOB_NAME"))
        o.set(p + "BUILD_ORIGIN_URI", e("GIT_URL"))
        o.set(p + "BUILD_WORKFLOW_NAME", e("JOB_NAME"))
        o.set(p + "BUILD_WORKFLOW_PATH", e("JOB_URL"))
        o.set(p + "BUILD_TRIGGER", e("BUILD_CAUSE"))
        var ref = e("GIT_BRANCH")
        if !ref.isEmpty {
            if ref.hasPrefix("origin/") { ref = String(ref.dropFirst(7)) }
            if !ref.hasPrefix("refs/") { ref = "refs/heads/" + ref }
            o.set(p + "BUILD_REF", ref)
        }
        if !e("NODE_NAME").isEmpty { o[p + "BUILD_CONTACT"] = .array([.string(e("NODE_NAME"))]) }
        return o
    }

    /// Reads the ID stored in `path`, or creates the file exclusively with a new random ID
    /// (so concurrent chalk runs of one job agree on it).
    static func readOrCreateExclusive(_ path: String) -> String? {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd >= 0 {
            let id = SystemFacts.randomHex64()
            let ok = Array(id.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == id.utf8.count
            close(fd)
            if ok { return id }
        }
        // Someone else created it: give the writer a moment to finish.
        for _ in 0..<50 {
            if let s = FileIO.readText(path, limit: 4096)?.trimmed, !s.isEmpty { return s }
            usleep(2000)
        }
        return nil
    }

    static func strip(_ s: String, _ c: Character) -> String {
        var t = Substring(s)
        while t.first == c { t.removeFirst() }
        while t.last == c { t.removeLast() }
        return String(t)
    }

    static func stripTrailing(_ s: String, _ c: Character) -> String {
        var t = Substring(s)
        while t.last == c { t.removeLast() }
        return String(t)
    }
}

extension ChalkObject {
    /// Sets a string key only when the value is non-empty.
    mutating func set(_ key: String, _ value: String) {
        if !value.isEmpty { self[key] = .string(value) }
    }
}
