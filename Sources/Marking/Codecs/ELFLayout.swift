/// Why an ELF could not be parsed or edited (Chalk's wording where it has one).
struct ELFFailure: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
}

/// One section header as parsed, with where it sits in the section table.
struct ELFSection: Sendable {
    /// File offset of this header inside the section header table.
    var headerOffset: Int
    var nameIndex: UInt64
    var type: UInt32
    var addr: UInt64
    var offset: UInt64
    var size: UInt64
    /// The name as read from shstrtab (C string).
    var name: [UInt8]
}

/// The parse of an ELF64 little-endian file that Chalk's ELF codec accepts (spec §3.1), with
/// the range bookkeeping that its truncation rules count.
struct ELFLayout: Sendable {
    static let headerSize = 64
    static let shtProgbits: UInt32 = 1
    static let shtNobits: UInt32 = 8
    static let markName = Array(".chalk.mark".utf8)
    static let freeName = Array(".chalk.free".utf8)

    // ELF header field offsets.
    static let eShoff = 0x28, eShnum = 0x3C, eShstrndx = 0x3E
    // Section header field offsets.
    static let shOffset = 0x18, shSize = 0x20

    var fileSize: Int
    var shoff: Int
    var shnum: Int
    var shstrndx: Int
    var sections: [ELFSection]
    /// [start, end) of: the ELF header, the program header table, each segment with a non-zero
    /// file size, the section header table, each non-NOBITS section with a non-zero size.
    var ranges: [(start: UInt64, end: UInt64)]
    /// Index of the first PROGBITS section named `.chalk.mark` or `.chalk.free`.
    var chalkIndex: Int?
    /// The chalk section is `.chalk.free` (the canonical unmarked form).
    var hasBeenUnchalked: Bool

    var stringTable: ELFSection { sections[shstrndx] }

    /// Chalk's `intersect(o, EOF−o)` as a count: ranges that start before EOF and end after `o`.
    func intersectCount(_ o: UInt64) -> Int {
        let eof = UInt64(fileSize)
        return ranges.reduce(0) { $0 + ($1.start < eof && $1.end > o ? 1 : 0) }
    }

    /// Parses `image`, or throws why Chalk's ELF codec would decline it. Every offset is checked
    /// against the image length before it is read. `image` is the file in memory (`ELFImage`)
    /// or a file read on demand (`ELFFilePages`, for reading only the mark).
    init<Image: ELFByteSource>(_ image: Image) throws(ELFFailure) {
        let n = image.count
        let size = UInt64(n)
        guard n > ELFLayout.headerSize else { throw ELFFailure("failed to read enough data for ELF header") }
        func u(_ at: Int, _ w: Int) throws(ELFFailure) -> UInt64 {
            guard let v = image.uint(at: at, width: w) else { throw ELFFailure("read beyond EOF at 0x\(String(at, radix: 16))") }
            return v
        }
        guard try u(0, 4) == 0x464C_457F else { throw ELFFailure("incorrect ELF magic bytes") }
        guard image.byte(4) == 2 else { throw ELFFailure("only ELF 64-bit is supported") }
        guard image.byte(5) == 1 else { throw ELFFailure("only little-endian is supported") }
        guard try u(0x14, 4) == 1 else { throw ELFFailure("only ELF version 1 is supported") }
        guard (1...3).contains(try u(0x10, 2)) else { throw ELFFailure("not an executable, shared object or relocatable file") }
        var ranges: [(start: UInt64, end: UInt64)] = [(0, UInt64(ELFLayout.headerSize))]
        let shnum = Int(try u(ELFLayout.eShnum, 2))
        let shstrndx = Int(try u(ELFLayout.eShstrndx, 2))
        guard shstrndx != 0 else { throw ELFFailure("unimplemented: missing shstrtab") }
        guard shstrndx < 0xFF00 else { throw ELFFailure("unimplemented: shstrtab uses sh_link") }
        guard shstrndx < shnum else { throw ELFFailure("section header table or entry beyond EOF") }

        // Program header table. Table sizes are computed in 16 bits, as Chalk does.
        let phoff = try u(0x20, 8)
        guard phoff >= UInt64(ELFLayout.headerSize) else { throw ELFFailure("missing program header table") }
        guard phoff <= size else { throw ELFFailure("program header table or entry beyond EOF") }
        guard try u(0x36, 2) == 56 else { throw ELFFailure("program header too small") }
        let phnum = try u(0x38, 2)
        guard phnum != 0xFFFF else { throw ELFFailure("unimplemented: support for PN_XNUM") }
        let phTableSize = (56 * phnum) & 0xFFFF
        guard phTableSize >= 56 else { throw ELFFailure("invalid size/count field") }
        guard phTableSize <= size, phoff + phTableSize <= size else { throw ELFFailure("program header table or entry beyond EOF") }
        ranges.append((phoff, phoff + phTableSize))
        var at = phoff
        while at < phoff + phTableSize {
            let p = Int(at)
            let off = try u(p + 8, 8), filesz = try u(p + 0x20, 8)
            guard off <= size, filesz <= size, off + filesz <= size else { throw ELFFailure("program header table or entry beyond EOF") }
            if filesz > 0 { ranges.append((off, off + filesz)) }
            at += 56
        }

        // Section header table.
        let shoff = try u(ELFLayout.eShoff, 8)
        guard shoff <= size, shoff >= UInt64(ELFLayout.headerSize) else { throw ELFFailure("section header table or entry beyond EOF") }
        guard try u(0x3A, 2) == 64 else { throw ELFFailure("section header too small") }
        let shTableSize = (64 * UInt64(shnum)) & 0xFFFF
        guard shTableSize >= 64 else { throw ELFFailure("invalid size/count field") }
        guard shTableSize <= size, shoff + shTableSize <= size else { throw ELFFailure("section header table or entry beyond EOF") }
        ranges.append((shoff, shoff + shTableSize))
        var sections = [ELFSection]()
        at = shoff
        while at < shoff + shTableSize {
            let h = Int(at)
            let s = ELFSection(headerOffset: h, nameIndex: try u(h, 4), type: UInt32(try u(h + 4, 4)),
                               addr: try u(h + 0x10, 8), offset: try u(h + 0x18, 8), size: try u(h + 0x20, 8), name: [])
            guard s.offset <= size else { throw ELFFailure("section \(sections.count) offset beyond EOF") }
            if s.type != ELFLayout.shtNobits {
                guard s.size <= size, s.offset + s.size <= size else { throw ELFFailure("section \(sections.count) beyond EOF") }
                if s.size > 0 { ranges.append((s.offset, s.offset + s.size)) }
            }
            sections.append(s)
            at += 64
        }
        guard shstrndx < sections.count else { throw ELFFailure("section header table or entry beyond EOF") }
        let strtab = sections[shstrndx]
        guard strtab.type != ELFLayout.shtNobits else { throw ELFFailure("string section type is invalid (NOBITS)") }
        // Chalk slices shstrtab inclusively ([offset .. offset+size]), so a name may start at
        // index == size; that extra byte is read only when it lies inside the file.
        let strStart = Int(strtab.offset)
        let strLen = min(Int(strtab.size) + 1, n - strStart)
        guard strLen > 0 else { throw ELFFailure("section name index beyond sizeof strtab") }
        let names = image.bytes(strStart..<(strStart + strLen))
        var chalkIndex: Int?
        var unchalked = false
        for i in sections.indices {
            let idx = sections[i].nameIndex
            guard idx < UInt64(strLen) else { throw ELFFailure("section name index beyond sizeof strtab") }
            let from = Int(idx)
            let end = names[from...].firstIndex(of: 0) ?? strLen
            sections[i].name = Array(names[from..<end])
            if chalkIndex == nil, sections[i].type == ELFLayout.shtProgbits {
                if sections[i].name == ELFLayout.markName { chalkIndex = i }
                if sections[i].name == ELFLayout.freeName { chalkIndex = i; unchalked = true }
            }
        }
        self.fileSize = n
        self.shoff = Int(shoff)
        self.shnum = shnum
        self.shstrndx = shstrndx
        self.sections = sections
        self.ranges = ranges
        self.chalkIndex = chalkIndex
        self.hasBeenUnchalked = unchalked
    }
}
