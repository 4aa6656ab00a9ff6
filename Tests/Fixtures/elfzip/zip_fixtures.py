#!/usr/bin/env python3
"""ZIP fixtures and independent checks for the ZIP codec tests (Python's zipfile, written
from scratch for this project). Usage:
  zip_fixtures.py make KIND OUT        build fixture KIND (see KINDS) at OUT
  zip_fixtures.py treehash FILE        spec 3.4 tree hash: prints "<without chalk.json/chalk> <all>"
  zip_fixtures.py members FILE         JSON list of [name, sha256 of content, compress_type] in order
  zip_fixtures.py read FILE NAME       writes member NAME's bytes to stdout
"""
import hashlib, io, json, os, sys, zipfile

def basic(z):
    z.writestr("README.md", "# sample\nA small archive for chalk's ZIP codec tests.\n")
    z.writestr("docs/", "")
    z.writestr("docs/guide.txt", "guide " * 500, compress_type=zipfile.ZIP_DEFLATED)
    z.writestr("docs/raw.bin", bytes(range(256)) * 4, compress_type=zipfile.ZIP_STORED)
    z.writestr("empty.txt", b"")
    z.writestr("a/b/c/deep.txt", "deep\n")
    z.writestr("a.txt", "sorts after a/ by bytes\n")
    z.writestr("caf\u00e9.txt", "unicode name\n")
    z.writestr("chalk.json.bak", "not the mark\n")

def jar(z):
    z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nMain-Class: Hello\r\n\r\n")
    z.writestr("Hello.class", bytes([0xCA, 0xFE, 0xBA, 0xBE]) + os.urandom(0) + b"\x00" * 60)
    z.writestr("com/example/Util.class", b"\xca\xfe\xba\xbe" + b"util" * 40)

def with_comment(z):
    basic(z)
    z.comment = b"archive comment kept verbatim"

def zip64(z):
    # Real ZIP64 structures without gigabytes: lower zipfile's limits while writing, so sizes
    # and offsets go into ZIP64 extra fields and a ZIP64 end record + locator are written.
    old = zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT
    zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 64, 1
    try:
        for i in range(3):
            z.writestr("big%d.txt" % i, ("zip64 member %d\n" % i) * 100)
        z.close()
    finally:
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = old

def premarked(z):
    # A mark in the middle of the archive, as a re-zipping tool would leave it.
    z.writestr("first.txt", "first\n")
    z.writestr("chalk.json", '{ "MAGIC" : "dadfedabbadabbed", "CHALK_ID" : "PREVIOUS" }')
    z.writestr("last.txt", "last\n" * 50)

def duplicates(z):
    z.writestr("dup.txt", "first version\n")
    z.writestr("other.txt", "other\n")
    z.writestr("dup.txt", "second version wins\n")

def empty_archive(z):
    pass

def bzip2(z):
    z.writestr("b.txt", "bzip2 " * 100, compress_type=zipfile.ZIP_BZIP2)

def bomb(z):
    with z.open("zeros.bin", "w") as f:
        chunk = bytes(1 << 20)
        for _ in range(40):
            f.write(chunk)

KINDS = dict(basic=basic, jar=jar, comment=with_comment, zip64=zip64, premarked=premarked,
             duplicates=duplicates, empty=empty_archive, bzip2=bzip2, bomb=bomb)

def make(kind, out):
    if kind in ("descriptor", "premarked-streamed"):
        # Written to an unseekable stream, so every member gets a data descriptor.
        class Unseekable(io.RawIOBase):
            def __init__(self, f): self.f = f
            def writable(self): return True
            def write(self, b): return self.f.write(b)
        with open(out, "wb") as raw:
            with zipfile.ZipFile(Unseekable(raw), "w", zipfile.ZIP_DEFLATED) as z:
                (basic if kind == "descriptor" else premarked)(z)
        return
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        KINDS[kind](z)

def treehash(path):
    z = zipfile.ZipFile(path)
    files = {}
    for i in z.infolist():
        if i.is_dir():
            continue
        files["/" + i.filename] = z.read(i)
    def digest(fs):
        h = hashlib.sha256()
        h.update(str(len(fs)).encode())
        for name in sorted(fs, key=lambda s: s.encode()):
            n = name.encode()
            h.update(str(len(n)).encode()); h.update(n)
            h.update(str(len(fs[name])).encode()); h.update(fs[name])
        return h.hexdigest()
    without = {k: v for k, v in files.items() if k not in ("/chalk.json", "/chalk")}
    print(digest(without), digest(files))

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "make":
        make(sys.argv[2], sys.argv[3])
    elif cmd == "treehash":
        treehash(sys.argv[2])
    elif cmd == "members":
        z = zipfile.ZipFile(sys.argv[2])
        print(json.dumps([[i.filename, hashlib.sha256(z.read(i)).hexdigest(), i.compress_type] for i in z.infolist()]))
    elif cmd == "read":
        sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[2]).read(sys.argv[3]))
