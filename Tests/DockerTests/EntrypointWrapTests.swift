import Testing
@testable import Docker

@Suite struct Placeholder { @Test func compiles() { #expect(EntrypointWrap.chalkExec.count == 3) } }
