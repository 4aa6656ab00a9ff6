/// base32v and the 6-4-4-6 IDs (spec/mark-format.md §2.1, §2.2).
public enum ChalkIdentifiers {
    /// Crockford-style alphabet without I, L, O, U.
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// base32v of `bytes`: an MSB-first 5-bit stream over the alphabet, no padding.
    public static func base32v<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out: [UInt8] = []
        var acc: UInt32 = 0
        var bits = 0
        for b in bytes {
            acc = (acc << 8) | UInt32(b)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[Int((acc >> UInt32(bits)) & 31)])
            }
            acc &= (1 << UInt32(bits)) - 1
        }
        if bits > 0 { out.append(alphabet[Int((acc << UInt32(5 - bits)) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// `idFormat`: the first 20 base32v characters of `raw` as `XXXXXX-XXXX-XXXX-XXXXXX`.
    /// `raw` must hold at least 13 bytes.
    public static func idFormat(_ raw: [UInt8]) -> String {
        precondition(raw.count >= 13, "idFormat needs at least 13 bytes")
        let s = Array(base32v(raw.prefix(13)).utf8)
        let parts = [s[0..<6], s[6..<10], s[10..<14], s[14..<20]]
        return parts.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "-")
    }

    /// CHALK_ID from HASH: `idFormat` of the ASCII text of the lowercase hex digest.
    public static func chalkID(fromHash hexHash: String) -> String {
        var bytes = Array(hexHash.utf8)
        while bytes.count < 13 { bytes.append(0) }  // never happens for a SHA-256 hex digest
        return idFormat(bytes)
    }

    /// CHALK_ID for an artifact without an unchalked hash: `idFormat` of 32 random bytes.
    public static func randomChalkID() -> String {
        var g = SystemRandomNumberGenerator()
        return idFormat((0..<32).map { _ in UInt8.random(in: 0...255, using: &g) })
    }
}
