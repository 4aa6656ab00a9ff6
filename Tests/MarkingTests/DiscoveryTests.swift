import Foundation
import Testing
@testable import Marking
import ChalkTestSupport

/// Ignore patterns and the file walker (spec/mark-format.md §6) on a real directory tree.
@Suite struct DiscoveryTests {
    @Test func defaultIgnorePatterns() throws {
        let pats = try ["/dev/.*", "/proc/.*", "/sys/.*", ".*/\\..*", ".*/\\.git/.*", ".*/__pycache__/.*",
                        ".*/.mypy_cache/.*", ".*\\.json"].map { try IgnorePattern($0) }
        func ignored(_ p: String) -> Bool { pats.contains { $0.matches(p) } }
        #expect(ignored("/a/.hidden"))
        #expect(ignored("/a/.git/config"))
        #expect(ignored("/a/b/__pycache__/x.pyc"))
        #expect(ignored("/a/chalk.json"))
        #expect(ignored("/proc/1/exe"))
        #expect(!ignored("/a/b.json.txt"))
        #expect(!ignored("/a/b/c.py"))
        #expect(!ignored("/a/b/x.pyc"))
    }

    @Test func patternSubset() throws {
        #expect(try IgnorePattern("^/a/[0-9]+\\.log$").matches("/a/123.log"))
        #expect(try !IgnorePattern("/a/[0-9]+\\.log").matches("/a/.log"))
        #expect(try IgnorePattern(".*/[^/]*_test\\.go").matches("/x/y/foo_test.go"))
        #expect(try IgnorePattern("/x/colou?r").matches("/x/color"))
        #expect(try IgnorePattern("\\w+\\d").matches("ab1"))
        #expect(throws: IgnorePattern.Unsupported.self) { try IgnorePattern("(a|b)") }
        #expect(throws: IgnorePattern.Unsupported.self) { try IgnorePattern("*a") }
        // Linear time: a pathological pattern against a long path returns at once.
        let p = try IgnorePattern(String(repeating: "a*", count: 50) + "b")
        #expect(!p.matches(String(repeating: "a", count: 5000)))
    }

    @Test func walkRecursionSymlinksAndIgnores() throws {
        let dir = try TestSupport.makeTempDir("chalk-discovery")
        defer { TestSupport.removeTree(dir) }
        let fm = FileManager.default
        let root = dir.path
        try fm.createDirectory(atPath: root + "/sub/deeper", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/.hidden", withIntermediateDirectories: true)
        for f in ["a", "sub/b", "sub/deeper/c", ".hidden/d", "x.json"] { _ = fm.createFile(atPath: root + "/" + f, contents: Data("x".utf8)) }
        try fm.createSymbolicLink(atPath: root + "/link", withDestinationPath: root + "/a")
        try fm.createSymbolicLink(atPath: root + "/loop", withDestinationPath: root)
        var o = DiscoveryOptions()
        o.ignore = try [".*/\\..*", ".*\\.json"].map { try IgnorePattern($0) }
        let real = ArtifactDiscovery.realPath(root)!
        func names(_ o: DiscoveryOptions) -> Set<String> {
            Set(ArtifactDiscovery.discover([real], options: o).files.map { String($0.path.dropFirst(real.count)) })
        }
        #expect(names(o) == ["/a", "/sub/b", "/sub/deeper/c"])  // scan: link followed to /a (deduplicated)
        o.recursive = false
        #expect(names(o) == ["/a"])
        o.recursive = true
        o.chalking = true
        o.chalkingSymlinks = .copy
        #expect(names(o) == ["/a", "/link", "/sub/b", "/sub/deeper/c"])
        o.chalkingSymlinks = .skip
        let r = ArtifactDiscovery.discover([real], options: o)
        #expect(r.warnings.contains { $0.contains("/link") })
        // Explicit paths are always allowed, missing ones are errors.
        let explicit = ArtifactDiscovery.discover([real + "/.hidden/d", real + "/nope"], options: o)
        #expect(explicit.files.map(\.path) == [real + "/.hidden/d"])
        #expect(explicit.errors.count == 1 && explicit.errors[0].contains("/nope"))
    }

    @Test func absolutePaths() {
        #expect(ArtifactDiscovery.absolutePath("a/../b/./c", cwd: "/x/y") == "/x/y/b/c")
        #expect(ArtifactDiscovery.absolutePath("/", cwd: "/x") == "/")
        #expect(ArtifactDiscovery.absolutePath("//a//b/", cwd: "/x") == "/a/b")
    }
}
