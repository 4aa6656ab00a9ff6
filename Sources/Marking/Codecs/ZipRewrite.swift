/// A file to add to an archive.
struct ZipNewMember: Sendable {
    var name: [UInt8]
    var content: [UInt8]
}

extension ZipArchive {
    /// The archive with the members at `removing` taken out and `appending` (if any) added as
    /// the last member. Every other member keeps its bytes (local header, compressed data, data
    /// descriptor, central record) and its order; only local-header offsets in central records
    /// and the end records change. Removing a member this codec appended therefore gives back
    /// the original archive byte for byte.
    func rewritten(removing: Set<Int>, appending: ZipNewMember?) throws(ZipFailure) -> [UInt8] {
        let cuts = removing.map { entries[$0].localRecord }.sorted { $0.lowerBound < $1.lowerBound }
        func shifted(_ offset: UInt64) -> UInt64 {
            var s: UInt64 = 0
            for c in cuts where UInt64(c.lowerBound) < offset { s += UInt64(c.count) }
            return offset - s
        }

        var out = [UInt8]()
        out.reserveCapacity(bytes.count + (appending?.content.count ?? 0) + 256)
        var at = 0
        for c in cuts {
            out += bytes[at..<c.lowerBound]
            at = c.upperBound
        }
        out += bytes[at..<centralDirectory.lowerBound]

        var newCentral: [UInt8]?
        if let m = appending {
            let (local, central) = try Self.records(for: m, localOffset: UInt64(out.count))
            out += local
            newCentral = central
        }

        let cdStart = out.count
        var count: UInt64 = 0
        for (i, e) in entries.enumerated() where !removing.contains(i) {
            var rec = Array(bytes[e.centralRecord])
            let newOffset = shifted(e.localOffset)
            if e.offsetField.width == 4 && newOffset >= 0xFFFF_FFFF {
                throw ZipFailure(.unsupported, "rewriting would need ZIP64 offsets for entry \(i)")
            }
            Self.put(&rec, e.offsetField.at - e.centralRecord.lowerBound, e.offsetField.width, newOffset)
            out += rec
            count += 1
        }
        if let c = newCentral { out += c; count += 1 }
        let cdSize = UInt64(out.count - cdStart)

        if let r = zip64Record, let l = zip64Locator {
            var rec = Array(bytes[r])
            Self.put(&rec, 24, 8, count)
            Self.put(&rec, 32, 8, count)
            Self.put(&rec, 40, 8, cdSize)
            Self.put(&rec, 48, 8, UInt64(cdStart))
            var loc = Array(bytes[l])
            Self.put(&loc, 8, 8, UInt64(out.count))
            out += rec
            out += loc
        }
        var end = Array(bytes[endRecord])
        let hasZip64 = zip64Record != nil
        func patch(_ field: Int, _ width: Int, _ value: UInt64) throws(ZipFailure) {
            let marker: UInt64 = width == 2 ? 0xFFFF : 0xFFFF_FFFF
            let old = width == 2 ? u16(endRecord.lowerBound + field) : u32(endRecord.lowerBound + field)
            if hasZip64 && (old == marker || value >= marker) { Self.put(&end, field, width, marker); return }
            guard value < marker else { throw ZipFailure(.unsupported, "rewriting would need a ZIP64 end record") }
            Self.put(&end, field, width, value)
        }
        try patch(8, 2, count)
        try patch(10, 2, count)
        try patch(12, 4, cdSize)
        try patch(16, 4, UInt64(cdStart))
        out += end
        return out
    }

    /// Local and central records of a new member (deflated unless that doesn't shrink it),
    /// dated 1980-01-01 00:00 so re-inserting the same mark gives the same bytes.
    static func records(for m: ZipNewMember, localOffset: UInt64) throws(ZipFailure) -> (local: [UInt8], central: [UInt8]) {
        guard m.content.count < 0xFFFF_FFFF, localOffset < 0xFFFF_FFFF, m.name.count <= 0xFFFF else {
            throw ZipFailure(.unsupported, "a new member past 4 GiB would need ZIP64")
        }
        let deflated = try ZipDeflate.deflate(m.content)
        let stored = deflated.count >= m.content.count
        let data = stored ? m.content : deflated
        let crc = m.content.withUnsafeBytes { ZipDeflate.crc32($0) }
        let method: UInt64 = stored ? 0 : 8
        let dosDate: UInt64 = 0x0021, dosTime: UInt64 = 0

        var local = [UInt8](repeating: 0, count: 30)
        put(&local, 0, 4, UInt64(localSig)); put(&local, 4, 2, 20); put(&local, 8, 2, method)
        put(&local, 10, 2, dosTime); put(&local, 12, 2, dosDate); put(&local, 14, 4, UInt64(crc))
        put(&local, 18, 4, UInt64(data.count)); put(&local, 22, 4, UInt64(m.content.count))
        put(&local, 26, 2, UInt64(m.name.count))
        local += m.name
        local += data

        var central = [UInt8](repeating: 0, count: 46)
        put(&central, 0, 4, UInt64(centralSig)); put(&central, 4, 2, 0x0314); put(&central, 6, 2, 20)
        put(&central, 10, 2, method); put(&central, 12, 2, dosTime); put(&central, 14, 2, dosDate)
        put(&central, 16, 4, UInt64(crc)); put(&central, 20, 4, UInt64(data.count))
        put(&central, 24, 4, UInt64(m.content.count)); put(&central, 28, 2, UInt64(m.name.count))
        put(&central, 38, 4, 0o100644 << 16)  // regular file, rw-r--r--
        put(&central, 42, 4, localOffset)
        central += m.name
        return (local, central)
    }

    static func put(_ b: inout [UInt8], _ at: Int, _ width: Int, _ v: UInt64) {
        for k in 0..<width { b[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
    }
}
