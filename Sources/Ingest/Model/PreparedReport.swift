/// One artifact of a report (`_CHALKS` item) that names a build by its METADATA_ID.
public struct BuildLink: Sendable, Equatable {
    public var metadataID: String
    public var chalkID: String?
    public var artifactType: String?
    public var repo: String?
    public var commit: String?
    public var branch: String?
    /// Image names the build answers to: every `DOCKER_TAGS` entry and every `_REPO_DIGESTS`
    /// digest (bare, `sha256:`-prefixed and as `registry/repo@digest`).
    public var images: [String]
    /// True for insert and build reports whose item has a CHALK_ID: this report is where the
    /// build's reference-style `/chalks` record comes from.
    public var makesChalkRecord: Bool
    /// The `_CHALKS` item itself, canonical JSON. Only filled in when the report was prepared
    /// `withTexts` (reads): ingest stores the report once and cuts these from it when asked.
    public var mark: String
    /// With `withTexts`, for insert and build reports only: the item merged with the report's
    /// other top-level keys, canonical JSON. This is what the reference server returns from `/chalks`.
    public var chalkRecord: String?
}

/// Where an exec report says a build runs.
public struct RuntimePlace: Sendable, Hashable {
    public var host: String?
    public var container: String?
    public var pod: String?
    public var function: String?

    public init(host: String?, container: String?, pod: String?, function: String?) {
        self.host = host
        self.container = container
        self.pod = pod
        self.function = function
    }
}

/// A validated report, reduced to what the storage needs: identity, canonical text, the
/// fields the queries filter on and the builds it links to.
public struct PreparedReport: Sendable {
    /// SHA-256 (hex) of `canonical`.
    public var identity: String
    /// `_OPERATION`, lower-cased (as the reference server stores it).
    public var operation: String
    public var canonical: String
    public var execID: String?
    public var place: RuntimePlace
    /// Top-level `_EXEC_REPORTING_PROBABILITY` (percent), when present and valid.
    public var probability: Double?
    public var builds: [BuildLink]

    /// Validates one array item. Throws a message for the quarantine when it is not a report.
    public init(_ value: JSONValue) throws(ReportRejection) {
        // One implementation: through the canonical text and the tape, as the ingest path does.
        let tape: JSONTape
        do {
            tape = try JSONParser.tape(CanonicalJSON.bytes(value))
        } catch {
            throw ReportRejection("not valid JSON: \(error.message)")
        }
        try self.init(tape: tape, at: JSONTape.root, withTexts: true)
    }

    /// Validates node `item` of a parsed body. Throws a message for the quarantine when it is not
    /// a report. The report's canonical text is written once; with `withTexts`, each build's mark
    /// and `/chalks` record are assembled from pieces of it instead of being serialised again
    /// (ingest doesn't need them: the stores keep only the report and cut them out on reads).
    public init(tape: JSONTape, at item: Int, withTexts: Bool = false) throws(ReportRejection) {
        guard tape.kind(item) == .object else { throw ReportRejection("not a JSON object") }
        guard let opNode = tape.member(item, "_OPERATION") else { throw ReportRejection("no _OPERATION key") }
        guard let op = tape.string(opNode), !op.isEmpty else {
            throw ReportRejection("_OPERATION is not a non-empty string")
        }

        // The canonical text, noting where each top-level member and each _CHALKS item (and
        // its members) were written.
        var out: [UInt8] = []
        out.reserveCapacity(tape.nodes[item].end - tape.nodes[item].start + 64)
        var reportMembers: [CanonicalMember] = []
        var items: [(node: Int, range: Range<Int>, members: [CanonicalMember])] = []
        let chalksKey = tape.member(item, "_CHALKS").map { $0 - 1 }
        tape.withWriter { w in
            w.object(item, into: &out, noting: &reportMembers) { key, out in
                guard key == chalksKey else { return false }
                // _CHALKS: each object item is written noting its own members (for its mark and
                // /chalks record); the member itself is not noted (the record leaves it out).
                let value = key + 1
                guard w.kind(value) == .array else { w.value(value, into: &out); return true }
                out.append(UInt8(ascii: "["))
                var element = value + 1
                for e in 0..<w.nodes[value].count {
                    defer { element = w.nodes[element].next }
                    if e > 0 { out.append(UInt8(ascii: ",")) }
                    guard w.kind(element) == .object else { w.value(element, into: &out); continue }
                    let itemStart = out.count
                    var members: [CanonicalMember] = []
                    members.reserveCapacity(w.nodes[element].count)
                    w.object(element, into: &out, noting: &members)
                    items.append((element, itemStart..<out.count, members))
                }
                out.append(UInt8(ascii: "]"))
                return true
            }
        }

        identity = sha256Hex(out)
        canonical = String(decoding: out, as: UTF8.self)
        operation = op.lowercased()
        execID = tape.member(item, "_EXEC_ID").flatMap(tape.scalarText)
        let env = tape.member(item, "_ENV")
        place = RuntimePlace(
            host: tape.member(item, "_OP_HOSTNAME").flatMap(tape.scalarText),
            container: tape.member(item, "_INSTANCE_CONTAINER_ID").flatMap(tape.scalarText),
            pod: tape.member(item, "_K8S_POD_NAME").flatMap(tape.scalarText)
                ?? env.flatMap { tape.member($0, "CHALK_K8S_POD_NAME") }.flatMap(tape.scalarText),
            function: env.flatMap { tape.member($0, "AWS_LAMBDA_FUNCTION_NAME") }.flatMap(tape.scalarText))
        if let p = tape.member(item, "_EXEC_REPORTING_PROBABILITY").flatMap(tape.double), p > 0, p <= 100 {
            probability = p
        } else {
            probability = nil
        }

        var links: [BuildLink] = []
        let makesChalks = operation == "insert" || operation == "build"
        // Only these report keys matter for image names; the rest of the report stays on the tape.
        let reportImageKeys = PreparedReport.imageKeys(tape, item)
        for chalk in items {
            guard let midNode = tape.member(chalk.node, "METADATA_ID"), let metadataID = tape.string(midNode),
                  !metadataID.isEmpty else { continue }
            if links.contains(where: { $0.metadataID == metadataID }) { continue }
            let makesRecord = makesChalks && tape.member(chalk.node, "CHALK_ID") != nil
            var record: String?
            if makesRecord, withTexts {
                // The reference server merges `{**item, **report_without_CHALKS}`: report keys win.
                record = PreparedReport.merged(tape, out, chalk.members, reportMembers)
            }
            let text = { (name: String) in tape.member(chalk.node, name).flatMap(tape.scalarText) }
            links.append(BuildLink(
                metadataID: metadataID,
                chalkID: text("CHALK_ID"),
                artifactType: text("ARTIFACT_TYPE") ?? text("_OP_ARTIFACT_TYPE"),
                repo: text("ORIGIN_URI"),
                commit: text("COMMIT_ID"),
                branch: text("BRANCH"),
                images: PreparedReport.images(item: PreparedReport.imageKeys(tape, chalk.node), report: reportImageKeys),
                makesChalkRecord: makesRecord,
                mark: withTexts ? String(decoding: out[chalk.range], as: UTF8.self) : "",
                chalkRecord: record))
        }
        builds = links
    }

    /// A member written into a canonical text: its key node and the byte range of `"key":value`.
    struct CanonicalMember {
        var key: Int
        var range: Range<Int>
    }

    /// The canonical object of both member lists (each sorted by key); on equal keys `winners`'
    /// member is kept.
    static func merged(_ tape: JSONTape, _ text: [UInt8], _ members: [CanonicalMember],
                       _ winners: [CanonicalMember]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(members.reduce(2) { $0 + $1.range.count + 1 } + winners.reduce(0) { $0 + $1.range.count + 1 })
        out.append(UInt8(ascii: "{"))
        var a = 0, b = 0
        func emit(_ m: CanonicalMember) {
            if out.count > 1 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: text[m.range])
        }
        while a < members.count || b < winners.count {
            if a == members.count { emit(winners[b]); b += 1; continue }
            if b == winners.count { emit(members[a]); a += 1; continue }
            let c = tape.compareKeys(members[a].key, winners[b].key)
            if c < 0 {
                emit(members[a]); a += 1
            } else if c > 0 {
                emit(winners[b]); b += 1
            } else {
                emit(winners[b]); a += 1; b += 1
            }
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// The `DOCKER_TAGS` and `_REPO_DIGESTS` members of object `i`, as a small `JSONValue`.
    static func imageKeys(_ tape: JSONTape, _ i: Int) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        for name in ["DOCKER_TAGS", "_REPO_DIGESTS"] {
            if let v = tape.member(i, name) { members.append((name, tape.value(v))) }
        }
        return .object(members)
    }

    static func images(item: JSONValue, report: JSONValue) -> [String] {
        var out: [String] = []
        func add(_ s: String) { if !s.isEmpty, !out.contains(s) { out.append(s) } }
        for source in [item, report] {
            for tag in source["DOCKER_TAGS"]?.arrayValue ?? [] { if let t = tag.stringValue { add(t) } }
            guard case let .object(registries)? = source["_REPO_DIGESTS"] else { continue }
            for (registry, repos) in registries {
                guard case let .object(repoMembers) = repos else { continue }
                for (repo, digests) in repoMembers {
                    let list = digests.arrayValue ?? (digests.stringValue.map { [.string($0)] } ?? [])
                    for d in list {
                        guard let digest = d.stringValue else { continue }
                        let full = digest.hasPrefix("sha256:") ? digest : "sha256:" + digest
                        add(digest)
                        add(full)
                        add("\(registry)/\(repo)@\(full)")
                    }
                }
            }
        }
        return out
    }
}

/// Why an array item is not a report; goes to the quarantine and the answer's `rejected` list.
public struct ReportRejection: Error, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// An array item that was not a report, kept in the quarantine.
public struct RejectedItem: Sendable {
    public var index: Int
    public var error: String
    /// The item's canonical JSON.
    public var item: String
}

extension CanonicalTapeWriter {
    /// Appends object node `i` in canonical form, noting each member's key node and the byte
    /// range of its `"key":value`. `special(key, &out)` may write a member's value itself and
    /// return true: that member is then not noted.
    fileprivate func object(_ i: Int, into out: inout [UInt8], noting members: inout [PreparedReport.CanonicalMember],
                            special: (Int, inout [UInt8]) -> Bool = { _, _ in false }) {
        out.append(UInt8(ascii: "{"))
        for (k, key) in sortedKeys(i).enumerated() {
            if k > 0 { out.append(UInt8(ascii: ",")) }
            let start = out.count
            string(key, into: &out)
            out.append(UInt8(ascii: ":"))
            if special(key, &out) { continue }
            value(key + 1, into: &out)
            members.append(PreparedReport.CanonicalMember(key: key, range: start..<out.count))
        }
        out.append(UInt8(ascii: "}"))
    }
}
