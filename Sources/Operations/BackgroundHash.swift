#if canImport(Glibc)
import Glibc
#endif
import Marking

/// SHA-256 of a large buffer on a second thread, so that `_CURRENT_HASH` costs no wall time
/// next to the codec's own hashing (extract) or the file write (insert). Small buffers are
/// hashed inline: a thread costs more than it saves.
final class BackgroundHash: @unchecked Sendable {
    // @unchecked: `result` is written only by the worker thread before it exits and read only
    // after pthread_join, which orders the two.
    private let bytes: [UInt8]
    private var result = ""
    private var thread: pthread_t?

    /// Buffers at least this large are hashed on a thread.
    static let threshold = 4 << 20

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.count >= Self.threshold {
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
                Unmanaged<BackgroundHash>.fromOpaque(box).release()
                result = SHA256.hexDigest(bytes)
            }
        } else {
            result = SHA256.hexDigest(bytes)
        }
    }

    /// The lowercase hex digest (waits for the worker).
    func value() -> String {
        if let t = thread {
            pthread_join(t, nil)
            thread = nil
        }
        return result
    }
}
