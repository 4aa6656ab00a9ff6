import Foundation
import Testing
@testable import Config

/// The precomputed base config (GeneratedBaseSnapshot.swift) is exactly what running the base
/// sources gives, and is current: editing Sources/Config/BaseConfig without regenerating it
/// (scripts/gen-base-snapshot.sh) fails here.
@Suite struct BaseSnapshotTests {
    /// With CHALK_WRITE_BASE_SNAPSHOT=PATH, (re)writes the snapshot there instead.
    @Test func committedSnapshotIsCurrent() throws {
        let (data, fingerprint) = try SnapshotWriter.generate()
        if let path = ProcessInfo.processInfo.environment["CHALK_WRITE_BASE_SNAPSHOT"] {
            try SnapshotWriter.swiftFile(data: data, fingerprint: fingerprint).write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        #expect(BaseSnapshot.generatedFingerprint == fingerprint,
                "the base config changed: run scripts/gen-base-snapshot.sh")
        #expect(BaseSnapshot.generatedData.description == data, "the snapshot is stale: run scripts/gen-base-snapshot.sh")
        #expect(BaseSnapshot.fingerprint() == fingerprint)
        #expect(withData(data) { SnapshotReader.validate($0) })
    }

    @Test(arguments: [true, false])
    func restoredTreeEqualsARunOfTheSources(inContainer: Bool) throws {
        let fresh = try SnapshotWriter.runStatic(inContainer: inContainer)
        let restored = Interpreter(context: RunContext(command: "", startDirectory: "/", inContainer: inContainer))
        #expect(BaseSnapshot.restore(into: restored))
        // Most sections are still in the snapshot; the comparison below makes them all.
        #expect(restored.root.child("keyspec")?.untouchedSnapshot != nil)
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
        try expectSameConfig(fast, slow)
        #expect(differences(fast.interp.root, slow.interp.root, path: "") == [])
        #expect(fast.interp.globals == slow.interp.globals)
        #expect(fast.interp.topicOrder == slow.interp.topicOrder)
        #expect(fast.interp.subscriptions == slow.interp.subscriptions)
    }

    /// `in_container()` (which reads /proc/self/mountinfo) is asked only when an attribute
    /// that depends on it is read with its origin: not to build the typed config.
    @Test func inContainerIsAskedOnlyForTheOriginsThatDependOnIt() throws {
        let interp = Interpreter(context: RunContext(command: "exec", startDirectory: "/", inContainer: false))
        #expect(BaseSnapshot.restore(into: interp))
        let data = try #require(interp.root.child("report_template")?.untouchedSnapshot?.data)
        let c = try TypedConfigBuilder(interp: interp, startDirectory: "/").build()
        #expect(c.reportTemplates["report_default"]?.uses("_OP_ALL_PS_INFO") == false)
        #expect(data.answer == nil)
        let a = interp.root.lookup(["report_template", "report_default", "key", "_OP_ALL_PS_INFO"])?.field("use")
        #expect(data.answer == false)
        let fresh = try SnapshotWriter.runStatic(inContainer: false)
        #expect(a == fresh.root.lookup(["report_template", "report_default", "key", "_OP_ALL_PS_INFO"])?.field("use"))
        let inside = try SnapshotWriter.runStatic(inContainer: true)
        #expect(a?.origin.pos.line != inside.root.lookup(["report_template", "report_default", "key", "_OP_ALL_PS_INFO"])?.field("use")?.origin.pos.line)
    }

    /// The validator skips sections still in the snapshot: the fully run base config passes.
    @Test func theBaseConfigRunFromItsSourcesPassesTheSchema() throws {
        let slow = try LoadSession(command: "insert", startDirectory: "/tmp", trial: true, useSnapshot: false)
        #expect(slow.interp.root.child("keyspec")?.untouchedSnapshot == nil)
        try Validator(root: slow.interp.root).validate()
    }

    /// User configs that change the base templates, keys and sinks give the same config, and
    /// the same errors, as with the base config run from its sources.
    @Test(arguments: [
        "report_template report_default { key._OP_ALL_PS_INFO.use = true\n key.HOSTINFO_WHEN_CHALKED.use = true }\nkeyspec X_A { kind: ChalkTimeHost; type: string; value: \"v\" }\nmark_template mark_default { key.X_A.use = true }\noutconf docker { report_template: \"report_large\" }",
        "report_template mine { key._OPERATION.use = true }\nsink_config s { sink: \"file\"; filename: \"/tmp/x\" }\nsubscribe(\"report\", \"s\")",
        "report_template report_default { key.NO_SUCH_KEY.use = true }",
        "mark_template minimal { key._OPERATION.use = true }",
        "keyspec BAD_NAME { kind: ChalkTimeHost; type: string }",
        "keyspec.MAGIC.value = \"x\"",
        "exec { reporting_probability: \"often\" }",
        "report_template report_default { key.HOSTNAME.order = \"first\" }",
    ])
    func userConfigsBehaveTheSame(source: String) throws {
        let fast = try LoadSession(command: "insert", startDirectory: "/tmp", trial: false)
        let slow = try LoadSession(command: "insert", startDirectory: "/tmp", trial: false, useSnapshot: false)
        var errors: [String] = []
        for s in [fast, slow] {
            do {
                try s.runUserConfig(source: source, file: "/u.c4m")
                errors.append("")
            } catch {
                errors.append(error.description)
            }
        }
        #expect(errors[0] == errors[1])
        if errors[0].isEmpty {
            try expectSameConfig(fast, slow)
            #expect(fast.notices == slow.notices)
        }
    }

    @Test func aDamagedSnapshotIsRefusedNeverACrash() {
        let bytes = Array(BaseSnapshot.generatedData.description.utf8)
        for cut in [0, 1, 2, 3, bytes.count / 2, bytes.count - 2] {
            #expect(!withData(bytes[..<cut]) { SnapshotReader.validate($0) }, "cut at \(cut)")
        }
        // Where a damaged byte breaks the structure (not inside a string's text) the data is
        // refused; restoring it and reading every section never crashes.
        var refused = 0
        for k in stride(from: 2, to: bytes.count, by: bytes.count / 100) {
            var damaged = bytes
            damaged[k] = UInt8(ascii: "~")
            withData(damaged) { data in
                if !SnapshotReader.validate(data) { refused += 1 }
                let interp = Interpreter(context: RunContext(command: "", startDirectory: "/"))
                if BaseSnapshot.restore(data, into: interp) { _ = differences(interp.root, interp.root, path: "") }
            }
        }
        #expect(refused > 25)
    }

    private func withData<T>(_ bytes: some Collection<UInt8>, _ body: (SnapshotData) -> T) -> T {
        let copy = Array(bytes)
        return copy.withUnsafeBufferPointer { body(SnapshotData(bytes: $0)) }
    }

    private func withData<T>(_ text: String, _ body: (SnapshotData) -> T) -> T { withData(Array(text.utf8), body) }

    private func expectSameConfig(_ fast: LoadSession, _ slow: LoadSession) throws {
        let a = try fast.typed(), b = try slow.typed()
        #expect(ConfigSummary.render(config: a, root: fast.interp.root) == ConfigSummary.render(config: b, root: slow.interp.root))
        #expect(a.reportTemplates == b.reportTemplates)
        #expect(a.markTemplates == b.markTemplates)
        #expect(a.keyspecs == b.keyspecs)
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
