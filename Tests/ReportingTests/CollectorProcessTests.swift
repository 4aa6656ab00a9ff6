import Foundation
import Testing
import ChalkTestSupport
@testable import Reporting
import Marking

/// `_PROCESS_*` keys read from the real /proc of a child process, and container detection.
@Suite struct CollectorProcessTests {
    typealias F = CollectorFixture

    @Test func processKeysOfAChild() throws {
        let cwd = try F.tempDir("proc-cwd")
        defer { TestSupport.removeTree(cwd) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        // umask 027 then exec: the workload is `sleep` with our cwd and umask.
        p.arguments = ["-c", "umask 027; exec sleep 30"]
        p.currentDirectoryURL = cwd
        try p.run()
        defer { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        let pid = p.processIdentifier
        // Wait until the exec has happened.
        var o = ChalkObject()
        TestSupport.waitUntil(timeout: 2, every: 0.01) {
            o = F.collector().runTimeArtifact(path: nil, pid: pid)
            return o["_PROCESS_COMMAND_NAME"] == "sleep" && o["_PROCESS_STATE"] == "Sleeping"
        }
        #expect(o["_PROCESS_PID"]?.intValue == Int64(pid))
        #expect(o["_PROCESS_ARGV"] == .array(["sleep", "30"]))
        #expect(o["_PROCESS_CWD"]?.stringValue == cwd.path)
        let sleepPath = URL(fileURLWithPath: "/bin/sleep").resolvingSymlinksInPath().path
        #expect(o["_PROCESS_EXE_PATH"]?.stringValue == sleepPath)
        #expect(o["_PROCESS_COMMAND_NAME"] == "sleep")
        #expect(o["_PROCESS_PARENT_PID"]?.intValue == Int64(getpid()))
        #expect(o["_PROCESS_STATE"] == "Sleeping")
        #expect(o["_PROCESS_UMASK"]?.intValue == 27)  // Chalk reads 0027 as decimal
        let uid = Int64(getuid()), gid = Int64(getgid())
        #expect(o["_PROCESS_UID"] == .array([.int(uid), .int(uid), .int(uid), .int(uid)]))
        #expect(o["_PROCESS_GID"] == .array([.int(gid), .int(gid), .int(gid), .int(gid)]))
        #expect((o["_PROCESS_NUM_FD_SIZE"]?.intValue ?? 0) >= 64)
        #expect(o["_PROCESS_SECCOMP_STATUS"] == "disabled" || o["_PROCESS_SECCOMP_STATUS"] == "filter")
        for k in ["_PROCESS_UTIME", "_PROCESS_STIME", "_PROCESS_CHILDREN_UTIME", "_PROCESS_CHILDREN_STIME", "_PROCESS_START_TIME"] {
            guard case .float(let v)? = o[k] else { Issue.record("\(k) is not a float: \(String(describing: o[k]))"); continue }
            #expect(v >= 0)
        }
        // START_TIME is seconds since boot: close to the current uptime.
        let uptime = Double(try String(contentsOfFile: "/proc/uptime", encoding: .utf8).split(separator: " ")[0])!
        if case .float(let st)? = o["_PROCESS_START_TIME"] { #expect(abs(uptime - st) < 60) }
        let fds = try #require(o["_PROCESS_FD_INFO"]?.objectValue)
        #expect(fds.contains("0") && fds.contains("1") && fds.contains("2"))
        #expect(fds["0"]?.objectValue?["pos"]?.intValue != nil)
        #expect(fds["0"]?.objectValue?["flags"]?.intValue != nil)
        let mounts = try #require(o["_PROCESS_MOUNT_INFO"]?.arrayValue)
        #expect(mounts.contains { $0.objectValue?["mount_point"] == "/" })
        #expect(mounts.allSatisfy { $0.objectValue?["mount_id"]?.intValue != nil && $0.objectValue?["fs_type"]?.stringValue != nil })
        #expect(o["_PROCESS_DETAIL"]?.objectValue?["name"] == "sleep")
    }

    @Test func allProcessesAndLoadInfoOnlyWhenAskedFor() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sleep")
        p.arguments = ["30"]
        try p.run()
        defer { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        usleep(100_000)
        #expect(F.collector().runTimeHost()["_OP_ALL_PS_INFO"] == nil)  // off unless named
        let c = Collector(context: CollectionContext(chalkVersion: "0", environment: [:], wantedKeys: ["_OP_ALL_PS_INFO", "_OP_CPU_INFO"]))
        let o = c.runTimeHost()
        let ps = try #require(o["_OP_ALL_PS_INFO"]?.objectValue)
        let mine = try #require(ps[String(p.processIdentifier)]?.objectValue)
        #expect(mine["name"] == "sleep")
        #expect(mine["argv"] == .array(["/bin/sleep", "30"]))
        #expect(mine["ppid"]?.intValue == Int64(getpid()))
        #expect(mine["mounts"] == nil && mine["fds"] == nil)
        #expect(ps[String(getpid())] != nil)
        let cpu = try #require(o["_OP_CPU_INFO"]?.objectValue)
        #expect(cpu["load"]?.member("1") != nil && (cpu["total_procs"]?.intValue ?? 0) > 0)
        // Only the explicitly wanted keys: no cloud, no _ENV.
        #expect(o["_ENV"] == nil)
    }

    @Test func vanishedProcessGivesNoKeys() {
        #expect(F.collector().runTimeArtifact(path: nil, pid: 0x3fff_fff0).isEmpty)
    }

    @Test func dockerContainerIDFromMountinfoAndCgroup() {
        let id = "3fa1b3c0de8f0e6b8c6f9b1e0f4d2a7c5b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c"
        let mountinfo = """
            1310 1285 0:116 / / rw,relatime master:470 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/X
            1320 1310 8:1 /var/lib/docker/containers/\(id)/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/sda1 rw
            1321 1310 8:1 /var/lib/docker/containers/\(id)/hostname /etc/hostname rw,relatime - ext4 /dev/sda1 rw
            """
        #expect(ContainerDetection.dockerContainerID(mountinfo: mountinfo, cgroup: "0::/\n") == id)
        #expect(ContainerDetection.dockerContainerID(mountinfo: "", cgroup: "12:pids:/docker/\(id)\n") == id)
        #expect(ContainerDetection.dockerContainerID(mountinfo: "", cgroup: "0::/system.slice/docker-\(id).scope\n") == id)
        #expect(ContainerDetection.dockerContainerID(mountinfo: "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n", cgroup: "0::/user.slice\n") == nil)
        #expect(ContainerDetection.inContainer(environment: ["container": "podman"], mountinfo: ""))
        #expect(ContainerDetection.inContainer(environment: [:], mountinfo: "x /kubepods/besteffort y") )
    }

    @Test func thisHostMatchesDockerenv() throws {
        // Whatever this machine is, the detection agrees with its own /proc and /.dockerenv.
        let mi = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        let expected = FileManager.default.fileExists(atPath: "/.dockerenv") || mi.contains("docker/containers")
            || mi.contains("containerd/io.containerd") || mi.contains("kubepods") || mi.contains("crio-")
        #expect(ContainerDetection.inContainer(environment: [:]) == expected)
    }
}
