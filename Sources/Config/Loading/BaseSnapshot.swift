/// The built-in base config precomputed: the attribute tree and globals that running
/// `BaseConfig.staticParts` produces, kept as compact data (GeneratedBaseSnapshot.swift) so that a
/// run rebuilds them without lexing, parsing or evaluating ~3,000 lines of con4m (the largest
/// part of chalk's start-up). The run-dependent sources (`BaseConfig.contextSources`) still run.
///
/// The static sources call one run-dependent builtin, `in_container()`: the few attributes that
/// depend on it are stored in both variants, and the reader picks one.
///
/// The data carries a fingerprint of the sources it was made from; when they no longer match
/// (the base config was edited without regenerating), the sources are run instead, so a stale
/// snapshot costs time, never behaviour. BaseSnapshotTests fails in that case;
/// `scripts/gen-base-snapshot.sh` regenerates it.
enum BaseSnapshot {
    /// Bumped when the encoding changes (part of the fingerprint).
    static let formatVersion: UInt64 = 2

    /// Builtins the static base config may call: none of them depends on the run
    /// (`in_container()` is handled by variant attributes).
    static let allowedBuiltins: Set<String> = ["version", "high", "low", "in_container"]

    /// Fills `interp` with the base config's static part from the snapshot. False (and `interp`
    /// untouched) when the snapshot is stale or unreadable: the caller runs the sources.
    static func restore(into interp: Interpreter) -> Bool {
        guard generatedFingerprint == fingerprint() else { return false }
        let bytes = UnsafeBufferPointer(start: generatedData.utf8Start, count: generatedData.utf8CodeUnitCount)
        return restore(SnapshotData(bytes: bytes), into: interp)
    }

    /// Restores from `data` (its bytes must outlive the tree). Only the root's own fields and
    /// children are made here; each section below is made when first used.
    static func restore(_ data: SnapshotData, into interp: Interpreter) -> Bool {
        guard let decoded = SnapshotReader.restore(data) else { return false }
        let context = interp.context
        data.probe = { Interpreter.inContainer(context) }
        decoded.root.decode(into: interp.root)
        interp.root.tree.conflicts = decoded.conflicts
        for (n, v) in decoded.globals { interp.globals[n] = v }
        return true
    }

    /// A hash of everything the snapshot depends on: the static sources, the version `version()`
    /// returns and the encoding. 32 bytes per step: the sources are ~200 KB and this runs on
    /// every start.
    static func fingerprint() -> UInt64 {
        var h: UInt64 = 0x9e37_79b9_7f4a_7c15 ^ formatVersion
        func mix(_ s: String) {
            var s = s
            s.withUTF8 { buf in
                let raw = UnsafeRawBufferPointer(buf)
                let n = buf.count
                // Four independent lanes of 8 bytes: the multiplications overlap.
                var a = h, b = ~h, c = h &+ 0x632b_e59b_d9b4_e019, d = h ^ 0x8cb9_2ba7_2f3d_8dd7
                var i = 0
                while i + 32 <= n {
                    a = (a ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xff51_afd7_ed55_8ccd
                    b = (b ^ raw.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)) &* 0xc4ce_b9fe_1a85_ec53
                    c = (c ^ raw.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self)) &* 0xff51_afd7_ed55_8ccd
                    d = (d ^ raw.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self)) &* 0xc4ce_b9fe_1a85_ec53
                    a ^= a >> 32; b ^= b >> 29; c ^= c >> 32; d ^= d >> 29
                    i += 32
                }
                h = (a ^ (b &* 3) ^ (c &* 5) ^ (d &* 7)) &* 0xff51_afd7_ed55_8ccd
                var tail: UInt64 = UInt64(n) << 40
                var shift: UInt64 = 0
                while i < n {
                    tail ^= UInt64(buf[i]) << shift
                    shift = (shift + 8) & 63
                    if shift == 0 { h = (h ^ tail) &* 0xc4ce_b9fe_1a85_ec53; tail = 0 }
                    i += 1
                }
                h = (h ^ tail) &* 0xc4ce_b9fe_1a85_ec53
                h ^= h >> 29
            }
        }
        mix(ConfigVersion.chalkVersion)
        for part in BaseConfig.staticParts {
            mix(part.file)
            for p in part.pieces { mix(p) }
        }
        return h
    }

    /// What the data holds.
    struct Decoded {
        var root: SnapshotContents
        var conflicts: Int
        var globals: [(String, CValue)]
    }
}

extension SectionNode {
    /// Calls `body` with each child section's name, origin and fields, in order. Children still
    /// pending in the snapshot are read from it without making their sections: the base
    /// templates' ~10,000 keys and the keyspecs are read this way on every run.
    /// With `valuesOnly`, children still in the snapshot come without their origins or their
    /// fields' (`Origin.builtin` instead, see `SnapshotReader.valuesOnly`): for callers that
    /// read only names and values.
    func forEachChildFields<E: Error>(valuesOnly: Bool = false,
                                      _ body: (String, Origin, [(String, Attribute)]) throws(E) -> Void) throws(E) {
        if let p = untouchedSnapshot {
            try p.forEachChild(valuesOnly: valuesOnly, body)
            return
        }
        for c in childNodes {
            if let p = c.untouchedSnapshot {
                try body(c.name, c.origin, p.fields(valuesOnly: valuesOnly))
            } else {
                try body(c.name, c.origin, c.fieldOrder.map { ($0, c.field($0)!) })
            }
        }
    }
}

extension SectionNode {
    /// How many child sections there are (without making those still in the snapshot).
    var childCount: Int { untouchedSnapshot?.childCount() ?? childNodes.count }
}
