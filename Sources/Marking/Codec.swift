#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Which kind of operation a codec is scanning for. Chalking operations (insert, and later
/// build/push/load) apply stricter claim rules than the reading ones (spec/mark-format.md §3.3).
public enum OperationKind: Sendable, Equatable {
    case insert, extract, delete, exec

    public var isChalking: Bool { self == .insert }
}

/// The bytes of one artifact as read from disk, with its path and mode.
public struct ArtifactInput: Sendable {
    /// Absolute path as given to the codecs.
    public let path: String
    public let bytes: [UInt8]
    /// st_mode of the file (permission bits are kept on write).
    public let mode: UInt32

    public init(path: String, bytes: [UInt8], mode: UInt32 = 0o644) {
        self.path = path; self.bytes = bytes; self.mode = mode
    }

    /// The file name's extension (after the last dot of the last path component), case kept.
    public var fileExtension: String? {
        // The last non-empty component, found without splitting the whole path (this runs
        // for every file a walk finds).
        var name = Substring(path)
        while name.last == "/" { name = name.dropLast() }
        if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        return String(name[name.index(after: dot)...])
    }
}

/// What a codec found when it claimed an artifact.
public struct CodecScan: Sendable {
    /// ARTIFACT_TYPE (`ELF`, `ZIP`, `JAR`, `Python Bytecode`, a script language, ...).
    public var artifactType: String
    /// The existing mark, when one parsed (nil = unmarked).
    public var mark: ChalkObject?
    /// The mark's raw bytes as found (for byte-exact checks), when marked.
    public var markBytes: [UInt8]?
    /// HASH: the lowercase hex SHA-256 of the unchalked canonical form; nil when the codec has
    /// none. Codecs may leave it to be computed on first use (`setUnchalkedHash(computing:)`),
    /// so that nobody hashes a large artifact whose HASH is never asked for (extract of an
    /// unmarked file, chalk reading its own mark at start-up).
    public var unchalkedHash: String? {
        get { lazyHash?.value ?? storedHash }
        set { storedHash = newValue; lazyHash = nil }
    }
    private var storedHash: String?
    private var lazyHash: LazyHash?
    /// Extra report keys the codec contributes (for example `EMBEDDED_TMPDIR`).
    public var extra: ChalkObject
    /// Codec-private state carried from `scan` to `render` (offsets, parsed structures).
    public var state: (any Sendable)?

    public init(artifactType: String, mark: ChalkObject? = nil, markBytes: [UInt8]? = nil,
                unchalkedHash: String? = nil, extra: ChalkObject = [:], state: (any Sendable)? = nil) {
        self.artifactType = artifactType; self.mark = mark; self.markBytes = markBytes
        self.storedHash = unchalkedHash; self.extra = extra; self.state = state
    }

    /// Makes `unchalkedHash` the result of `compute`, run once when first read.
    public mutating func setUnchalkedHash(computing compute: @escaping @Sendable () -> String?) {
        storedHash = nil
        lazyHash = LazyHash(compute)
    }

    public var isMarked: Bool { mark != nil }
}

/// A hash computed once, on first use (from any thread).
final class LazyHash: Sendable {
    private let compute: @Sendable () -> String?
    private let cache = Mutex<String??>(nil)

    init(_ compute: @escaping @Sendable () -> String?) { self.compute = compute }

    var value: String? {
        cache.withLock { cached in
            if let v = cached { return v }
            let v = compute()
            cached = .some(v)
            return v
        }
    }
}

/// A file format that can hold a chalk mark. Codecs are tried in Chalk's priority order and the
/// first that claims a file wins (§3.0). A codec never discovers files, collects metadata or
/// reports: it claims, finds the mark, computes the unchalked hash, and renders new bytes.
public protocol Codec: Sendable {
    /// Chalk's plugin name (`zip`, `python_pyc`, `elf`, `source`, `elf_last_resort`).
    var name: String { get }
    /// Claims the artifact (returns a scan) or declines (nil). Throws `MarkingError` for a
    /// claimed artifact that is damaged in a way the user must hear about.
    func scan(_ input: ArtifactInput, operation: OperationKind) throws(MarkingError) -> CodecScan?
    /// The artifact's new bytes with `mark` inserted (or replacing the existing mark); a nil
    /// `mark` deletes the mark. The caller writes them atomically.
    func render(_ input: ArtifactInput, scan: CodecScan, mark: [UInt8]?) throws(MarkingError) -> [UInt8]
    /// Whether `scan` could claim a file of `fileSize` bytes whose first bytes are `head` (the
    /// first `ArtifactFiles.headSize` bytes, with the file's path and mode). False only when
    /// `scan` would certainly decline the whole file, which is then never read past its head.
    func mightClaim(head: ArtifactInput, fileSize: Int, operation: OperationKind) -> Bool
}

extension Codec {
    /// By default a codec needs the whole file to decide.
    public func mightClaim(head: ArtifactInput, fileSize: Int, operation: OperationKind) -> Bool { true }
}

/// True when `bytes` starts with the ELF magic `\x7FELF`.
func startsWithELFMagic(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 4 && bytes[0] == 0x7F && bytes[1] == 0x45 && bytes[2] == 0x4C && bytes[3] == 0x46
}

/// The Marking module's error: what went wrong, with the file it concerns.
public struct MarkingError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable { case io, malformed, unsupported, tooLarge, layout }
    public var code: Code
    public var path: String
    public var message: String
    public var errno: Int32?

    public init(_ code: Code, path: String, _ message: String, errno: Int32? = nil) {
        self.code = code; self.path = path; self.message = message; self.errno = errno
    }

    public var description: String {
        var s = "\(path): \(message)"
        if let e = errno, let c = strerror(e) { s += " (\(String(cString: c)))" }
        return s
    }
}
