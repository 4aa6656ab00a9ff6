import Foundation
import Testing
import ChalkTestSupport

/// `chalk docker` without a real docker: one line on stderr, exit 127, nothing on stdout.
@Suite struct DockerInvocationTests {
    @Test func noDockerAnywhere() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let empty = try TestSupport.makeTempDir("chalk-empty-path"); defer { TestSupport.removeTree(empty) }
        let r = try TestSupport.chalk(["docker", "build", "."], home: home, extraEnvironment: ["PATH": empty.path])
        #expect(r.status == 127)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "chalk: error: no docker found: set docker_exe in the chalk config or put the real docker on PATH\n")
    }

    @Test func chalkItselfOnPathIsNotTakenForDocker() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let bin = try TestSupport.makeTempDir("chalk-bin"); defer { TestSupport.removeTree(bin) }
        let docker = bin.appendingPathComponent("docker").path
        try FileManager.default.createSymbolicLink(atPath: docker, withDestinationPath: TestSupport.chalkBinary)
        let r = try TestSupport.chalk(["version"], home: home, extraEnvironment: ["PATH": bin.path], binary: docker, timeout: 20)
        #expect(r.status == 127)
        #expect(r.stderr.contains("no docker found"))
    }

    @Test func dockerIsListedInHelp() throws {
        let home = try TestSupport.makeTempDir("chalk-home"); defer { TestSupport.removeTree(home) }
        let r = try TestSupport.chalk(["--help"], home: home)
        #expect(r.stdout.contains("docker"))
    }
}
