import Foundation
import ChalkTestSupport

/// A scratch directory with its own HOME, for running the built `chalk` as a user would and
/// reading back the report it appended to `~/.local/chalk/chalk.log`.
struct MarkingCLIFixture {
    let dir: URL
    let home: URL

    init(_ label: String) throws {
        dir = try TestSupport.makeTempDir(label)
        home = dir.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    }

    func cleanup() { TestSupport.removeTree(dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8], mode: Int = 0o644) throws -> String {
        let p = path(name)
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: p)
        return p
    }

    @discardableResult
    func write(_ name: String, _ text: String, mode: Int = 0o644) throws -> String { try write(name, Array(text.utf8), mode: mode) }

    func read(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name)))) }

    func mode(_ name: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path(name))[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// Runs chalk in the scratch directory.
    func chalk(_ args: [String]) throws -> TestSupport.ProcessResult {
        try TestSupport.chalk(args, home: home, cwd: dir, timeout: 60)
    }

    /// The reports appended so far, one envelope (array) per line.
    func reports() throws -> [[String: Any]] {
        let log = home.appendingPathComponent(".local/chalk/chalk.log")
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").flatMap { line -> [[String: Any]] in
            (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [[String: Any]]) ?? []
        }
    }

    /// The most recent report.
    func lastReport() throws -> [String: Any] { try reports().last ?? [:] }

    /// `_CHALKS` of the last report, keyed by `_OP_ARTIFACT_PATH`.
    func lastChalks() throws -> [String: [String: Any]] {
        let items = (try lastReport()["_CHALKS"] as? [[String: Any]]) ?? []
        var out: [String: [String: Any]] = [:]
        for i in items { if let p = i["_OP_ARTIFACT_PATH"] as? String { out[p] = i } }
        return out
    }

    func lastUnmarked() throws -> [String] { (try lastReport()["_UNMARKED"] as? [String]) ?? [] }

    /// The real path of the scratch dir (reports hold resolved absolute paths).
    var realDir: String { dir.resolvingSymlinksInPath().path }
}
