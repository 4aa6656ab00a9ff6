#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Marking

/// `_PROCESS_*` keys from `/proc/<pid>` (spec/exec.md §7.1), and the host-level
/// `_OP_ANCESTOR_ARGVS`. A file that can't be read just leaves its keys out.
public enum ProcFS {
    static let stateNames: [Character: String] = [
        "R": "Running", "S": "Sleeping", "D": "Waiting", "Z": "Zombie", "T": "Stopped", "t": "Tracing stop",
        "X": "Dead", "x": "Dead", "K": "Wakekill", "W": "Waking", "P": "Parked", "I": "Idle",
    ]

    /// Parsed `/proc/<pid>/stat`.
    struct Stat {
        var name: String
        var state: String
        var fields: [Substring]  // fields 3... (index 0 is the state)

        init?(_ text: String) {
            guard let l = text.firstIndex(of: "("), let r = text.lastIndex(of: ")"), l < r else { return nil }
            name = String(text[text.index(after: l)..<r])
            fields = text[text.index(after: r)...].split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 20, let c = fields[0].first else { return nil }
            state = ProcFS.stateNames[c] ?? "Unknown"
        }

        func int(_ field: Int) -> Int64? { field - 3 < fields.count ? Int64(fields[field - 3].trimmed) : nil }
        func seconds(_ field: Int) -> Double? { int(field).map { Double($0) / ProcFS.clockTicks } }
    }

    static let clockTicks: Double = {
        let t = sysconf(Int32(_SC_CLK_TCK))
        return t > 0 ? Double(t) : 100
    }()

    /// `key:\tvalue` lines (status, fdinfo) as a dictionary, keeping file order in `order`.
    static func keyValues(_ text: String) -> [(String, String)] {
        text.split(separator: "\n").compactMap { (line: Substring) -> (String, String)? in
            guard let c = line.firstIndex(of: ":") else { return nil }
            return (line[..<c].trimmed, line[line.index(after: c)...].trimmed)
        }
    }

    static func ints(_ s: String) -> [ChalkValue] {
        s.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Int64($0).map { .int($0) } }
    }

    /// The `_PROCESS_*` keys for `pid`.
    public static func processKeys(pid: Int32, wantDetail: Bool = false) -> ChalkObject {
        processKeys(pid: pid, wantDetail: wantDetail, includeTables: true)
    }

    static func processKeys(pid: Int32, wantDetail: Bool, includeTables: Bool) -> ChalkObject {
        let dir = "/proc/\(pid)"
        var o = ChalkObject()
        guard FileIO.isDirectory(dir) else { return o }
        o["_PROCESS_PID"] = .int(Int64(pid))
        if let cmd = FileIO.readBytes(dir + "/cmdline", limit: 1 << 20), !cmd.isEmpty {
            var args = cmd.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            if args.last == "" { args.removeLast() }
            o.setIfNotEmpty("_PROCESS_ARGV", .array(args.map { .string($0) }))
        }
        o.set("_PROCESS_CWD", FileIO.readLink(dir + "/cwd") ?? "")
        o.set("_PROCESS_EXE_PATH", FileIO.readLink(dir + "/exe") ?? "")
        o.set("_PROCESS_COMMAND_NAME", FileIO.readText(dir + "/comm", limit: 4096)?.trimmed ?? "")
        if let text = FileIO.readText(dir + "/stat", limit: 65536), let st = Stat(text) {
            if let v = st.int(4) { o["_PROCESS_PARENT_PID"] = .int(v) }
            if let v = st.int(5) { o["_PROCESS_PGID"] = .int(v) }
            if let v = st.seconds(22) { o["_PROCESS_START_TIME"] = .float(v) }
            if let v = st.seconds(14) { o["_PROCESS_UTIME"] = .float(v) }
            if let v = st.seconds(15) { o["_PROCESS_STIME"] = .float(v) }
            if let v = st.seconds(16) { o["_PROCESS_CHILDREN_UTIME"] = .float(v) }
            if let v = st.seconds(17) { o["_PROCESS_CHILDREN_STIME"] = .float(v) }
            o.set("_PROCESS_STATE", st.state)
        }
        if let text = FileIO.readText(dir + "/status", limit: 1 << 20) {
            let kv = Dictionary(keyValues(text), uniquingKeysWith: { a, _ in a })
            // Chalk parses Umask as decimal: 0022 is reported as 22.
            if let v = kv["Umask"].flatMap({ Int64($0) }) { o["_PROCESS_UMASK"] = .int(v) }
            if let v = kv["Uid"] { o.setIfNotEmpty("_PROCESS_UID", .array(ints(v))) }
            if let v = kv["Gid"] { o.setIfNotEmpty("_PROCESS_GID", .array(ints(v))) }
            if let v = kv["FDSize"].flatMap({ Int64($0) }) { o["_PROCESS_NUM_FD_SIZE"] = .int(v) }
            // An empty Groups: line is an empty list (Chalk lost every procfs key there).
            if let v = kv["Groups"] { o.setIfNotEmpty("_PROCESS_GROUPS", .array(ints(v))) }
            if let v = kv["Seccomp"] {
                o.set("_PROCESS_SECCOMP_STATUS", ["0": "disabled", "1": "strict", "2": "filter"][v] ?? "unknown")
            }
        }
        if includeTables {
            o.setIfNotEmpty("_PROCESS_FD_INFO", .object(fdInfo(dir)))
            o.setIfNotEmpty("_PROCESS_MOUNT_INFO", .array(mountInfo(dir)))
        }
        if wantDetail { o.setIfNotEmpty("_PROCESS_DETAIL", .object(detail(pid: pid, keys: o))) }
        return o
    }

    /// `fdinfo/N` per descriptor: pos/mnt_id/ino as ints, flags as octal, plus `path`.
    static func fdInfo(_ dir: String) -> ChalkObject {
        var out = ChalkObject()
        let fds = FileIO.listDirectory(dir + "/fdinfo").compactMap { Int($0) }.sorted()
        for fd in fds.prefix(4096) {
            guard let text = FileIO.readText("\(dir)/fdinfo/\(fd)", limit: 65536) else { continue }
            var info = ChalkObject()
            for (k, v) in keyValues(text) {
                switch k {
                case "pos", "mnt_id", "ino": info[k] = Int64(v).map { .int($0) } ?? .string(v)
                case "flags": info[k] = Int64(v, radix: 8).map { .int($0) } ?? .string(v)
                default: info[k] = .string(v)
                }
            }
            if let p = FileIO.readLink("\(dir)/fd/\(fd)") { info["path"] = .string(p) }
            out[String(fd)] = .object(info)
        }
        return out
    }

    /// Each `mountinfo` line with at least 10 fields, as Chalk lays it out.
    static func mountInfo(_ dir: String) -> [ChalkValue] {
        guard let text = FileIO.readText(dir + "/mountinfo", limit: 8 << 20) else { return [] }
        var out: [ChalkValue] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 10 else { continue }
            let mm = parts[2].split(separator: ":")
            var m = ChalkObject()
            m["mount_id"] = Int64(parts[0]).map { .int($0) } ?? .null
            m["parent_id"] = Int64(parts[1]).map { .int($0) } ?? .null
            m["major"] = mm.first.flatMap { Int64($0) }.map { .int($0) } ?? .null
            m["minor"] = mm.count > 1 ? Int64(mm[1]).map { .int($0) } ?? .null : .null
            m["root"] = .string(parts[3])
            m["mount_point"] = .string(parts[4])
            m["options"] = .array(parts[5].split(separator: ",").map { .string(String($0)) })
            m["tags"] = .array(parts[6..<(parts.count - 4)].map { .string($0) })
            m["fs_type"] = .string(parts[parts.count - 3])
            m["source"] = .string(parts[parts.count - 2])
            m["super"] = .array(parts[parts.count - 1].split(separator: ",").map { .string(String($0)) })
            out.append(.object(m))
        }
        return out
    }

    /// `_PROCESS_DETAIL`: the whole record under Chalk's field names.
    static func detail(pid: Int32, keys o: ChalkObject) -> ChalkObject {
        var d = ChalkObject()
        d["pid"] = .int(Int64(pid))
        if let text = FileIO.readText("/proc/\(pid)/stat", limit: 65536), let st = Stat(text) {
            d["name"] = .string(st.name)
            d["state"] = .string(st.state)
            let ints: [(String, Int)] = [("ppid", 4), ("pgrp", 5), ("sid", 6), ("tty_nr", 7), ("tpgid", 8)]
            for (k, f) in ints { if let v = st.int(f) { d[k] = .int(v) } }
            let secs: [(String, Int)] = [("user_time", 14), ("system_time", 15), ("child_utime", 16), ("child_stime", 17)]
            for (k, f) in secs { if let v = st.seconds(f) { d[k] = .float(v) } }
            for (k, f) in [("priority", 18), ("nice", 19), ("num_threads", 20)] { if let v = st.int(f) { d[k] = .int(v) } }
            if let v = st.seconds(22) { d["runtime"] = .float(v) }
        }
        let map: [(String, String)] = [
            ("umask", "_PROCESS_UMASK"), ("uid", "_PROCESS_UID"), ("gid", "_PROCESS_GID"), ("fdsize", "_PROCESS_NUM_FD_SIZE"),
            ("groups", "_PROCESS_GROUPS"), ("seccomp", "_PROCESS_SECCOMP_STATUS"), ("argv", "_PROCESS_ARGV"),
            ("command", "_PROCESS_COMMAND_NAME"), ("cwd", "_PROCESS_CWD"), ("path", "_PROCESS_EXE_PATH"),
            ("mounts", "_PROCESS_MOUNT_INFO"), ("fds", "_PROCESS_FD_INFO"),
        ]
        for (k, src) in map { if let v = o[src] { d[k] = v } }
        return d
    }

    /// argv of each ancestor of this chalk process, nearest first (`_OP_ANCESTOR_ARGVS`).
    public static func ancestorArgvs(from pid: Int32 = getpid()) -> [[String]] {
        var out: [[String]] = []
        var current = pid
        for _ in 0..<256 {
            guard let text = FileIO.readText("/proc/\(current)/stat", limit: 65536), let st = Stat(text),
                  let ppid = st.int(4), ppid > 0 else { break }
            current = Int32(ppid)
            if let cmd = FileIO.readBytes("/proc/\(current)/cmdline", limit: 1 << 20) {
                var args = cmd.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
                if args.last == "" { args.removeLast() }
                if !args.isEmpty { out.append(args) }  // kernel threads have no argv
            }
        }
        return out
    }

    /// `_OP_ALL_PS_INFO`: pid → the `_PROCESS_DETAIL` record (without mounts and fds) of every
    /// process in /proc.
    public static func allProcesses() -> ChalkObject {
        var out = ChalkObject()
        let pids = FileIO.listDirectory("/proc").compactMap { Int32($0) }.sorted()
        for pid in pids.prefix(65536) {
            var keys = processKeys(pid: pid, wantDetail: false, includeTables: false)
            guard !keys.isEmpty else { continue }  // exited meanwhile
            keys = detail(pid: pid, keys: keys)
            out[String(pid)] = .object(keys)
        }
        return out
    }

    /// `_OP_CPU_INFO` from /proc/loadavg: `{"load": {"1","5","15"}, "runnable_procs", "total_procs", "lastpid"}`.
    public static func loadInfo() -> ChalkObject {
        let parts = (FileIO.readText("/proc/loadavg", limit: 4096) ?? "").trimmed.split(separator: " ")
        guard parts.count == 5, let l1 = Double(parts[0]), let l5 = Double(parts[1]), let l15 = Double(parts[2]) else { return [:] }
        let rt = parts[3].split(separator: "/")
        guard rt.count == 2, let running = Int64(rt[0]), let total = Int64(rt[1]), let last = Int64(parts[4]) else { return [:] }
        return ["load": .object(["1": .float(l1), "5": .float(l5), "15": .float(l15)]),
                "runnable_procs": .int(running), "total_procs": .int(total), "lastpid": .int(last)]
    }
}
