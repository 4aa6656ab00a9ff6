#if canImport(Glibc)
import Glibc
#endif
import Marking

/// SHA-256 of a buffer for `_CURRENT_HASH`. A large buffer is hashed on a second thread from
/// the start, so that the hash costs no wall time next to the codec's own hashing (extract) or
/// the file write (insert). A small buffer is hashed only when `value()` is asked for: a thread
/// costs more than it saves, and extract never needs the hash of an unmarked file.
final class BackgroundHash: @unchecked Sendable {
    // @unchecked: `result` is written by the worker thread before it exits and read only after
    // pthread_join, which orders the two; without a worker only the owning thread touches it.
    private let bytes: [UInt8]
    private var result: String?
    private var thread: pthread_t?

    /// Buffers at least this large are hashed on a thread.
    static let threshold = 4 << 20

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        guard bytes.count >= Self.threshold else { return }
        let box = Unmanaged.passRetained(self).toOpaque()
        var t = pthread_t()
        let rc = pthread_create(&t, nil, { arg in
            let job = Unmanaged<BackgroundHash>.fromOpaque(arg!).takeRetainedValue()
            job.result = SHA256.hexDigest(job.bytes)
            return nil
        }, box)
        if rc == 0 {
            thread = t
        } else {
            Unmanaged<BackgroundHash>.fromOpaque(box).release()  // hashed inline by value()
        }
    }

    /// Waits for the worker, if any, without asking for the hash.
    func wait() {
        if let t = thread {
            pthread_join(t, nil)
            thread = nil
        }
    }

    /// The lowercase hex digest (waits for the worker, or hashes now).
    func value() -> String {
        wait()
        if let result { return result }
        let digest = SHA256.hexDigest(bytes)
        result = digest
        return digest
    }
}
