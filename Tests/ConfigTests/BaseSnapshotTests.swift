import Foundation
import Testing
@testable import Config

/// The precomputed base config (GeneratedBaseSnapshot.swift) is exactly what running the base
/// sources gives, and is current: editing Sources/Config/BaseConfig without regenerating it
/// (scripts/gen-base-snapshot.sh) fails here.
@Suite struct BaseSnapshotTests {
    /// With CHALK_WRITE_BASE_SNAPSHOT=PATH, (re)writes the snapshot there first.
    @Test func committedSnapshotIsCurrent() throws {
        let (data, fingerprint) = try SnapshotWriter.generate()
        if let path = ProcessInfo.processInfo.environment["CHALK_WRITE_BASE_SNAPSHOT"] {
            try SnapshotWriter.swiftFile(data: data, fingerprint: fingerprint).write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        #expect(BaseSnapshot.generatedFingerprint == fingerprint,
                "the base config changed: run scripts/gen-base-snapshot.sh")
        #expect(BaseSnapshot.generatedData == data, "the snapshot is stale: run scripts/gen-base-snapshot.sh")
        #expect(BaseSnapshot.fingerprint() == fingerprint)
    }

    @Test(arguments: [true, false])
    func restoredTreeEqualsARunOfTheSources(inContainer: Bool) throws {
        let fresh = try SnapshotWriter.runStatic(inContainer: inContainer)
        let restored = Interpreter(context: RunContext(command: "", startDirectory: "/", inContainer: inContainer))
        #expect(BaseSnapshot.restore(into: restored))
        #expect(restored.root.tree.conflicts == 0)
        #expect(restored.globals == fresh.globals)
        #expect(restored.root.tree.conflicts == fresh.root.tree.conflicts)
        #expect(differences(restored.root, fresh.root, path: "") == [])
    }

    /// Also for each command, whose context part (ioconfig) runs after the snapshot.
    @Test(arguments: ["insert", "exec", "docker", "config"])
    func configFromTheSnapshotEqualsOneFromTheSources(command: String) throws {
        let fast = try LoadSession(command: command, startDirectory: "/tmp", trial: false)
        let slow = try LoadSession(command: command, startDirectory: "/tmp", trial: false, useSnapshot: false)
        #expect(fast.usedSnapshot && !slow.usedSnapshot)
        #expect(differences(fast.interp.root, slow.interp.root, path: "") == [])
        #expect(fast.interp.globals == slow.interp.globals)
        #expect(fast.interp.topicOrder == slow.interp.topicOrder)
        #expect(fast.interp.subscriptions == slow.interp.subscriptions)
        let a = try fast.typed(), b = try slow.typed()
        #expect(ConfigSummary.render(config: a, root: fast.interp.root) == ConfigSummary.render(config: b, root: slow.interp.root))
        #expect(a.reportTemplates == b.reportTemplates && a.markTemplates == b.markTemplates && a.keyspecs == b.keyspecs)
    }

    @Test func aStaleOrDamagedSnapshotIsNotUsed() {
        let bytes = Array(BaseSnapshot.generatedData.utf8)
        for cut in [0, 1, 2, 3, bytes.count / 2, bytes.count - 1] {
            let text = String(decoding: bytes[..<cut], as: UTF8.self)
            #expect(decode(text) == nil, "cut at \(cut)")
        }
        // A damaged byte never crashes the reader; where it breaks the structure (not inside a
        // string's text) the data is refused.
        var refused = 0
        for k in stride(from: 2, to: bytes.count, by: bytes.count / 200) {
            var damaged = bytes
            damaged[k] = UInt8(ascii: "~")
            if decode(String(decoding: damaged, as: UTF8.self)) == nil { refused += 1 }
        }
        #expect(refused > 50)
        #expect(decode(BaseSnapshot.generatedData) != nil)
    }

    private func decode(_ text: String) -> Int? {
        var t = text
        return t.withUTF8 { buf in
            var r = SnapshotReader(buf)
            return r.decode(tree: AttrTreeState()).map { $0.rootChildren.count }
        }
    }

    /// Every way two trees differ (names, order, origins, values, locks), as readable lines.
    private func differences(_ a: SectionNode, _ b: SectionNode, path: String) -> [String] {
        var out: [String] = []
        if a.name != b.name || a.origin != b.origin { out.append("\(path): section \(a.name)@\(a.origin.text) vs \(b.name)@\(b.origin.text)") }
        if a.fieldOrder != b.fieldOrder { out.append("\(path): fields \(a.fieldOrder) vs \(b.fieldOrder)") }
        if a.childOrder != b.childOrder { out.append("\(path): children \(a.childOrder) vs \(b.childOrder)") }
        for f in a.fieldOrder where a.field(f) != b.field(f) {
            out.append("\(path).\(f): \(String(describing: a.field(f))) vs \(String(describing: b.field(f)))")
        }
        if a.childNodes.map(\.name) != a.childOrder { out.append("\(path): childNodes out of order") }
        for (ca, cb) in zip(a.childNodes, b.childNodes) where out.count < 20 {
            out += differences(ca, cb, path: path + "." + ca.name)
        }
        return out
    }
}
