import CZlib

/// The zip codec as a nested delete subscan uses it: it claims what `ZipCodec` claims, and
/// its delete gives the archive's normalized form, `ZipCanonicalArchive` of the members in
/// their deleted form minus the root `chalk.json`/`chalk`.
///
/// Chalk re-zips a nested archive with zippy, whose bytes (entry order, timestamps, deflate
/// output) can't be reproduced here, so the HASH of an archive holding archives differs from
/// Chalk's. The canonical form only depends on the nested archive's normalized content, so the
/// HASH stays the same when nested items are marked, unmarked or re-compressed.
struct ZipNestedCodec: Codec {
    let name = "zip"
    /// The normalizer of the archive that holds the one being scanned.
    let container: ZipNestedNormalizer

    func scan(_ input: ArtifactInput, operation: OperationKind) throws(MarkingError) -> CodecScan? {
        guard let ext = input.fileExtension, ZipCodec.extensions.contains(ext) else { return nil }
        guard input.bytes.count >= 2, input.bytes[0] == 0x50, input.bytes[1] == 0x4B else { return nil }
        // Deeper archives stay as stored: a ZIP quine would otherwise never end.
        guard container.depth < container.limits.maxNestingDepth else { return nil }
        do {
            let contents = try ZipContents(try ZipArchive(input.bytes), limits: container.limits)
            try container.budget.charge(contents.totalUncompressed)
        } catch {
            // A bomb is the whole archive's problem; a damaged nested archive is left as it is.
            if error.code == .tooLarge { throw MarkingError(.tooLarge, path: input.path, "zip: \(error.message)") }
            return nil
        }
        return CodecScan(artifactType: ZipCodec.artifactType(forExtension: ext))
    }

    func mightClaim(head: ArtifactInput, fileSize: Int, operation: OperationKind) -> Bool {
        ZipCodec().mightClaim(head: head, fileSize: fileSize, operation: operation)
    }

    /// Only delete (a nil mark) is supported: it renders the normalized archive.
    func render(_ input: ArtifactInput, scan: CodecScan, mark: [UInt8]?) throws(MarkingError) -> [UInt8] {
        guard mark == nil else { throw MarkingError(.unsupported, path: input.path, "zip: nested archives are only normalized") }
        do {
            let contents = try ZipContents(try ZipArchive(input.bytes), limits: container.limits)
            return try ZipCanonicalArchive.render(try container.child(input.path).normalizedFiles(contents))
        } catch {
            throw MarkingError(error.code, path: input.path, "zip: \(error.message)")
        }
    }
}

/// A deterministic archive of the given files: in the given order, names without the leading
/// `/`, every member stored (method 0) with the DOS date 1980-01-01 00:00, mode 0644, no extra
/// fields, no comment, no ZIP64.
enum ZipCanonicalArchive {
    static func render(_ files: [(path: [UInt8], content: [UInt8])]) throws(ZipFailure) -> [UInt8] {
        guard files.count < 0xFFFF else { throw ZipFailure(.unsupported, "too many members for a canonical archive") }
        typealias Z = ZipArchive
        var out = [UInt8](), central = [UInt8]()
        for f in files {
            let name = Array(f.path.drop { $0 == 0x2F })
            let offset = UInt64(out.count), size = UInt64(f.content.count)
            guard size < 0xFFFF_FFFF, offset + size + 30 + UInt64(name.count) < 0xFFFF_FFFF, name.count <= 0xFFFF else {
                throw ZipFailure(.unsupported, "canonical archive would need ZIP64")
            }
            let crc = UInt64(f.content.withUnsafeBytes { ZipDeflate.crc32($0) })
            var local = [UInt8](repeating: 0, count: 30)
            Z.put(&local, 0, 4, UInt64(Z.localSig)); Z.put(&local, 4, 2, 20)
            Z.put(&local, 12, 2, 0x0021); Z.put(&local, 14, 4, crc)
            Z.put(&local, 18, 4, size); Z.put(&local, 22, 4, size); Z.put(&local, 26, 2, UInt64(name.count))
            out += local; out += name; out += f.content

            var rec = [UInt8](repeating: 0, count: 46)
            Z.put(&rec, 0, 4, UInt64(Z.centralSig)); Z.put(&rec, 4, 2, 0x0314); Z.put(&rec, 6, 2, 20)
            Z.put(&rec, 14, 2, 0x0021); Z.put(&rec, 16, 4, crc); Z.put(&rec, 20, 4, size); Z.put(&rec, 24, 4, size)
            Z.put(&rec, 28, 2, UInt64(name.count)); Z.put(&rec, 38, 4, 0o100644 << 16); Z.put(&rec, 42, 4, offset)
            central += rec; central += name
        }
        let cdOffset = UInt64(out.count)
        out += central
        var end = [UInt8](repeating: 0, count: 22)
        Z.put(&end, 0, 4, UInt64(Z.endSig)); Z.put(&end, 8, 2, UInt64(files.count)); Z.put(&end, 10, 2, UInt64(files.count))
        Z.put(&end, 12, 4, UInt64(central.count)); Z.put(&end, 16, 4, cdOffset)
        out += end
        return out
    }
}

extension ZipContents {
    /// The sum of the files' uncompressed sizes.
    var totalUncompressed: UInt64 { files.reduce(0) { $0 + archive.entries[$1.entry].uncompressedSize } }

    /// Entry `i`'s whole uncompressed content (size and CRC-32 checked).
    func readAll(_ i: Int) throws(ZipFailure) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Int(archive.entries[i].uncompressedSize))
        try read(i) { out.append(contentsOf: $0) }
        return out
    }

    /// Up to `count` first uncompressed bytes of entry `i`, inflating no more than needed
    /// (not CRC-checked: the full read that follows checks it).
    func readHead(_ i: Int, count: Int) throws(ZipFailure) -> [UInt8] {
        let e = archive.entries[i]
        guard e.flags & 1 == 0, e.method == 0 || e.method == 8 else { return try readAll(i) }  // read reports it
        if e.method == 0 { return Array(archive.bytes[e.data].prefix(count)) }
        var strm = z_stream()
        guard inflateInit2_(&strm, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ZipFailure(.io, "zlib inflateInit failed")
        }
        defer { inflateEnd(&strm) }
        var out = [UInt8](repeating: 0, count: count)
        var made = 0
        archive.bytes.withUnsafeBytes { all in
            out.withUnsafeMutableBytes { dst in
                let src = UnsafeRawBufferPointer(rebasing: all[e.data])
                strm.next_in = src.isEmpty ? nil
                    : UnsafeMutablePointer(mutating: src.baseAddress!.assumingMemoryBound(to: Bytef.self))
                strm.avail_in = uInt(min(src.count, 1 << 30))
                strm.next_out = dst.baseAddress!.assumingMemoryBound(to: Bytef.self)
                strm.avail_out = uInt(dst.count)
                // One call fills the head or ends the stream; an error leaves what was made
                // (the full read reports corrupt data).
                _ = CZlib.inflate(&strm, Z_SYNC_FLUSH)
                made = dst.count - Int(strm.avail_out)
            }
        }
        return Array(out[0..<made])
    }
}
