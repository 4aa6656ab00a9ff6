import CCrypto

/// Streaming SHA-256 (OpenSSL libcrypto underneath, see CCrypto). Not Sendable: one owner.
public struct SHA256: ~Copyable {
    private let ctx: OpaquePointer

    public init() {
        guard let c = chalk_sha256_new() else { fatalError("chalk: out of memory creating a SHA-256 context") }
        ctx = c
    }

    deinit { chalk_sha256_free(ctx) }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        _ = chalk_sha256_update(ctx, base, bytes.count)
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public mutating func update(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { update($0) }
    }

    public mutating func update(_ s: String) {
        var s = s
        s.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// Finishes and returns the 32-byte digest.
    public consuming func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let c = ctx
        discard self  // chalk_sha256_final frees the context
        out.withUnsafeMutableBufferPointer { _ = chalk_sha256_final(c, $0.baseAddress!) }
        return out
    }

    /// Finishes and returns the lowercase hex digest.
    public consuming func finalizeHex() -> String { Hex.encode(finalize()) }

    /// One-shot digest of `bytes`.
    public static func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBufferPointer { dst in
            _ = chalk_sha256(bytes.baseAddress, bytes.count, dst.baseAddress!)
        }
        return out
    }

    public static func digest(_ bytes: [UInt8]) -> [UInt8] { bytes.withUnsafeBytes { digest($0) } }
    public static func digest(_ bytes: ArraySlice<UInt8>) -> [UInt8] { bytes.withUnsafeBytes { digest($0) } }
    public static func digest(_ s: String) -> [UInt8] { digest(Array(s.utf8)) }

    /// Lowercase hex digest of `bytes`.
    public static func hexDigest(_ bytes: [UInt8]) -> String { Hex.encode(digest(bytes)) }
    public static func hexDigest(_ bytes: ArraySlice<UInt8>) -> String { Hex.encode(digest(bytes)) }
}

/// Lowercase hex encoding and decoding.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out = [UInt8](); out.reserveCapacity(u.count / 2)
        func nib(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var i = 0
        while i < u.count {
            guard let h = nib(u[i]), let l = nib(u[i + 1]) else { return nil }
            out.append(h << 4 | l); i += 2
        }
        return out
    }
}
