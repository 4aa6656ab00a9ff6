/// Language detection for the `source` codec (spec/mark-format.md §3.3, `source_marks` in
/// Chalk's chalk.c42spec): extension map, shebang parsing, and comment prefixes.
public enum SourceLanguages {
    /// Extensions the source codec never claims (`text_only_extensions` + `sidecar_extensions`).
    public static let declinedExtensions: Set<String> = ["json", "jsonl", "txt", "text", "md", "docx", "onnx", "bin", "pt", "pth"]

    /// `extensions_to_languages_map` (case-sensitive).
    public static let extensionLanguages: [String: String] = [
        "py": "python", "sh": "sh", "bash": "sh", "fish": "sh", "js": "node", "mjs": "node", "cjs": "node",
        "rb": "ruby", "pl": "perl", "pm": "perl", "php": "php", "tf": "terraform", "hcl": "terraform",
        "nomad": "terraform", "tcl": "tcl", "tk": "tcl", "zsh": "zsh", "csh": "csh", "tcsh": "tcsh",
        "ksh": "ksh", "awk": "awk", "exp": "expect",
    ]

    /// `language_to_comment_map`; anything else comments with `#`.
    public static let commentPrefixes: [String: String] = [
        "terraform": "//", "node": "//", "php": "//",
        "sh": "#", "csh": "#", "tcsh": "#", "ksh": "#", "zsh": "#", "perl": "#", "python": "#", "ruby": "#",
        "expect": "#", "tcl": "#", "ack": "#", "awk": "#",
    ]

    /// The extension of the last path component (after its last dot, case kept), scanning the
    /// UTF-8 from the end: this runs for every file a directory walk finds.
    public static func fileExtension(_ path: String) -> String? {
        let u = path.utf8
        var i = u.endIndex
        while i > u.startIndex {
            let j = u.index(before: i)
            let c = u[j]
            if c == UInt8(ascii: "/") { return nil }
            if c == UInt8(ascii: ".") {
                // A leading dot (".bashrc") is a hidden name, not an extension.
                if j == u.startIndex || u[u.index(before: j)] == UInt8(ascii: "/") { return nil }
                return String(path[u.index(after: j)...])
            }
            i = j
        }
        return nil
    }

    /// The comment prefix for a language.
    public static func commentPrefix(for language: String) -> String { commentPrefixes[language] ?? "#" }

    /// The shebang language of `bytes` (nil when there is no usable `#!` line).
    public static func shebangLanguage(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "#"), bytes[1] == UInt8(ascii: "!") else { return nil }
        var end = 2
        while end < bytes.count, bytes[end] != 0x0A, end < 4096 { end += 1 }
        let line = String(decoding: bytes[2..<end], as: UTF8.self)
            .trimmingCharacters(" \t\r\u{0B}\u{0C}")
        // Chalk splits on single spaces, so runs of spaces give empty tokens.
        let tokens = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard let first = tokens.first else { return nil }
        let base = basename(first)
        if base != "env" { return base.isEmpty ? nil : base }
        guard let prog = tokens.dropFirst().first(where: { !$0.isEmpty && !$0.hasPrefix("-") }) else { return nil }
        var name = Substring(basename(prog))
        while let last = name.last, last.isNumber || last == "." { name = name.dropLast() }
        return name.isEmpty ? nil : String(name)
    }

    static func basename(_ p: String) -> String {
        p.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? p
    }

    /// True when the first 256 bytes are valid UTF-8 (a multi-byte character cut at the
    /// 256-byte boundary is accepted).
    public static func startsAsUTF8(_ bytes: [UInt8]) -> Bool {
        let head = Array(bytes.prefix(256))
        if String(validating: head, as: UTF8.self) != nil { return true }
        guard bytes.count > 256 else { return false }
        for cut in 1...3 where head.count > cut {
            if String(validating: head.dropLast(cut), as: UTF8.self) != nil { return true }
        }
        return false
    }
}

extension String {
    fileprivate func trimmingCharacters(_ set: String) -> String {
        let s = Set(set)
        var sub = Substring(self)
        while let f = sub.first, s.contains(f) { sub = sub.dropFirst() }
        while let l = sub.last, s.contains(l) { sub = sub.dropLast() }
        return String(sub)
    }
}
