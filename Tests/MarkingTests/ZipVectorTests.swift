import Foundation
import Testing
@testable import Marking

/// The spec's derived ZIP vectors (§3.4, §8), checked against Chalk's own test archives when a
/// checkout of crashappsec/chalk's `tests/functional/data` is named by `CHALK_REFERENCE_DATA`
/// (those GPL files are not copied into this repository; without them the test is skipped).
@Suite struct ZipVectorTests {
    static let dataDir = ProcessInfo.processInfo.environment["CHALK_REFERENCE_DATA"] ?? ""

    @Test(.enabled(if: FileManager.default.fileExists(atPath: dataDir + "/zip/misc/test.jar")),
          arguments: [
              ("zip/misc/test.jar", "5fa3e04cd0e7a3cf10b39cc1bb5c3df759cda165d2a5e4a7ada333e0ac9e8268"),
              ("zip/nodejs/function.zip", "63590c6a9542f93ea40d4037e9f308673a7c89eb753f0ea1682b67ff1b071c29"),
          ])
    func derivedVector(_ file: String, _ hash: String) throws {
        let path = Self.dataDir + "/" + file
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let scan = try #require(try ZipCodec().scan(ArtifactInput(path: path, bytes: bytes), operation: .extract))
        #expect(scan.unchalkedHash == hash)
    }
}
