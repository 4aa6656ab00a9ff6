import Foundation
import Testing
import ChalkTestSupport
@testable import Reporting
import Marking

/// Shared helpers for the collector tests: scratch directories and running git with a fixed,
/// isolated identity (no user or system git config leaks in).
enum CollectorFixture {
    static func tempDir(_ label: String) throws -> URL {
        // Resolve symlinks (/tmp may be one) so paths compare with what the collectors report.
        try TestSupport.makeTempDir(label).resolvingSymlinksInPath()
    }

    static let gitEnv: [String: String] = [
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_AUTHOR_NAME": "Ada Author", "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Cy Committer", "GIT_COMMITTER_EMAIL": "cy@example.com",
        "GIT_AUTHOR_DATE": "2024-03-13T13:51:33-04:00", "GIT_COMMITTER_DATE": "2024-03-14T09:05:07+05:30",
        "LC_ALL": "C", "TZ": "UTC",
    ]

    /// Runs a shell command in `dir`; fails the test on a non-zero exit. Returns stdout.
    @discardableResult
    static func sh(_ cmd: String, in dir: URL, env: [String: String] = [:]) throws -> String {
        var e = ProcessInfo.processInfo.environment
        for (k, v) in gitEnv { e[k] = v }
        for (k, v) in env { e[k] = v }
        let r = try TestSupport.run("/bin/sh", ["-c", cmd], environment: e, cwd: dir, timeout: 120)
        if r.status != 0 { throw FixtureError(message: "`\(cmd)` failed (\(r.status)): \(r.stderr)") }
        return r.stdout
    }

    struct FixtureError: Error, CustomStringConvertible { var message: String; var description: String { message } }

    static func collector(env: [String: String] = [:], searchPaths: [String] = []) -> Collector {
        Collector(context: CollectionContext(chalkVersion: "0.1.0", environment: env, argv: ["chalk", "insert"],
                                             searchPaths: searchPaths))
    }
}
