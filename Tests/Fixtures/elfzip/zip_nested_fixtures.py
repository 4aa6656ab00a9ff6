#!/usr/bin/env python3
"""Independent ZIP helpers for the nested-normalization tests (ZipNestedTests.swift).

  zip_nested_fixtures.py build OUT SPEC       archive from SPEC: JSON [[name, content file, "stored"|"deflated"], ...]
  zip_nested_fixtures.py canonical OUT SPEC   the canonical normalized form: sorted by name, all stored,
                                              1980-01-01 00:00, mode 0644, made by Unix
  zip_nested_fixtures.py treehash SPEC        spec 3.4 tree hash of the files in SPEC (names without '/')
"""
import hashlib, json, sys, zipfile


def load(spec):
    with open(spec) as f:
        return [(name, open(path, "rb").read(), kind) for name, path, kind in json.load(f)]


def build(out, spec):
    with zipfile.ZipFile(out, "w") as z:
        for name, data, kind in load(spec):
            info = zipfile.ZipInfo(name, date_time=(2024, 5, 6, 7, 8, 10))
            info.compress_type = zipfile.ZIP_DEFLATED if kind == "deflated" else zipfile.ZIP_STORED
            info.external_attr = 0o100755 << 16
            z.writestr(info, data)


def canonical(out, spec):
    with zipfile.ZipFile(out, "w") as z:
        for name, data, _ in sorted(load(spec), key=lambda t: t[0].encode()):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            z.writestr(info, data)


def treehash(spec):
    files = {"/" + name: data for name, data, _ in load(spec)}
    h = hashlib.sha256()
    h.update(str(len(files)).encode())
    for name in sorted(files, key=lambda s: s.encode()):
        n = name.encode()
        h.update(str(len(n)).encode()); h.update(n)
        h.update(str(len(files[name])).encode()); h.update(files[name])
    print(h.hexdigest())


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "build":
        build(sys.argv[2], sys.argv[3])
    elif cmd == "canonical":
        canonical(sys.argv[2], sys.argv[3])
    elif cmd == "treehash":
        treehash(sys.argv[2])
    else:
        sys.exit("unknown command " + cmd)
