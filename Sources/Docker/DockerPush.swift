import Marking
import Reporting
import ChalkLog

/// `docker push` / `docker image push`, then a `push` report (issue 7 §6).
struct DockerPush {
    let ctx: DockerContext
    let cl: DockerCommandLine

    init(_ ctx: DockerContext, commandLine: DockerCommandLine) { self.ctx = ctx; self.cl = commandLine }

    /// The pushed reference: the first word that is not a flag.
    var reference: String? {
        var skipNext = false
        for a in cl.rest {
            if skipNext { skipNext = false; continue }
            if a == "--platform" { skipNext = true; continue }
            if a.hasPrefix("-") { continue }
            return a
        }
        return nil
    }

    func run() -> Int32 {
        let start = OperationTime.now().milliseconds
        let r = ctx.docker(cl.command + cl.rest, stdout: .inherit, stderr: .inherit, stdinNull: false)
        var host = ctx.hostKeys(start)
        host["_OP_EXIT_CODE"] = .int(Int64(r.status))
        guard r.status == 0, let ref = reference else {
            DockerWiring.publish(CollectedRun(operation: "push", host: host, errors: ["docker push failed with exit code \(r.status)"]),
                                 config: ctx.config)
            return r.status
        }
        var item = ChalkObject()
        var unmarked: [String] = []
        var errors: [String] = []
        if let insp = ctx.inspect(ref, type: "image") {
            let found = DockerExtractor(ctx).markOfImage(ref, inspect: insp)
            if let mark = found.mark { item.merge(mark) } else { unmarked.append(ref) }
            errors += found.errors
            var keys = ImageKeys.imageKeys(insp)
            // Only the pushed repository's digests: that is where the image went.
            let pushed = ImageKeys.registryAndRepo(ref)
            if let digests = keys["_REPO_DIGESTS"]?.objectValue {
                var only = ChalkObject()
                if let repos = digests[pushed.0]?.objectValue, let list = repos[pushed.1] {
                    only[pushed.0] = .object([pushed.1: list])
                }
                keys["_REPO_DIGESTS"] = only.isEmpty ? nil : .object(only)
            }
            item.merge(keys)
        } else {
            Log.warn("docker inspect \(ref) failed after the push; the report has no digests")
            unmarked.append(ref)
        }
        item["_OP_ARTIFACT_PATH"] = .string(ref)
        item["_OP_ARTIFACT_TYPE"] = "Docker Image"
        DockerWiring.publish(CollectedRun(operation: "push", host: host, chalks: [item], unmarked: unmarked, errors: errors),
                             config: ctx.config)
        return 0
    }
}
