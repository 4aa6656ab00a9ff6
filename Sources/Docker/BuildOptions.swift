/// `docker build` flags, parsed liberally (issue 7 §3): known flags are read, unknown flags are
/// kept in place, and the user's argument list can be rebuilt with a few flags swapped.
struct BuildOptions: Sendable, Equatable {
    var tags: [String] = []
    var dockerfile: String?
    var buildArgs: [(String, String?)] = []
    var target: String?
    var labels: [(String, String)] = []
    var platforms: [String] = []
    /// `--annotation [type:]key=value` (buildx; docker 20.10's build rejects the flag itself).
    var annotations: [(String, String)] = []
    /// `--build-context name=value` (buildx / BuildKit frontends; not docker 20.10's CLI).
    var additionalContexts: [(String, String)] = []
    var iidfile: String?
    var quiet = false
    var pull = false
    var noCache = false
    /// `--output`/`-o`, `--push`: the image doesn't (only) land in the local image store.
    var exportsElsewhere = false
    /// The context argument (path, URL or `-`); nil when missing.
    var context: String?
    /// The original arguments (after the subcommand).
    var original: [String] = []

    static func == (a: BuildOptions, b: BuildOptions) -> Bool { a.original == b.original }

    /// Flags of docker build / buildx build that take a value (as a separate word or `=value`).
    static let valueFlags: Set<String> = [
        "--add-host", "--build-arg", "--cache-from", "--cache-to", "--cgroup-parent", "--cpu-period", "--cpu-quota",
        "-c", "--cpu-shares", "--cpuset-cpus", "--cpuset-mems", "-f", "--file", "--iidfile", "--isolation", "--label",
        "-m", "--memory", "--memory-swap", "--network", "-o", "--output", "--platform", "--progress", "--secret",
        "--security-opt", "--shm-size", "--ssh", "-t", "--tag", "--target", "--ulimit", "--build-context", "--allow",
        "--attest", "--builder", "--metadata-file", "--annotation", "--provenance", "--sbom", "--no-cache-filter",
        "--call", "--check",
    ]

    /// One parsed flag or positional word, with the range of `original` it covers.
    struct Item { var flag: String?; var value: String?; var range: Range<Int> }

    static func items(_ args: [String]) -> [Item] {
        var out: [Item] = []
        var i = 0
        var onlyPositionals = false
        while i < args.count {
            let a = args[i]
            if onlyPositionals || !a.hasPrefix("-") || a == "-" {
                if a == "--" && !onlyPositionals { onlyPositionals = true; out.append(Item(flag: "--", value: nil, range: i..<i + 1)); i += 1; continue }
                out.append(Item(flag: nil, value: a, range: i..<i + 1)); i += 1; continue
            }
            if a.hasPrefix("--"), let eq = a.firstIndex(of: "=") {
                out.append(Item(flag: String(a[..<eq]), value: String(a[a.index(after: eq)...]), range: i..<i + 1)); i += 1; continue
            }
            if valueFlags.contains(a) {
                out.append(Item(flag: a, value: i + 1 < args.count ? args[i + 1] : nil, range: i..<min(i + 2, args.count))); i += 2; continue
            }
            // Short flag with its value attached (`-tname`, `-fDockerfile`) or bundled booleans (`-q`).
            if !a.hasPrefix("--"), a.count > 2 {
                let f = String(a.prefix(2))
                if valueFlags.contains(f) { out.append(Item(flag: f, value: String(a.dropFirst(2)), range: i..<i + 1)); i += 1; continue }
            }
            out.append(Item(flag: a, value: nil, range: i..<i + 1)); i += 1
        }
        return out
    }

    init() {}

    init(_ args: [String]) {
        original = args
        for it in BuildOptions.items(args) {
            guard let f = it.flag else { if context == nil { context = it.value }; continue }
            let v = it.value ?? ""
            switch f {
            case "-t", "--tag": tags.append(v)
            case "-f", "--file": dockerfile = v
            case "--build-arg":
                if let eq = v.firstIndex(of: "=") { buildArgs.append((String(v[..<eq]), String(v[v.index(after: eq)...]))) }
                else { buildArgs.append((v, nil)) }
            case "--target": target = v
            case "--label": labels.append(BuildOptions.keyValue(v))
            case "--annotation": annotations.append(BuildOptions.keyValue(v))
            case "--build-context": additionalContexts.append(BuildOptions.keyValue(v))
            case "--platform": platforms += v.split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty }
            case "--iidfile": iidfile = v
            case "-q", "--quiet": quiet = true
            case "--pull": pull = true
            case "--no-cache": noCache = true
            case "-o", "--output", "--push": exportsElsewhere = true
            default: break
            }
        }
    }

    /// `k=v` split at the first `=`; `k` alone gives an empty value.
    static func keyValue(_ v: String) -> (String, String) {
        guard let eq = v.firstIndex(of: "=") else { return (v, "") }
        return (String(v[..<eq]), String(v[v.index(after: eq)...]))
    }

    /// The original arguments without the flags named in `dropping` (and their values).
    func arguments(dropping: Set<String>) -> [String] {
        var out: [String] = []
        for it in BuildOptions.items(original) {
            if let f = it.flag, dropping.contains(f) { continue }
            out += original[it.range]
        }
        return out
    }

    /// Why this build can't be marked, or nil when it can.
    var unmarkableReason: String? {
        guard let c = context else { return "no build context given" }
        if c == "-" { return "the build context is read from stdin" }
        if c.contains("://") || c.hasPrefix("git@") || c.hasPrefix("github.com/") { return "the build context is a URL" }
        if platforms.count > 1 { return "multi-platform builds are not marked yet" }
        if exportsElsewhere { return "--output/--push builds are not marked yet" }
        return nil
    }
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
