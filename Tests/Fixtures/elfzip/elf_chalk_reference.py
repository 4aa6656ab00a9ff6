#!/usr/bin/env python3
"""Independent reference of spec/mark-format.md section 3.1 (Chalk's ELF chalk section edits),
written from the spec for the ELF codec tests. Usage:
  elf_chalk_reference.py hash FILE              -> prints HASH (hex), or "raw:<hex>" on fallback
  elf_chalk_reference.py mark FILE MARK OUT     -> writes FILE with MARK's bytes as .chalk.mark
  elf_chalk_reference.py delete FILE OUT        -> writes the canonical .chalk.free form
"""
import hashlib, struct, sys

def pad8(x):
    return (8 - x % 8) % 8

class Bad(Exception):
    pass

def parse(b):
    n = len(b)
    if n <= 64 or b[:4] != b"\x7fELF" or b[4] != 2 or b[5] != 1 or b[0x14:0x18] != b"\x01\0\0\0":
        raise Bad("header")
    if struct.unpack_from("<H", b, 0x10)[0] not in (1, 2, 3):
        raise Bad("type")
    phoff, shoff = struct.unpack_from("<QQ", b, 0x20)
    phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from("<HHHHH", b, 0x36)
    if shstrndx == 0 or shstrndx >= 0xFF00 or shstrndx >= shnum:
        raise Bad("shstrndx")
    ranges = [(0, 64)]
    if phoff < 64 or phoff > n or phentsize != 56 or phnum in (0, 0xFFFF) or phoff + 56 * phnum > n:
        raise Bad("ph")
    ranges.append((phoff, phoff + 56 * phnum))
    for i in range(phnum):
        off, filesz = struct.unpack_from("<Q", b, phoff + 56 * i + 8)[0], struct.unpack_from("<Q", b, phoff + 56 * i + 32)[0]
        if off > n or off + filesz > n:
            raise Bad("segment")
        if filesz:
            ranges.append((off, off + filesz))
    if shoff < 64 or shoff > n or shentsize != 64 or shoff + 64 * shnum > n:
        raise Bad("sh")
    ranges.append((shoff, shoff + 64 * shnum))
    secs = []
    for i in range(shnum):
        h = shoff + 64 * i
        name, typ = struct.unpack_from("<II", b, h)
        addr, off, size = struct.unpack_from("<QQQ", b, h + 16)
        if off > n:
            raise Bad("section offset")
        if typ != 8:
            if off + size > n:
                raise Bad("section")
            if size:
                ranges.append((off, off + size))
        secs.append(dict(hdr=h, name_idx=name, type=typ, addr=addr, off=off, size=size))
    st = secs[shstrndx]
    if st["type"] == 8:
        raise Bad("strtab nobits")
    names = b[st["off"]: st["off"] + st["size"] + 1]
    chalk = None
    for i, s in enumerate(secs):
        if s["name_idx"] >= len(names):
            raise Bad("name index")
        s["name"] = names[s["name_idx"]:].split(b"\0")[0]
        if chalk is None and s["type"] == 1 and s["name"] in (b".chalk.mark", b".chalk.free"):
            chalk = i
    return dict(shoff=shoff, shnum=shnum, shstrndx=shstrndx, secs=secs, ranges=ranges, chalk=chalk)

def count_after(e, n, o):
    return sum(1 for (s, t) in e["ranges"] if s < n and t > o)

def put(b, at, fmt, v):
    struct.pack_into(fmt, b, at, v)

def insert(b, name, data):
    e = parse(bytes(b))
    n = len(b)
    st = e["secs"][e["shstrndx"]]
    if st["addr"] != 0 or e["shnum"] >= 0xFEFF:
        raise Bad("insert preconditions")
    if count_after(e, n, e["shoff"]) == 1:
        t = st["off"] if count_after(e, n, st["off"]) == 2 else e["shoff"]
    elif count_after(e, n, st["off"]) == 1:
        t = st["off"]
    else:
        t = n
    chalk_off = t + pad8(t)
    strtab = bytes(b[st["off"]: st["off"] + st["size"]])
    new_st_off = chalk_off + len(data) + pad8(chalk_off + len(data))
    new_strtab = strtab + name + b"\0"
    put(b, st["hdr"] + 0x18, "<Q", new_st_off)
    put(b, st["hdr"] + 0x20, "<Q", len(new_strtab))
    table = bytearray(b[e["shoff"]: e["shoff"] + 64 * e["shnum"]])
    put(b, st["hdr"] + 0x18, "<Q", st["off"])  # quirk: size stays new in the old table
    new_shoff = new_st_off + len(new_strtab) + pad8(new_st_off + len(new_strtab))
    put(b, 0x28, "<Q", new_shoff)
    put(b, 0x3C, "<H", e["shnum"] + 1)
    hdr = bytearray(64)
    put(hdr, 0, "<I", len(strtab))
    put(hdr, 4, "<I", 1)
    put(hdr, 0x18, "<Q", chalk_off)
    put(hdr, 0x20, "<Q", len(data))
    if e["shstrndx"] + 1 == e["shnum"]:
        put(b, 0x3E, "<H", e["shstrndx"] + 1)
        table = table[:-64] + hdr + table[-64:]
    else:
        table = table + hdr
    out = bytes(b[:t]) + bytes(chalk_off - t) + data
    out += bytes(new_st_off - len(out)) + new_strtab
    out += bytes(new_shoff - len(out)) + bytes(table)
    parse(out)
    return bytearray(out)

def set_section(b, name, data):
    e = parse(bytes(b))
    n = len(b)
    c = e["secs"][e["chalk"]]
    st = e["secs"][e["shstrndx"]]
    if (count_after(e, n, e["shoff"]), count_after(e, n, st["off"]), count_after(e, n, c["off"])) != (1, 2, 3):
        raise Bad("unexpected ELF structure")
    put(b, c["hdr"] + 0x20, "<Q", len(data))
    strtab = bytearray(b[st["off"]: st["off"] + st["size"]])
    strtab[c["name_idx"]: c["name_idx"] + len(name)] = name
    new_st_off = c["off"] + len(data) + pad8(c["off"] + len(data))
    put(b, st["hdr"] + 0x18, "<Q", new_st_off)
    rest = bytes(b[e["shoff"]:])
    new_shoff = new_st_off + st["size"] + pad8(new_st_off + st["size"])
    put(b, 0x28, "<Q", new_shoff)
    out = bytes(b[: c["off"]]) + data
    out += bytes(new_st_off - len(out)) + bytes(strtab)
    out += bytes(new_shoff - len(out)) + rest
    parse(out)
    return bytearray(out)

def insert_or_set(b, name, data):
    return insert(b, name, data) if parse(bytes(b))["chalk"] is None else set_section(b, name, data)

def unchalk(b):
    b = insert_or_set(bytearray(b), b".chalk.free", bytes(32))
    off = parse(bytes(b))["secs"][parse(bytes(b))["chalk"]]["off"]
    h = hashlib.sha256(bytes(b[:off]) + bytes(b[off + 32:])).digest()
    b[off: off + 32] = h
    return b, h

if __name__ == "__main__":
    cmd, path = sys.argv[1], sys.argv[2]
    raw = open(path, "rb").read()
    if cmd == "hash":
        try:
            print(unchalk(bytearray(raw))[1].hex())
        except Exception:
            print("raw:" + hashlib.sha256(raw).hexdigest())
    elif cmd == "mark":
        out = insert_or_set(bytearray(raw), b".chalk.mark", open(sys.argv[3], "rb").read())
        open(sys.argv[4], "wb").write(out)
    elif cmd == "delete":
        open(sys.argv[3], "wb").write(unchalk(bytearray(raw))[0])
