import Foundation

/// Server times: microseconds since the Unix epoch, shown as RFC 3339 in UTC with milliseconds.
public enum Timestamp {
    /// The current time in microseconds.
    public static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }

    /// `2026-11-30T08:07:15.123456Z` (microseconds, so a time read back parses to the same value).
    public static func format(_ micros: Int64) -> String {
        var seconds = time_t(micros / 1_000_000)
        var fraction = micros % 1_000_000
        if fraction < 0 { fraction += 1_000_000; seconds -= 1 }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let frac = String(fraction)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: 6 - frac.count) + frac + "Z"
    }

    /// Parses RFC 3339 (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, `t`/space accepted for `T`).
    /// Returns nil when the text is not such a time.
    public static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func digits(_ at: Int, _ count: Int) -> Int? {
            guard at + count <= b.count else { return nil }
            var v = 0
            for i in at..<(at + count) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 20,
              let year = digits(0, 4), b[4] == UInt8(ascii: "-"),
              let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
              let day = digits(8, 2),
              [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(b[10]),
              let hour = digits(11, 2), b[13] == UInt8(ascii: ":"),
              let minute = digits(14, 2), b[16] == UInt8(ascii: ":"),
              let second = digits(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var pos = 19
        var micros = 0
        if pos < b.count, b[pos] == UInt8(ascii: ".") {
            pos += 1
            var scale = 100_000
            let start = pos
            while pos < b.count, b[pos] >= 48, b[pos] <= 57 {
                micros += Int(b[pos] - 48) * scale
                scale /= 10
                pos += 1
            }
            if pos == start { return nil }
        }
        guard pos < b.count else { return nil }
        var offset = 0
        switch b[pos] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            pos += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let oh = digits(pos + 1, 2), pos + 3 < b.count, b[pos + 3] == UInt8(ascii: ":"),
                  let om = digits(pos + 4, 2) else { return nil }
            offset = (oh * 60 + om) * 60 * (b[pos] == UInt8(ascii: "-") ? -1 : 1)
            pos += 6
        default:
            return nil
        }
        guard pos == b.count else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = Int64(timegm(&parts)) - Int64(offset)
        return seconds * 1_000_000 + Int64(micros)
    }
}
