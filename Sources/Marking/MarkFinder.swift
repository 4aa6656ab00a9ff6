#if canImport(Glibc)
import Glibc
#endif

// glibc's memmem (a vectorized two-way search) is not exported by the Glibc module without
// _GNU_SOURCE; bind the C symbol directly (plain C ABI: pointers and sizes).
@_silgen_name("memmem")
private func glibcMemmem(_ haystack: UnsafeRawPointer?, _ haystackLen: Int,
                         _ needle: UnsafeRawPointer?, _ needleLen: Int) -> UnsafeMutableRawPointer?

/// A mark found in a byte stream: the parsed object and its byte range `[start, end)`.
public struct FoundMark: Sendable, Equatable {
    public var object: ChalkObject
    /// Offset of the mark's `{`.
    public var start: Int
    /// Offset right after the mark's closing `}`.
    public var end: Int
}

/// Finds chalk marks in bytes the way Chalk does (spec/mark-format.md §1.6): search for the
/// magic value, back-scan (spaces only) to `{ "MAGIC" : "`, parse from the `{`; the first
/// occurrence that back-scans and parses wins.
public enum MarkFinder {
    /// The magic value `dadfedabbadabbed`.
    public static let magic: [UInt8] = Array("dadfedabbadabbed".utf8)
    /// The placeholder mark `{ "MAGIC" : "dadfedabbadabbed" }`.
    public static let placeholder: [UInt8] = Array(#"{ "MAGIC" : "dadfedabbadabbed" }"#.utf8)

    /// Index of the next magic occurrence at or after `from` (memmem: this is the hot loop of
    /// extract), or nil.
    public static func nextMagic(in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = bytes.baseAddress, from >= 0, from < bytes.count else { return nil }
        let hit = magic.withUnsafeBytes { m in
            glibcMemmem(base + from, bytes.count - from, m.baseAddress!, m.count)
        }
        guard let hit else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }

    /// The back-scan of `findJsonStart`: from the magic at `i`, the offset of the `{` that
    /// opens `{ "MAGIC" : "`, allowing only 0x20 spaces in between; nil when the pattern fails.
    public static func backScan(_ bytes: UnsafeRawBufferPointer, magicAt i: Int) -> Int? {
        guard i >= 9, i <= bytes.count else { return nil }
        var j = i - 1
        guard bytes[j] == UInt8(ascii: "\"") else { return nil }
        j -= 1
        while j >= 0, bytes[j] == 0x20 { j -= 1 }
        guard j >= 0, bytes[j] == UInt8(ascii: ":") else { return nil }
        j -= 1
        while j >= 0, bytes[j] == 0x20 { j -= 1 }
        guard j >= 0, bytes[j] == UInt8(ascii: "\"") else { return nil }
        let key = Array(#""MAGIC"#.utf8)
        guard j >= key.count else { return nil }
        for (k, b) in key.enumerated() where bytes[j - key.count + k] != b { return nil }
        j -= key.count + 1
        while j >= 0, bytes[j] == 0x20 { j -= 1 }
        guard j >= 0, bytes[j] == UInt8(ascii: "{") else { return nil }
        return j
    }

    /// The first valid mark whose magic lies in `[from, limit)`, or nil.
    public static func firstValidMark(in bytes: UnsafeRawBufferPointer, from: Int = 0, limit: Int? = nil) -> FoundMark? {
        let stop = min(limit ?? bytes.count, bytes.count)
        var at = max(0, from)
        while let i = nextMagic(in: bytes, from: at), i < stop {
            at = i + 1
            guard let start = backScan(bytes, magicAt: i) else { continue }
            guard let (obj, end) = try? MarkParser.parseObject(bytes, at: start) else { continue }
            return FoundMark(object: obj, start: start, end: end)
        }
        return nil
    }

    /// `firstValidMark` over an array.
    public static func firstValidMark(in bytes: [UInt8], from: Int = 0, limit: Int? = nil) -> FoundMark? {
        bytes.withUnsafeBytes { firstValidMark(in: $0, from: from, limit: limit) }
    }
}
