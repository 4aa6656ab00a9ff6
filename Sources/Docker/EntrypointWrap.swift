/// The ENTRYPOINT/CMD rewrite of spec/exec.md §8.2, as a pure function.
///
/// Chalk builds the user's image first and wraps it in a one-step image `FROM` it (see
/// DockerBuild), so the input is what the builder actually recorded in the user's image config
/// (`Config.Entrypoint`, `Config.Cmd`): the effective values after the whole stage chain and the
/// base image, including the bare-ENTRYPOINT difference between the legacy builder (null) and
/// BuildKit (`["/bin/sh","-c",""]`). Setting ENTRYPOINT in the wrapping step resets CMD, so the
/// recorded CMD is always re-emitted: the final image's CMD equals the unwrapped image's, which
/// is what every row of the table results in.
enum EntrypointWrap {
    /// What the wrapping step writes.
    enum Outcome: Sendable, Equatable {
        /// Write `ENTRYPOINT entrypoint` and, when non-nil, `CMD cmd`.
        case wrap(entrypoint: [String], cmd: [String]?)
        /// The image already runs under `/chalk exec`: ENTRYPOINT/CMD stay untouched (#385).
        case alreadyWrapped
        /// Wrapping is not possible; the image stays unwrapped (but marked) with this warning.
        case fail(String)
    }

    static let chalkExec = ["/chalk", "exec", "--"]

    /// `formatChalkExec(args)`.
    static func formatChalkExec(_ args: [String]) -> Result<[String], WrapError> {
        if args.isEmpty || args == [""] { return .success(chalkExec) }
        if args[0].trimmed.isEmpty {
            return .failure(WrapError(message: "invalid first element \(args[0].debugDescription) in ENTRYPOINT; it has to be a valid executable command"))
        }
        return .success(["/chalk", "exec", "--exec-command-name", args[0], "--"] + args.dropFirst())
    }

    struct WrapError: Error, Sendable, Equatable { var message: String }

    /// - Parameters:
    ///   - entrypoint: the recorded `Config.Entrypoint` (nil for null).
    ///   - cmd: the recorded `Config.Cmd` (nil for null).
    ///   - explicitEmptyEntrypoint: the target stage's chain ends in a bare `ENTRYPOINT`,
    ///     `ENTRYPOINT []` or `ENTRYPOINT [""]` (recorded as null by the legacy builder).
    ///   - wrapCmd: `docker.wrap_cmd`.
    static func rewrite(entrypoint: [String]?, cmd: [String]?, explicitEmptyEntrypoint: Bool, wrapCmd: Bool) -> Outcome {
        if let ep = entrypoint, ep.count > 2, ep[0] == "/chalk", ep[1] == "exec" { return .alreadyWrapped }
        if let ep = entrypoint, !ep.isEmpty {
            switch formatChalkExec(ep) {
            case .success(let e): return .wrap(entrypoint: e, cmd: cmd)
            case .failure(let err): return .fail(err.message)
            }
        }
        if let c = cmd, !c.isEmpty {
            guard wrapCmd else {
                return .fail("Cannot wrap; no ENTRYPOINT in Dockerfile but there is CMD. To wrap CMD enable 'docker.wrap_cmd' config option")
            }
            return .wrap(entrypoint: chalkExec, cmd: c)
        }
        if explicitEmptyEntrypoint || entrypoint != nil { return .wrap(entrypoint: chalkExec, cmd: cmd) }
        return .fail("Cannot wrap; no ENTRYPOINT or CMD found in Dockerfile")
    }
}
