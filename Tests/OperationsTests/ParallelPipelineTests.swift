import Foundation
import Testing
@testable import Operations
import Config
import Marking
import ChalkTestSupport

/// Artifacts run on several threads, but the run must read as with one: items, unmarked paths
/// and errors in discovery order, every artifact exactly once.
@Suite struct ParallelPipelineTests {
    static func context(_ op: String) throws -> OperationContext {
        let c = try ConfigLoader.load(ConfigLoadRequest(command: op, startDirectory: "/"))
        return OperationContext(operation: op, chalkVersion: "9.9.9", config: c, startMillis: 1_700_000_000_123)
    }

    @Test func outcomesAreMergedInDiscoveryOrder() throws {
        let dir = try TestSupport.makeTempDir("chalk-ops-parallel")
        defer { TestSupport.removeTree(dir) }
        let root = dir.resolvingSymlinksInPath().path
        // Scripts of very different sizes (so workers finish out of order), unmarked text
        // files and unreadable-as-artifact junk, spread over directories.
        for i in 0..<300 {
            let sub = "\(root)/d\(i % 7)"
            try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
            let body = String(repeating: "echo \(i)\n", count: i % 5 == 0 ? 20000 : 3)
            let text = i % 10 == 3 ? "plain text \(i)\n" : "#!/bin/sh\n" + body
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(sub)/f\(i).sh"))
        }
        #expect(MarkOperation.threadCount(300) >= 1)
        let order = ArtifactDiscovery.discover([root], options: DiscoveryOptions()).files.map(\.path)
        #expect(order.count == 300)

        let insert = MarkOperation().run(MarkOperationRequest(kind: .insert, paths: [root], virtual: false,
                                                             context: try Self.context("insert")))
        #expect(!insert.failed)
        let plain = Set((0..<300).filter { $0 % 10 == 3 }.map { "\(root)/d\($0 % 7)/f\($0).sh" })
        let inserted = insert.run.chalks.compactMap { $0["_OP_ARTIFACT_PATH"]?.stringValue }
        #expect(inserted == order.filter { !plain.contains($0) })
        #expect(inserted.count == 270)

        let extract = MarkOperation().run(MarkOperationRequest(kind: .extract, paths: [root], virtual: false,
                                                              context: try Self.context("extract")))
        #expect(!extract.failed)
        let extracted = extract.run.chalks.compactMap { $0["_OP_ARTIFACT_PATH"]?.stringValue }
        #expect(extracted == inserted)
        #expect(extract.run.chalks.allSatisfy { $0["_VALIDATED_METADATA"] == true })
        #expect(extract.run.unmarked == order.filter { plain.contains($0) })
        // The same CHALK_IDs come back, item by item.
        #expect(extract.run.chalks.map { $0["CHALK_ID"] } == insert.run.chalks.map { $0["CHALK_ID"] })
    }

    @Test func mergeOrderDoesNotDependOnFinishOrder() {
        // Later indices finish first: the merge must still see 0, 1, 2, ...
        var seen: [Int] = []
        ParallelArtifacts.run(count: 64, threads: 3) { i in
            if i % 3 == 0 { usleep(2000) }
            var o = ArtifactOutcome()
            o.unmarked = ["\(i)"]
            return o
        } merge: { seen.append(Int($0.unmarked[0])!) }
        #expect(seen == Array(0..<64))
    }
}
