import ChalkTestSupport
import Foundation
import Testing

/// `serve` on a SQLite path it cannot use says which directory and why, and exits 1; a missing
/// directory tree is created.
@Suite("chalk-server database setup errors")
struct DatabaseSetupErrorTests {
    @Test("a path under a regular file names the file and the reason")
    func pathUnderAFile() throws {
        let dir = try TestSupport.makeTempDir("db-setup")
        defer { TestSupport.removeTree(dir) }
        let file = dir.appendingPathComponent("plain")
        try Data("x".utf8).write(to: file)
        let r = try TestSupport.run(ServerFixture.binary, [
            "serve", "--port", "0", "--database", "sqlite://\(file.path)/sub/db.sqlite",
        ], timeout: 30)
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot create its directory \(file.path)/sub: Not a directory"), "\(r.stderr)")
        #expect(!r.stderr.contains("NSCocoaErrorDomain"))
        #expect(r.stdout.isEmpty)
    }

    @Test("a missing directory tree is created")
    func missingTreeIsCreated() throws {
        let dir = try TestSupport.makeTempDir("db-setup")
        defer { TestSupport.removeTree(dir) }
        let db = dir.appendingPathComponent("a/b/c/db.sqlite").path
        let r = try TestSupport.run(ServerFixture.binary, [
            "token", "create", "--database", "sqlite://\(db)", "--scope", "read",
        ], timeout: 30)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: db))
    }
}
