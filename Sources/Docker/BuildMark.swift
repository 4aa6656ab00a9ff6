import Marking
import Config
import Reporting
import ChalkLog

#if canImport(Glibc)
import Glibc
#endif

extension DockerBuild {
    /// Keys forced into every mark whatever the template says (spec/mark-format.md §1.2).
    static let forcedMarkKeys: Set<String> = ["MAGIC", "CHALK_VERSION", "CHALK_ID", "METADATA_ID"]

    /// Every chalk-time key of the image known before the build runs: chalk's identity keys
    /// for an image (MAGIC, CHALK_ID, ARTIFACT_TYPE), the collectors' keys (CHALK_VERSION, the
    /// time of chalking, CHALK_RAND, INJECTOR_*, PLATFORM_WHEN_CHALKED, git, CI, custom keys)
    /// and the DOCKER_* keys from the command line and the Dockerfile. Each key has one owner:
    /// the collectors' keys are not set here (they used to be, and were overwritten).
    func collectKeys(_ now: Int64, dockerfile: Dockerfile?, dockerfileText: String?, dockerfilePath: String) -> ChalkObject {
        var m = ChalkObject()
        m["MAGIC"] = "dadfedabbadabbed"
        m["CHALK_ID"] = .string(DockerWiring.randomChalkID())
        m.merge(DockerWiring.chalkTimeCollectedKeys(contextDirectory: FS.normalize(FS.absolute(opts.context ?? ".", base: FS.cwd())),
                                                    config: ctx.config, version: ctx.identity.version, argv: ctx.argv,
                                                    startMillis: now))
        m["ARTIFACT_TYPE"] = "Docker Image"
        m.merge(dockerKeysBeforeBuild(dockerfile: dockerfile, dockerfileText: dockerfileText, dockerfilePath: dockerfilePath))
        return m
    }

    /// The mark (without METADATA_ID): `collected` filtered by the `build` outconf's mark
    /// template, plus the keys every mark has.
    func markOf(_ collected: ChalkObject) -> ChalkObject {
        guard let template = ctx.config.markTemplate(for: "build") else { return collected }
        return ChalkObject(collected.entries.filter { DockerBuild.forcedMarkKeys.contains($0.key) || template.uses($0.key) })
    }

    /// `docker.label_template` keys present in the mark plus `docker.custom_labels`, as
    /// (label name, value) pairs. Names: prefix + key lowercased, `_`→`-`, `$`→`_`.
    func chalkLabels(_ mark: ChalkObject) -> [(String, String)] {
        let d = ctx.config.docker
        let keys = ctx.config.markTemplates[d.labelTemplate]?.usedKeys
            ?? ["AUTHOR", "BRANCH", "COMMITTER", "COMMIT_ID", "DATE_AUTHORED", "DATE_COMMITTED", "DATE_TAGGED", "ORIGIN_URI", "TAG", "TAGGER"]
        var out: [(String, String)] = []
        // The config forces the mark-identity keys into every mark template; they are not
        // labels (Chalk labels only the template's own keys, e.g. the git facts).
        for k in keys where !DockerBuild.forcedMarkKeys.contains(k) && k != "HASH" && !k.hasPrefix("$") {
            guard let v = mark[k], !v.isEmptyForMark else { continue }
            let name = d.labelPrefix + String(k.lowercased().map { $0 == "_" ? "-" : ($0 == "$" ? "_" : $0) })
            out.append((name, v.stringValue ?? DockerJSONWriter.write(v)))
        }
        return out + d.customLabels
    }

    /// The wrap lines for chalk's one-step image, with `/chalk` copied into `dir`; nil (and a
    /// warning) when wrapping is not possible. The image is still marked either way.
    func wrapLines(_ df: Dockerfile?, userImage: ChalkObject?, into dir: String) -> [String]? {
        guard let me = DockerLocator.selfPath(), let bytes = FS.readFile(me) else {
            Log.warn("docker: cannot wrap ENTRYPOINT due to: cannot read the running chalk binary")
            return nil
        }
        guard ElfInfo.isStatic(bytes) else {
            Log.warn("docker: cannot wrap ENTRYPOINT due to: the running chalk (\(me)) is not statically linked, so it would not run in the image; use the static build (dist/chalk)")
            return nil
        }
        guard let cfg = userImage?["Config"]?.objectValue else {
            Log.warn("docker: cannot wrap ENTRYPOINT due to: docker inspect of the built image failed")
            return nil
        }
        let explicitEmpty = df.flatMap { d in d.targetIndex(opts.target).map { d.lastEntrypointIsBare($0) } } ?? false
        let outcome = EntrypointWrap.rewrite(entrypoint: ImageKeys.strings(cfg["Entrypoint"]), cmd: ImageKeys.strings(cfg["Cmd"]),
                                             explicitEmptyEntrypoint: explicitEmpty, wrapCmd: ctx.config.docker.wrapCmd)
        var lines: [String] = []
        switch outcome {
        case .fail(let why):
            Log.warn("docker: cannot wrap ENTRYPOINT due to: \(why)")
            return nil
        case .alreadyWrapped:
            Log.info("docker: the base image already runs under /chalk exec; ENTRYPOINT/CMD kept")
        case .wrap(let ep, let cmd):
            lines.append("ENTRYPOINT " + DockerJSONWriter.write(.array(ep.map { .string($0) })))
            if let cmd { lines.append("CMD " + DockerJSONWriter.write(.array(cmd.map { .string($0) }))) }
        }
        guard FS.writeFile(dir + "/chalk", bytes, mode: 0o755) else {
            Log.warn("docker: cannot wrap ENTRYPOINT due to: cannot write the chalk binary into the build context")
            return nil
        }
        return ["COPY chalk /chalk"] + lines
    }
}

/// Just enough ELF reading to tell a static executable from a dynamic one.
enum ElfInfo {
    /// True for an ELF64 little-endian executable without a PT_INTERP program header.
    static func isStatic(_ b: [UInt8]) -> Bool {
        guard b.count > 64, b[0] == 0x7f, b[1] == 0x45, b[2] == 0x4c, b[3] == 0x46, b[4] == 2, b[5] == 1 else { return false }
        func u(_ off: Int, _ n: Int) -> Int {
            var v = 0
            for i in (0..<n).reversed() { v = v << 8 | Int(b[off + i]) }
            return v
        }
        let phoff = u(32, 8), phentsize = u(54, 2), phnum = u(56, 2)
        guard phentsize >= 4, phoff > 0, phoff + phnum * phentsize <= b.count else { return false }
        for i in 0..<phnum where u(phoff + i * phentsize, 4) == 3 { return false }
        return true
    }
}
