import Testing
import ChalkTestSupport

@Suite struct SupervisorTestsSmoke {
    @Test func testSupportFindsPackageRoot() {
        #expect(FileManagerCheck.exists(TestSupport.packageRoot.appendingPathComponent("Package.swift").path))
    }
}

import Foundation
enum FileManagerCheck { static func exists(_ p: String) -> Bool { FileManager.default.fileExists(atPath: p) } }
