import CZlib

/// Why a ZIP archive could not be read or rewritten.
struct ZipFailure: Error, Sendable {
    var code: MarkingError.Code
    var message: String
    init(_ code: MarkingError.Code, _ message: String) { self.code = code; self.message = message }
    init(_ message: String) { self.init(.malformed, message) }
}

/// Raw deflate (no zlib/gzip wrapper, windowBits −15) and CRC-32 through zlib.
enum ZipDeflate {
    /// zlib's CRC-32 of `bytes`, continuing from `crc`.
    static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        var c = UInt(crc)
        var rest = bytes
        while !rest.isEmpty {
            let n = min(rest.count, 1 << 30)
            c = CZlib.crc32(c, rest.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt(n))
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
        }
        return UInt32(truncatingIfNeeded: c)
    }

    /// Inflates the raw-deflate stream `src`, passing the output to `sink` in chunks. The output
    /// must be exactly `expected` bytes: more is an error as soon as it appears (bounding the
    /// work a lying header can cause), fewer is an error at the end.
    static func inflate(_ src: UnsafeRawBufferPointer, expected: UInt64,
                        sink: (UnsafeRawBufferPointer) -> Void) throws(ZipFailure) {
        var strm = z_stream()
        guard inflateInit2_(&strm, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ZipFailure(.io, "zlib inflateInit failed")
        }
        defer { inflateEnd(&strm) }
        var out = [UInt8](repeating: 0, count: 1 << 16)
        var produced: UInt64 = 0
        var consumed = 0
        var finished = false
        // Array's withUnsafe… rethrow untyped errors, so the failure is carried out by hand.
        var failure: ZipFailure?
        out.withUnsafeMutableBytes { (outBuf: UnsafeMutableRawBufferPointer) in
            let outBase = outBuf.baseAddress!.assumingMemoryBound(to: Bytef.self)
            while !finished {
                let chunk = min(src.count - consumed, 1 << 30)
                strm.next_in = chunk == 0 ? nil
                    : UnsafeMutablePointer(mutating: src.baseAddress!.advanced(by: consumed).assumingMemoryBound(to: Bytef.self))
                strm.avail_in = uInt(chunk)
                strm.next_out = outBase
                strm.avail_out = uInt(outBuf.count)
                let rc = CZlib.inflate(&strm, Z_NO_FLUSH)
                let inUsed = chunk - Int(strm.avail_in)
                let outMade = outBuf.count - Int(strm.avail_out)
                consumed += inUsed
                switch rc {
                case Z_STREAM_END: finished = true
                case Z_OK: break
                case Z_BUF_ERROR: break
                default: failure = ZipFailure("compressed data is corrupt (zlib error \(rc))"); return
                }
                if outMade > 0 {
                    produced += UInt64(outMade)
                    guard produced <= expected else {
                        failure = ZipFailure("inflates to more than its declared \(expected) bytes"); return
                    }
                    sink(UnsafeRawBufferPointer(start: outBuf.baseAddress, count: outMade))
                }
                if !finished && inUsed == 0 && outMade == 0 { failure = ZipFailure("compressed data is truncated"); return }
            }
        }
        if let failure { throw failure }
        guard produced == expected else { throw ZipFailure("inflates to \(produced) bytes, declared \(expected)") }
    }

    /// Raw-deflates `bytes` (default level) in one go.
    static func deflate(_ bytes: [UInt8]) throws(ZipFailure) -> [UInt8] {
        var strm = z_stream()
        guard deflateInit2_(&strm, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY,
                            zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ZipFailure(.io, "zlib deflateInit failed")
        }
        defer { deflateEnd(&strm) }
        guard bytes.count < Int(UInt32.max / 2) else { throw ZipFailure(.tooLarge, "member too large to compress") }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&strm, uLong(bytes.count))) + 16)
        var rc: Int32 = Z_OK
        var written = 0
        bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                strm.next_in = src.isEmpty ? nil
                    : UnsafeMutablePointer(mutating: src.baseAddress!.assumingMemoryBound(to: Bytef.self))
                strm.avail_in = uInt(src.count)
                strm.next_out = dst.baseAddress!.assumingMemoryBound(to: Bytef.self)
                strm.avail_out = uInt(dst.count)
                rc = CZlib.deflate(&strm, Z_FINISH)
                written = dst.count - Int(strm.avail_out)
            }
        }
        guard rc == Z_STREAM_END else { throw ZipFailure(.io, "zlib deflate failed (\(rc))") }
        return Array(out[0..<written])
    }
}
