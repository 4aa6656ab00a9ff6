import ChalkLog

/// Leniencies for older Chalk configs (spec/config.md §8, issue item 9): renamed keys, the old
/// `mark_minimal` template name. Each one logs at info level naming the modern spelling.
enum Compat {
    /// Old key name -> today's key(s).
    static let renamedKeys: [String: [String]] = [
        "HOSTINFO_WHEN_CHALKED": ["HOST_SYSNAME_WHEN_CHALKED", "HOST_RELEASE_WHEN_CHALKED", "HOST_VERSION_WHEN_CHALKED",
                                  "HOST_MACHINE_WHEN_CHALKED"],
        "NODENAME_WHEN_CHALKED": ["HOST_NODENAME_WHEN_CHALKED"],
        "_IMAGE_ID": ["_IMAGE_CONFIG_DIGEST"],
    ]

    static let renamedTemplates: [String: String] = ["mark_minimal": "minimal"]

    /// Rewrites old spellings in the tree; returns the notices (also logged at info level).
    static func apply(to root: SectionNode) -> [String] {
        var notices: [String] = []
        let keyspecs = root.lookup(["keyspec"])
        for kind in ["mark_template", "report_template"] {
            guard let ts = root.lookup([kind]) else { continue }
            for t in ts.childOrder {
                guard let keys = ts.child(t)!.child("key") else { continue }
                // The names first, read without making the base templates' key sections.
                var names: [String] = []
                keys.forEachChildFields(valuesOnly: true) { n, _, _ in names.append(n) }
                for old in names {
                    guard let new = renamedKeys[old], keyspecs?.child(old) == nil else { continue }
                    let origin = keys.child(old)!.origin
                    for n in new { keys.ensureChild(n, origin: origin).mergeFields(from: keys.child(old)!) }
                    keys.removeChild(old)
                    notices.append("\(origin.text): key '\(old)' in \(kind) '\(t)' is now spelled \(new.joined(separator: ", ")); using that")
                }
            }
        }
        let marks = root.lookup(["mark_template"])
        if let oc = root.lookup(["outconf"]) {
            for op in oc.childOrder {
                let node = oc.child(op)!
                guard let a = node.field("mark_template"), let m = a.value.asString, let new = renamedTemplates[m],
                      marks?.child(m) == nil else { continue }
                node.setField("mark_template", Attribute(value: .string(new), locked: a.locked, origin: a.origin))
                notices.append("\(a.origin.text): mark_template '\(m)' is now called '\(new)'; using '\(new)' for outconf '\(op)'")
            }
        }
        for n in notices { Log.info(n) }
        return notices
    }
}

extension SectionNode {
    /// Copies fields that are not set here yet.
    func mergeFields(from other: SectionNode) {
        for f in other.fieldOrder where field(f) == nil { setField(f, other.field(f)!) }
    }
}
