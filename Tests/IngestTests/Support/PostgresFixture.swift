import ChalkTestSupport
import Foundation

/// A throwaway PostgreSQL 15 cluster on 127.0.0.1 under a scratch directory, run as the
/// `postgres` user (initdb refuses root). `start()` returns nil when PostgreSQL isn't installed,
/// so tests can skip cleanly.
final class PostgresFixture: @unchecked Sendable {
    // @unchecked: immutable after init; stop() is called once by the owning test.
    let directory: URL
    let port: Int
    let binDir: String

    var url: String { "postgres://postgres@127.0.0.1:\(port)/chalk" }

    static func findBinDir() -> String? {
        for version in ["15", "16", "17", "14"] {
            let dir = "/usr/lib/postgresql/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: dir + "/pg_ctl") { return dir }
        }
        return nil
    }

    /// Why PostgreSQL tests are skipped on this machine, or nil when they can run.
    static var unavailableReason: String? {
        if findBinDir() == nil { return "PostgreSQL server binaries not installed (/usr/lib/postgresql/*/bin)" }
        if getpwnam("postgres") == nil && getuid() == 0 { return "no postgres user to run initdb as" }
        if TestSupport.which("runuser") == nil && getuid() == 0 { return "runuser not found" }
        return nil
    }

    private init(directory: URL, port: Int, binDir: String) {
        self.directory = directory
        self.port = port
        self.binDir = binDir
    }

    static func start() throws -> PostgresFixture? {
        guard unavailableReason == nil, let bin = findBinDir() else { return nil }
        let dir = URL(fileURLWithPath: "/tmp/chalk-server-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let data = dir.appendingPathComponent("data").path
        let setup = PostgresFixture(directory: dir, port: 0, binDir: bin)  // the port comes below
        try setup.asPostgres(["/bin/chown", "-R", "postgres", dir.path], asRoot: true)
        try setup.asPostgres(["\(bin)/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
        // A random port below Linux's ephemeral range (32768-60999), where the loopback clients of
        // tests running alongside take theirs; should it be taken all the same (another fixture),
        // start again on another.
        var attempt = 1
        while true {
            let fixture = PostgresFixture(directory: dir, port: Int.random(in: 20000...32000), binDir: bin)
            do {
                try fixture.asPostgres(["\(bin)/pg_ctl", "-D", data, "-l", dir.appendingPathComponent("log").path, "-w", "-o",
                                        "-p \(fixture.port) -k \(dir.path) -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on",
                                        "start"])
            } catch where attempt < 3 {
                attempt += 1
                continue
            }
            try fixture.asPostgres(["\(bin)/createdb", "-h", "127.0.0.1", "-p", String(fixture.port), "-U", "postgres", "chalk"])
            return fixture
        }
    }

    /// Runs a command as the postgres user (or as is, when not root) and returns its stdout.
    /// Output goes through files, not pipes: `pg_ctl start` leaves a postmaster behind that
    /// would hold a pipe open and make a pipe reader wait forever.
    @discardableResult
    func asPostgres(_ command: [String], asRoot: Bool = false) throws -> String {
        if asRoot && getuid() != 0 { return "" }  // not root: the scratch dir is already ours
        let argv = (getuid() == 0 && !asRoot) ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + command : command
        let out = directory.appendingPathComponent("cmd-\(UUID().uuidString.prefix(6)).out")
        let err = directory.appendingPathComponent("cmd-\(UUID().uuidString.prefix(6)).err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        // posix_spawn + waitpid rather than Foundation.Process: `runuser` leaves a postmaster
        // behind, and Process's exit monitoring was seen not to notice runuser's exit then.
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out.path, O_WRONLY | O_APPEND, 0)
        posix_spawn_file_actions_addopen(&actions, 2, err.path, O_WRONLY | O_APPEND, 0)
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ)
        guard rc == 0 else { throw HTTPTestClient.ClientError(description: "posix_spawn \(argv[0]): \(rc)") }
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(60)
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { break }
            if Date() > deadline { kill(pid, SIGKILL) }
            usleep(10_000)
        }
        let exitedOK = (status & 0x7f) == 0 && ((status >> 8) & 0xff) == 0
        let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        guard exitedOK else {
            let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            throw HTTPTestClient.ClientError(description: "\(command.joined(separator: " ")) failed: \(stderr)\(stdout)")
        }
        return stdout
    }

    /// Runs SQL with psql and returns its unaligned output.
    func psql(_ sql: String) throws -> String {
        try asPostgres(["\(binDir)/psql", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "chalk",
                        "-At", "-c", sql]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func stop() {
        _ = try? asPostgres(["\(binDir)/pg_ctl", "-D", directory.appendingPathComponent("data").path, "-m", "fast", "-w", "stop"])
        try? FileManager.default.removeItem(at: directory)
    }
}
