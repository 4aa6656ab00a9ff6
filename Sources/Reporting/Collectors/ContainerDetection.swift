/// Container detection (spec/exec.md §7.7).
public enum ContainerDetection {
    /// The Docker container ID as Chalk's `getContainerName()` finds it: the text after
    /// `/docker/containers/` up to the next `/` on the last matching line of
    /// `/proc/self/mountinfo` (Docker bind-mounts `/etc/hostname` and friends from there). When
    /// mountinfo has none, a 64-hex ID in `/proc/self/cgroup` (cgroup v1 `/docker/<id>` or
    /// systemd's `docker-<id>.scope`) is used. nil outside Docker.
    public static func dockerContainerID() -> String? {
        dockerContainerID(mountinfo: FileIO.readText("/proc/self/mountinfo"),
                          cgroup: FileIO.readText("/proc/self/cgroup", limit: 1 << 20))
    }

    static func dockerContainerID(mountinfo: String?, cgroup: String?) -> String? {
        var found: String?
        for line in (mountinfo ?? "").split(separator: "\n") {
            guard let r = line.firstRange(of: "/docker/containers/") else { continue }
            let id = line[r.upperBound...].prefix { $0 != "/" && $0 != " " }
            if !id.isEmpty { found = String(id) }
        }
        if let found { return found }
        for line in (cgroup ?? "").split(separator: "\n") {
            for marker in ["/docker/", "/docker-"] {
                guard let r = line.ranges(of: marker).last else { continue }
                let id = line[r.upperBound...].prefix { $0.isHexDigit }
                if id.count == 64 { return String(id) }
            }
        }
        return nil
    }

    /// Chalk's broader `isInContainer()`: `/.dockerenv` exists, `container=podman`, or
    /// `/proc/self/mountinfo` mentions `docker/containers`, `containerd/io.containerd`,
    /// `kubepods` or `crio-`.
    public static func inContainer(environment: [String: String]) -> Bool {
        inContainer(environment: environment, mountinfo: FileIO.readText("/proc/self/mountinfo"))
    }

    static func inContainer(environment: [String: String], mountinfo: String?) -> Bool {
        if FileIO.exists("/.dockerenv") || environment["container"] == "podman" { return true }
        let m = mountinfo ?? ""
        return ["docker/containers", "containerd/io.containerd", "kubepods", "crio-"].contains { m.contains($0) }
    }
}
