/// Classification of `<< … >>` literals (spec/config.md §1.1): Duration is tried before Size,
/// so `<<10m>>` is ten minutes and only `mb`-style spellings give a Size.
enum OtherLiterals {
    static func classify(_ text: String) -> CValue? {
        if let us = duration(text) { return .duration(us) }
        if let b = size(text) { return .size(b) }
        if isIPv4(text) || isCIDR(text) || isDateOrTime(text) { return .otherLiteral(text) }
        return nil
    }

    private static let durationUnits: [(names: [String], usec: Int64)] = [
        (["us", "usec", "usecs"], 1),
        (["ms", "msec", "msecs"], 1_000),
        (["s", "sec", "secs", "seconds"], 1_000_000),
        (["m", "min", "mins", "minutes"], 60_000_000),
        (["h", "hr", "hrs", "hours"], 3_600_000_000),
        (["d", "day", "days"], 86_400_000_000),
        (["w", "wk", "wks", "week", "weeks"], 604_800_000_000),
        (["y", "yr", "yrs", "year", "years"], 31_536_000_000_000),
    ]

    /// `<int><spaces?><unit>` groups separated by spaces and/or commas; each unit at most once.
    static func duration(_ text: String) -> Int64? {
        let u = Array(text.unicodeScalars)
        var i = 0
        var total: Int64 = 0
        var used = Set<Int>()
        var groups = 0
        func skipSeparators() { while i < u.count, u[i] == " " || u[i] == "\t" || u[i] == "," { i += 1 } }
        skipSeparators()
        while i < u.count {
            var digits = ""
            while i < u.count, ("0"..."9").contains(u[i]) { digits.unicodeScalars.append(u[i]); i += 1 }
            guard let n = Int64(digits) else { return nil }
            while i < u.count, u[i] == " " || u[i] == "\t" { i += 1 }
            var unit = ""
            while i < u.count, u[i].properties.isAlphabetic { unit.unicodeScalars.append(u[i]); i += 1 }
            guard let idx = durationUnits.firstIndex(where: { $0.names.contains(unit.lowercased()) }),
                  !used.contains(idx) else { return nil }
            used.insert(idx)
            let (m, o1) = n.multipliedReportingOverflow(by: durationUnits[idx].usec)
            let (t, o2) = total.addingReportingOverflow(m)
            if o1 || o2 { return nil }
            total = t
            groups += 1
            skipSeparators()
        }
        return groups > 0 ? total : nil
    }

    private static let sizeUnits: [String: Int64] = {
        var m: [String: Int64] = [:]
        for n in ["b", "B", "bytes", "Bytes"] { m[n] = 1 }
        let dec: [(String, Int64)] = [("k", 1_000), ("m", 1_000_000), ("g", 1_000_000_000), ("t", 1_000_000_000_000)]
        let bin: [(String, Int64)] = [("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("t", 1 << 40)]
        for (l, v) in dec {
            let U = l.uppercased()
            for n in [l, U, l + "b", U + "b", U + "B"] { m[n] = v }
        }
        for (l, v) in bin {
            let U = l.uppercased()
            for n in [l + "i", U + "i", l + "ib", U + "iB", U + "IB"] { m[n] = v }
        }
        return m
    }()

    /// A non-negative integer, optional spaces, then a unit (`b`, `kb`, `KiB`, `mb`, …).
    static func size(_ text: String) -> Int64? {
        let u = Array(text.unicodeScalars)
        var i = 0
        var digits = ""
        while i < u.count, ("0"..."9").contains(u[i]) { digits.unicodeScalars.append(u[i]); i += 1 }
        guard let n = Int64(digits) else { return nil }
        while i < u.count, u[i] == " " || u[i] == "\t" { i += 1 }
        var unit = ""
        while i < u.count { unit.unicodeScalars.append(u[i]); i += 1 }
        guard let mult = sizeUnits[unit] else { return nil }
        let (v, o) = n.multipliedReportingOverflow(by: mult)
        return o ? nil : v
    }

    static func isIPv4(_ t: String) -> Bool {
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in
            !p.isEmpty && p.count <= 3 && p.allSatisfy(\.isASCII) && p.allSatisfy(\.isNumber) && (Int(p) ?? 256) < 256
        }
    }

    static func isCIDR(_ t: String) -> Bool {
        let parts = t.split(separator: "/")
        guard parts.count == 2, let len = Int(parts[1]) else { return false }
        if isIPv4(String(parts[0])) { return (0...32).contains(len) }
        return parts[0].contains(":") && (0...128).contains(len)
    }

    /// Loose check for `2004-01-06`, `12:23:01Z` and ISO date-times (kept as text).
    static func isDateOrTime(_ t: String) -> Bool {
        let allowed = Set("0123456789-:TZ.+ ")
        return !t.isEmpty && t.allSatisfy { allowed.contains($0) } && (t.contains("-") || t.contains(":"))
            && t.first!.isNumber
    }
}
