/// Chalk's edits of the `.chalk.mark` / `.chalk.free` section, byte for byte as spec §3.1
/// (`insertChalkSection`, `setChalkSection`, `unchalk` in Chalk's `elf.nim`), quirks included.
struct ELFChalkEditor {
    private(set) var image: ELFImage
    private(set) var layout: ELFLayout

    init(_ bytes: [UInt8]) throws(ELFFailure) {
        image = ELFImage(bytes)
        layout = try ELFLayout(image)
    }

    /// `(8 − (x mod 8)) mod 8`: padding that 8-aligns `x`.
    static func pad8(_ x: Int) -> Int { (8 - (x & 7)) & 7 }

    /// Inserts the section when the file has none, replaces it otherwise.
    mutating func insertOrSet(name: [UInt8], data: [UInt8]) throws(ELFFailure) {
        if layout.chalkIndex == nil { try insert(name: name, data: data) } else { try set(name: name, data: data) }
    }

    /// `insertChalkSection`: a new PROGBITS section after the truncation offset T, followed by
    /// the moved shstrtab (with the new name appended) and the moved section header table.
    mutating func insert(name: [UInt8], data: [UInt8]) throws(ELFFailure) {
        let strtab = layout.stringTable
        guard strtab.addr == 0 else { throw ELFFailure("unsupported: string section has address") }
        guard layout.shnum < 0xFF00 - 1 else { throw ELFFailure("unimplemented: section count hit SHN_LORESERVE") }
        let eof = image.count
        let strOff = Int(strtab.offset), strSize = Int(strtab.size)
        let tableCount = layout.shnum
        let tableSize = (64 * tableCount) & 0xFFFF

        // T: cut off the old shstrtab and/or table when they are the last things in the file.
        var t = eof
        if layout.intersectCount(UInt64(layout.shoff)) == 1 {
            t = layout.intersectCount(UInt64(strOff)) == 2 ? strOff : layout.shoff
        } else if layout.intersectCount(UInt64(strOff)) == 1 {
            t = strOff
        }
        // The ELF header is patched below; a T inside it would lose the patches.
        guard t >= ELFLayout.headerSize else { throw ELFFailure("unexpected ELF structure (truncation inside the ELF header)") }

        let chalkPad = Self.pad8(t)
        let chalkOff = t + chalkPad
        var tail = [UInt8](repeating: 0, count: chalkPad)
        tail += data

        let oldStrtab = image.bytes(strOff..<(strOff + strSize))
        let strPad = Self.pad8(chalkOff + data.count)
        let newStrOff = chalkOff + data.count + strPad
        let nameIndex = strSize
        let newStrSize = strSize + name.count + 1
        tail += [UInt8](repeating: 0, count: strPad)
        tail += oldStrtab
        tail += name
        tail.append(0)

        // Patch the shstrtab header, copy the table, then put the old offset back into the old
        // table. [quirk] The old table keeps the new sh_size.
        image.writeUInt(UInt64(newStrOff), at: strtab.headerOffset + ELFLayout.shOffset, width: 8)
        image.writeUInt(UInt64(newStrSize), at: strtab.headerOffset + ELFLayout.shSize, width: 8)
        guard layout.shoff + tableSize <= image.count else { throw ELFFailure("section header table beyond EOF") }
        var table = image.bytes(layout.shoff..<(layout.shoff + tableSize))
        image.writeUInt(UInt64(strOff), at: strtab.headerOffset + ELFLayout.shOffset, width: 8)

        let tablePad = Self.pad8(newStrOff + newStrSize)
        let newShoff = newStrOff + newStrSize + tablePad
        image.writeUInt(UInt64(newShoff), at: ELFLayout.eShoff, width: 8)
        image.writeUInt(UInt64(tableCount + 1), at: ELFLayout.eShnum, width: 2)

        var header = [UInt8](repeating: 0, count: 64)
        func put(_ v: UInt64, _ at: Int, _ w: Int) { for k in 0..<w { header[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) } }
        put(UInt64(nameIndex), 0, 4)
        put(UInt64(ELFLayout.shtProgbits), 4, 4)
        put(UInt64(chalkOff), ELFLayout.shOffset, 8)
        put(UInt64(data.count), ELFLayout.shSize, 8)
        if layout.shstrndx + 1 == tableCount {
            // shstrtab's header is the last one: the new header goes just before it.
            image.writeUInt(UInt64(layout.shstrndx + 1), at: ELFLayout.eShstrndx, width: 2)
            table.insert(contentsOf: header, at: table.count - 64)
        } else {
            table += header
        }
        tail += [UInt8](repeating: 0, count: tablePad)
        tail += table

        image.replace(from: t, with: tail)
        layout = try ELFLayout(image)
    }

    /// `setChalkSection`: rewrites the existing chalk section in place (same data offset),
    /// renaming it, and moves shstrtab and the table after it. Requires the file to end with
    /// chalk section → shstrtab → section header table.
    mutating func set(name: [UInt8], data: [UInt8]) throws(ELFFailure) {
        guard let ci = layout.chalkIndex else { throw ELFFailure("setChalkSection(): no chalk section present") }
        let chalk = layout.sections[ci]
        guard chalk.name.count == name.count else { throw ELFFailure("setChalkSection(): invalid name length") }
        let strtab = layout.stringTable
        let chalkOff = Int(chalk.offset), strOff = Int(strtab.offset), strSize = Int(strtab.size)
        guard layout.intersectCount(UInt64(layout.shoff)) == 1, layout.intersectCount(UInt64(strOff)) == 2,
              layout.intersectCount(UInt64(chalkOff)) == 3
        else { throw ELFFailure("setChalkSection(): unexpected ELF structure") }
        guard chalkOff >= ELFLayout.headerSize, Int(chalk.nameIndex) + name.count <= strSize
        else { throw ELFFailure("setChalkSection(): unexpected ELF structure") }

        image.writeUInt(UInt64(data.count), at: chalk.headerOffset + ELFLayout.shSize, width: 8)
        var strData = image.bytes(strOff..<(strOff + strSize))
        strData.replaceSubrange(Int(chalk.nameIndex)..<(Int(chalk.nameIndex) + name.count), with: name)
        let strPad = Self.pad8(chalkOff + data.count)
        let newStrOff = chalkOff + data.count + strPad
        image.writeUInt(UInt64(newStrOff), at: strtab.headerOffset + ELFLayout.shOffset, width: 8)
        let tableThroughEOF = image.bytes(layout.shoff..<image.count)
        let tablePad = Self.pad8(newStrOff + strSize)
        let newShoff = newStrOff + strSize + tablePad
        image.writeUInt(UInt64(newShoff), at: ELFLayout.eShoff, width: 8)

        var tail = data
        tail += [UInt8](repeating: 0, count: strPad)
        tail += strData
        tail += [UInt8](repeating: 0, count: tablePad)
        tail += tableThroughEOF
        image.replace(from: chalkOff, with: tail)
        layout = try ELFLayout(image)
    }

    /// `unchalk`: the canonical form. A `.chalk.free` section whose 32 bytes hold the SHA-256 of
    /// the whole file except those bytes. Returns that digest (HASH is its hex).
    @discardableResult
    mutating func unchalk() throws(ELFFailure) -> [UInt8] {
        try insertOrSet(name: ELFLayout.freeName, data: [UInt8](repeating: 0, count: 32))
        guard let ci = layout.chalkIndex else { throw ELFFailure("no chalk section after unchalk") }
        let off = Int(layout.sections[ci].offset)
        guard off + 32 <= image.count else { throw ELFFailure("chalk section beyond EOF after unchalk") }
        var sha = SHA256()
        image.forEachRun(skipping: off..<(off + 32)) { sha.update($0) }
        let digest = sha.finalize()
        image.write(digest, at: off)
        return digest
    }
}
