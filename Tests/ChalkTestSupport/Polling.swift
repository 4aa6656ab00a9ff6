import Foundation

extension TestSupport {
    /// Checks `condition` every `interval` seconds until it holds (true) or `timeout` seconds
    /// have passed (false). For what a test cannot be told about, only observe: a process's
    /// state, a file another process writes, a counter a background thread moves. A condition
    /// that throws stops the wait and passes the error on.
    @discardableResult
    public static func waitUntil(timeout: TimeInterval, every interval: TimeInterval = 0.002,
                                 _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while try !condition() {
            if Date() >= deadline { return false }
            usleep(useconds_t(interval * 1_000_000))
        }
        return true
    }
}
