/// The binary normalization behind METADATA_HASH / METADATA_ID (spec/mark-format.md §2.3), in
/// the current (Chalk ≥ 0.4.0) and the legacy (pre-0.4) flavours.
public enum MarkNormalization: String, Sendable, CaseIterable {
    /// Chalk ≥ 0.4.0: top level tagged `05`, keys sorted at every level.
    case current
    /// Chalk 0.1–0.3: no top-level tag; nested objects unsorted and unfiltered.
    case legacy

    /// Top-level keys left out of the normalized form (`ignore_when_normalizing`).
    public static let ignoredKeys: Set<String> = [
        "MAGIC", "METADATA_HASH", "METADATA_ID", "SIGNING", "SIGNATURE", "EMBEDDED_CHALK",
    ]

    /// The normalized bytes of a mark dict.
    public func normalize(_ mark: ChalkObject) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        let pairs = mark.entries.filter { !MarkNormalization.ignoredKeys.contains($0.key) }
            .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        if self == .current { out.append(0x05) }
        Self.appendU32(UInt32(pairs.count), to: &out)
        for (k, v) in pairs {
            Self.appendString(k, to: &out)
            appendValue(v, to: &out)
        }
        return out
    }

    /// The SHA-256 digest of the normalized mark (METADATA_HASH is its hex).
    public func metadataDigest(_ mark: ChalkObject) -> [UInt8] { SHA256.digest(normalize(mark)) }

    /// METADATA_HASH (lowercase hex) and METADATA_ID of a mark dict.
    public func metadataIdentity(_ mark: ChalkObject) -> (hash: String, id: String) {
        let d = metadataDigest(mark)
        return (Hex.encode(d), ChalkIdentifiers.idFormat(d))
    }

    private func appendValue(_ v: ChalkValue, to out: inout [UInt8]) {
        switch v {
        case .string(let s): Self.appendString(s, to: &out)
        case .int(let i):
            out.append(0x02)
            var u = UInt64(bitPattern: i)
            for _ in 0..<8 { out.append(UInt8(u & 0xFF)); u >>= 8 }
        case .bool(let b): out.append(0x03); out.append(b ? 1 : 0)
        // floatToStr returned "" in Chalk, so a float is a bare tag [quirk].
        case .float: out.append(0x06)
        case .null: out.append(0x07)
        case .array(let items):
            out.append(0x04)
            Self.appendU32(UInt32(items.count), to: &out)
            for item in items { appendValue(item, to: &out) }
        case .object(let o):
            out.append(0x05)
            Self.appendU32(UInt32(o.count), to: &out)
            let pairs = self == .current
                ? o.entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                : o.entries
            for (k, v) in pairs {
                Self.appendString(k, to: &out)
                appendValue(v, to: &out)
            }
        }
    }

    private static func appendU32(_ n: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(n & 0xFF)); out.append(UInt8((n >> 8) & 0xFF))
        out.append(UInt8((n >> 16) & 0xFF)); out.append(UInt8(n >> 24))
    }

    private static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(0x01)
        appendU32(UInt32(s.utf8.count), to: &out)
        out.append(contentsOf: s.utf8)
    }
}

/// The outcome of validating an extracted mark (spec/mark-format.md §2.6, RULINGS 19).
public struct MarkValidation: Sendable, Equatable {
    /// `_VALIDATED_METADATA`.
    public var valid: Bool
    /// `_VALIDATED_NORMALIZATION` when valid: which normalization reproduced METADATA_ID.
    public var normalization: MarkNormalization?
    /// Why validation failed (nil when valid).
    public var problem: String?

    /// Validates `mark` against the artifact's current unchalked hash (nil when the codec
    /// has none, e.g. Docker: then CHALK_ID is not checked).
    public static func validate(_ mark: ChalkObject, currentHash: String?) -> MarkValidation {
        func bad(_ why: String) -> MarkValidation { MarkValidation(valid: false, normalization: nil, problem: why) }
        if mark.isEmpty { return bad("the mark is empty") }
        guard let chalkID = mark["CHALK_ID"]?.stringValue else { return bad("the mark has no CHALK_ID") }
        if let currentHash, ChalkIdentifiers.chalkID(fromHash: currentHash) != chalkID {
            return bad("CHALK_ID \(chalkID) does not match the artifact's content (it was changed after marking)")
        }
        guard let metadataID = mark["METADATA_ID"]?.stringValue else { return bad("the mark has no METADATA_ID") }
        let metadataHash = mark["METADATA_HASH"]?.stringValue
        for n in MarkNormalization.allCases {
            let (h, id) = n.metadataIdentity(mark)
            if id == metadataID && (metadataHash == nil || metadataHash == h) {
                return MarkValidation(valid: true, normalization: n, problem: nil)
            }
        }
        return bad("METADATA_ID \(metadataID) does not match the mark's contents")
    }
}
