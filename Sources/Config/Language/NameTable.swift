/// The long names (identifiers of more than 15 UTF-8 bytes, too long for Swift's inline small
/// strings) lexed so far in one load, so that every occurrence of a name such as
/// `HOST_SYSNAME_WHEN_CHALKED` shares one string instead of allocating its own (the base config
/// names each key a dozen times). An open-addressing table keyed by the FNV-1a hash of the bytes.
final class NameTable {
    private var slots: [String?] = Array(repeating: nil, count: 1024)
    private var hashes: [UInt64] = Array(repeating: 0, count: 1024)
    private var count = 0

    /// The string for `bytes` (valid UTF-8), made once.
    func name(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while let s = slots[i] {
            if hashes[i] == h, Self.equal(s, bytes) { return s }
            i = (i + 1) & mask
        }
        let s = String(decoding: bytes, as: UTF8.self)
        slots[i] = s
        hashes[i] = h
        count += 1
        if count * 2 > slots.count { grow() }
        return s
    }

    private static func equal(_ s: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        s.utf8.withContiguousStorageIfAvailable { $0.elementsEqual(bytes) } ?? s.utf8.elementsEqual(bytes)
    }

    private func grow() {
        let oldSlots = slots, oldHashes = hashes
        slots = Array(repeating: nil, count: oldSlots.count * 2)
        hashes = Array(repeating: 0, count: oldSlots.count * 2)
        let mask = slots.count - 1
        for (k, s) in oldSlots.enumerated() {
            guard let s else { continue }
            var i = Int(truncatingIfNeeded: oldHashes[k]) & mask
            while slots[i] != nil { i = (i + 1) & mask }
            slots[i] = s
            hashes[i] = oldHashes[k]
        }
    }
}
