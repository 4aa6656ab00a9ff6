/// One member of a ZIP archive as its central directory describes it, with where its bytes are.
struct ZipEntry: Sendable {
    /// The name's raw bytes (paths use `/`; a trailing `/` marks a directory).
    var name: [UInt8]
    var flags: UInt16
    var method: UInt16
    var crc: UInt32
    var compressedSize: UInt64
    var uncompressedSize: UInt64
    var localOffset: UInt64
    /// This entry's central directory record, verbatim.
    var centralRecord: Range<Int>
    /// Where (inside `centralRecord`) the local header offset is stored, and in how many bytes
    /// (4 in the record, or 8 in a ZIP64 extra field).
    var offsetField: (at: Int, width: Int)
    /// Local header through compressed data and data descriptor.
    var localRecord: Range<Int>
    /// The compressed data.
    var data: Range<Int>

    var isDirectory: Bool { name.last == 0x2F }
}

/// A parsed ZIP archive: central directory, end records, and the extent of every member.
/// Reading checks every offset and size against the file and refuses overlapping members.
struct ZipArchive: Sendable {
    let bytes: [UInt8]
    var entries: [ZipEntry]
    var centralDirectory: Range<Int>
    /// The end of central directory record (22 bytes + comment).
    var endRecord: Range<Int>
    /// ZIP64 end record and its locator, when the archive has them.
    var zip64Record: Range<Int>?
    var zip64Locator: Range<Int>?

    static let localSig: UInt32 = 0x0403_4B50, centralSig: UInt32 = 0x0201_4B50, endSig: UInt32 = 0x0605_4B50
    static let zip64EndSig: UInt32 = 0x0606_4B50, zip64LocatorSig: UInt32 = 0x0706_4B50, descriptorSig: UInt32 = 0x0807_4B50

    func u16(_ at: Int) -> UInt64 { UInt64(bytes[at]) | UInt64(bytes[at + 1]) << 8 }
    func u32(_ at: Int) -> UInt64 { u16(at) | u16(at + 2) << 16 }
    func u64(_ at: Int) -> UInt64 { u32(at) | u32(at + 4) << 32 }

    init(_ bytes: [UInt8]) throws(ZipFailure) {
        self.bytes = bytes
        entries = []
        centralDirectory = 0..<0
        endRecord = 0..<0
        let n = bytes.count
        guard n >= 22 else { throw ZipFailure("too short for a ZIP archive (\(n) bytes)") }

        // End of central directory: the last signature whose comment fits in the file.
        var eocd: Int?
        var i = n - 22
        while i >= max(0, n - 22 - 0xFFFF) {
            if u32(i) == Self.endSig, i + 22 + Int(u16(i + 20)) <= n { eocd = i; break }
            i -= 1
        }
        guard let e = eocd else { throw ZipFailure("no end of central directory record (truncated or not a ZIP)") }
        endRecord = e..<(e + 22 + Int(u16(e + 20)))
        guard u16(e + 4) == 0, u16(e + 6) == 0 else { throw ZipFailure(.unsupported, "multi-disk archives are not supported") }
        var count = u16(e + 10), cdSize = u32(e + 12), cdOffset = u32(e + 16)
        var cdLimit = e  // the central directory must end before this

        if count == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF || (e >= 20 && u32(e - 20) == Self.zip64LocatorSig) {
            guard e >= 20, u32(e - 20) == Self.zip64LocatorSig else { throw ZipFailure("ZIP64 locator missing") }
            let rec = u64(e - 20 + 8)
            guard e >= 20 + 56, rec <= UInt64(e - 20 - 56), u32(Int(rec)) == Self.zip64EndSig else { throw ZipFailure("ZIP64 end record missing or out of range") }
            let r = Int(rec)
            let recSize = u64(r + 4)
            guard recSize >= 44, recSize <= UInt64(e - 20 - r - 12) else { throw ZipFailure("ZIP64 end record has a bad size") }
            guard u32(r + 16) == 0, u32(r + 20) == 0 else { throw ZipFailure(.unsupported, "multi-disk archives are not supported") }
            zip64Record = r..<(r + 12 + Int(recSize))
            zip64Locator = (e - 20)..<e
            count = u64(r + 32); cdSize = u64(r + 40); cdOffset = u64(r + 48)
            cdLimit = r
        }
        guard cdOffset <= UInt64(cdLimit), cdSize <= UInt64(cdLimit) - cdOffset else {
            throw ZipFailure("central directory lies outside the file (truncated?)")
        }
        centralDirectory = Int(cdOffset)..<Int(cdOffset + cdSize)
        guard count <= cdSize / 46 else { throw ZipFailure("central directory claims \(count) entries in \(cdSize) bytes") }

        var at = centralDirectory.lowerBound
        for k in 0..<Int(count) {
            guard at + 46 <= centralDirectory.upperBound, u32(at) == Self.centralSig else {
                throw ZipFailure("central directory entry \(k) is corrupt")
            }
            let nameLen = Int(u16(at + 28)), extraLen = Int(u16(at + 30)), commentLen = Int(u16(at + 32))
            let end = at + 46 + nameLen + extraLen + commentLen
            guard end <= centralDirectory.upperBound else { throw ZipFailure("central directory entry \(k) overruns the directory") }
            var entry = ZipEntry(name: Array(bytes[(at + 46)..<(at + 46 + nameLen)]), flags: UInt16(u16(at + 8)),
                                 method: UInt16(u16(at + 10)), crc: UInt32(u32(at + 16)),
                                 compressedSize: u32(at + 20), uncompressedSize: u32(at + 24), localOffset: u32(at + 42),
                                 centralRecord: at..<end, offsetField: (at + 42, 4), localRecord: 0..<0, data: 0..<0)
            var zip64Sizes = false
            if entry.uncompressedSize == 0xFFFF_FFFF || entry.compressedSize == 0xFFFF_FFFF || entry.localOffset == 0xFFFF_FFFF {
                try readZip64Extra(&entry, extra: (at + 46 + nameLen)..<(at + 46 + nameLen + extraLen), index: k)
                zip64Sizes = u32(at + 20) == 0xFFFF_FFFF || u32(at + 24) == 0xFFFF_FFFF
            }
            try locateLocal(&entry, zip64: zip64Sizes, index: k)
            entries.append(entry)
            at = end
        }

        // Members may not overlap each other or the central directory (a classic ZIP bomb).
        let sorted = entries.map(\.localRecord).sorted { $0.lowerBound < $1.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.upperBound > b.lowerBound {
            throw ZipFailure("members overlap at offset \(b.lowerBound) (possible ZIP bomb)")
        }
    }

    /// Reads the ZIP64 extended information extra field (id 1) of a central record.
    private func readZip64Extra(_ e: inout ZipEntry, extra: Range<Int>, index k: Int) throws(ZipFailure) {
        var p = extra.lowerBound
        while p + 4 <= extra.upperBound {
            let id = u16(p), size = Int(u16(p + 2))
            guard p + 4 + size <= extra.upperBound else { break }
            if id == 1 {
                var q = p + 4
                func next() throws(ZipFailure) -> (UInt64, Int) {
                    guard q + 8 <= p + 4 + size else { throw ZipFailure("ZIP64 field of entry \(k) is too short") }
                    defer { q += 8 }
                    return (u64(q), q)
                }
                if e.uncompressedSize == 0xFFFF_FFFF { e.uncompressedSize = try next().0 }
                if e.compressedSize == 0xFFFF_FFFF { e.compressedSize = try next().0 }
                if e.localOffset == 0xFFFF_FFFF {
                    let (v, field) = try next()
                    e.localOffset = v
                    e.offsetField = (field, 8)
                }
                return
            }
            p += 4 + size
        }
        throw ZipFailure("entry \(k) needs a ZIP64 field but has none")
    }

    /// Finds the local header, data and data descriptor of `e` and checks they lie before the
    /// central directory.
    private func locateLocal(_ e: inout ZipEntry, zip64: Bool, index k: Int) throws(ZipFailure) {
        let limit = UInt64(centralDirectory.lowerBound)
        guard e.localOffset <= limit, limit - e.localOffset >= 30, u32(Int(e.localOffset)) == Self.localSig else {
            throw ZipFailure("local header of entry \(k) is missing or out of range")
        }
        let l = Int(e.localOffset)
        let dataStart = l + 30 + Int(u16(l + 26)) + Int(u16(l + 28))
        guard UInt64(dataStart) <= limit, e.compressedSize <= limit - UInt64(dataStart) else {
            throw ZipFailure("data of entry \(k) runs past the central directory (truncated?)")
        }
        let dataEnd = dataStart + Int(e.compressedSize)
        var end = dataEnd
        if e.flags & 0x8 != 0 {
            // Data descriptor: optional signature, CRC, then 4- or 8-byte sizes.
            let sizes = zip64 ? 16 : 8
            end += (dataEnd + 4 <= Int(limit) && u32(dataEnd) == Self.descriptorSig ? 4 : 0) + 4 + sizes
            guard end <= Int(limit) else { throw ZipFailure("data descriptor of entry \(k) runs past the central directory") }
        }
        e.data = dataStart..<dataEnd
        e.localRecord = l..<end
    }
}
