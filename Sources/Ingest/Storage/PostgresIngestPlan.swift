import Foundation
import Logging
import PostgresNIO

/// One group commit on PostgreSQL as a handful of multi-row statements (a round trip each),
/// instead of one statement per row. Rows are sorted by their unique key so that two instances
/// committing overlapping reports take row locks in the same order and can't deadlock.
struct PostgresIngestPlan: Sendable {
    private struct ReportRow: Sendable {
        var received: Int64
        var report: PreparedReport
    }

    private let reports: [ReportRow]
    private let rejects: [(received: Int64, item: RejectedItem)]
    /// Rows per statement; PostgreSQL allows at most 65535 bound parameters.
    private static let chunk = 1000

    init(_ batches: [IngestBatch]) {
        var seen = Set<String>()
        var rows: [ReportRow] = []
        var rejected: [(received: Int64, item: RejectedItem)] = []
        for batch in batches {
            for report in batch.reports where seen.insert(report.identity).inserted {
                rows.append(ReportRow(received: batch.received, report: report))
            }
            for item in batch.rejects { rejected.append((batch.received, item)) }
        }
        reports = rows.sorted { $0.report.identity < $1.report.identity }
        rejects = rejected
    }

    func execute(on conn: PostgresConnection, logger: Logger) async throws {
        for start in stride(from: 0, to: rejects.count, by: Self.chunk) {
            let part = rejects[start..<min(start + Self.chunk, rejects.count)]
            var binds = PostgresBindings()
            let values = part.map { r -> String in
                let n = binds.count
                binds.append(r.received)
                binds.append(Int64(r.item.index))
                binds.append(r.item.error)
                binds.append(r.item.item)
                return "($\(n + 1), $\(n + 2), $\(n + 3), $\(n + 4))"
            }
            try await conn.query(PostgresQuery(
                unsafeSQL: "INSERT INTO rejects (received, idx, error, item) VALUES " + values.joined(separator: ", "),
                binds: binds), logger: logger)
        }

        // Insert reports; the ones that come back are new, the others were stored before.
        var newIDs: [String: Int64] = [:]
        for start in stride(from: 0, to: reports.count, by: Self.chunk) {
            let part = reports[start..<min(start + Self.chunk, reports.count)]
            var binds = PostgresBindings()
            let values = part.map { row -> String in
                let n = binds.count
                let r = row.report
                binds.append(r.identity)
                binds.append(r.operation)
                binds.append(row.received)
                binds.append(r.execID)
                binds.append(r.place.host)
                binds.append(r.place.container)
                binds.append(r.place.pod)
                binds.append(r.place.function)
                binds.append(r.probability)
                binds.append(r.canonical)
                return "(" + (1...10).map { "$\(n + $0)" }.joined(separator: ", ") + ")"
            }
            let rows = try await conn.query(PostgresQuery(unsafeSQL: """
                INSERT INTO reports (identity, operation, received, exec_id, host, container, pod, function, probability, body)
                VALUES \(values.joined(separator: ", ")) ON CONFLICT (identity) DO NOTHING RETURNING id, identity
                """, binds: binds), logger: logger)
            for try await (id, identity) in rows.decode((Int64, String).self) { newIDs[identity] = id }
        }
        guard !newIDs.isEmpty else { return }

        // Merge what the new reports say about each build, then upsert each build once.
        var builds: [String: BuildUpsert] = [:]
        var links: [(String, Int64)] = []
        var images = Set<[String]>()
        for row in reports {
            guard let id = newIDs[row.report.identity] else { continue }
            for link in row.report.builds {
                builds[link.metadataID, default: BuildUpsert(link, received: row.received, report: id)]
                    .merge(link, received: row.received, report: id)
                links.append((link.metadataID, id))
                for image in link.images { images.insert([image, link.metadataID]) }
            }
        }
        try await upsertBuilds(builds.values.sorted { $0.link.metadataID < $1.link.metadataID }, conn, logger)
        try await insertPairs(
            "INSERT INTO report_builds (metadata_id, report_id) VALUES %@ ON CONFLICT DO NOTHING",
            links.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map { ($0.0, PairValue.integer($0.1)) }, conn, logger)
        try await insertPairs(
            "INSERT INTO build_images (image, metadata_id) VALUES %@ ON CONFLICT DO NOTHING",
            images.sorted { $0.lexicographicallyPrecedes($1) }.map { ($0[0], PairValue.text($0[1])) }, conn, logger)
    }

    private enum PairValue {
        case text(String)
        case integer(Int64)
    }

    private func insertPairs(_ sql: String, _ pairs: [(String, PairValue)], _ conn: PostgresConnection,
                             _ logger: Logger) async throws {
        for start in stride(from: 0, to: pairs.count, by: Self.chunk) {
            var binds = PostgresBindings()
            let values = pairs[start..<min(start + Self.chunk, pairs.count)].map { pair -> String in
                let n = binds.count
                binds.append(pair.0)
                switch pair.1 {
                case let .text(s): binds.append(s)
                case let .integer(i): binds.append(i)
                }
                return "($\(n + 1), $\(n + 2))"
            }
            let text = sql.replacingFirst("%@", with: values.joined(separator: ", "))
            try await conn.query(PostgresQuery(unsafeSQL: text, binds: binds), logger: logger)
        }
    }

    private func upsertBuilds(_ builds: [BuildUpsert], _ conn: PostgresConnection, _ logger: Logger) async throws {
        for start in stride(from: 0, to: builds.count, by: Self.chunk) {
            var binds = PostgresBindings()
            let values = builds[start..<min(start + Self.chunk, builds.count)].map { b -> String in
                let n = binds.count
                binds.append(b.link.metadataID)
                binds.append(b.link.chalkID)
                binds.append(b.link.artifactType)
                binds.append(b.link.repo)
                binds.append(b.link.commit)
                binds.append(b.link.branch)
                binds.append(b.firstSeen)
                binds.append(b.lastSeen)
                binds.append(b.chalkReceived)
                binds.append(b.sourceReport)
                return "(" + (1...10).map { "$\(n + $0)" }.joined(separator: ", ") + ", '')"
            }
            try await conn.query(PostgresQuery(unsafeSQL: """
                INSERT INTO builds (metadata_id, chalk_id, artifact_type, repo, commit_id, branch,
                                    first_seen, last_seen, chalk_received, source_report, mark)
                VALUES \(values.joined(separator: ", "))
                ON CONFLICT (metadata_id) DO UPDATE SET
                  first_seen = LEAST(builds.first_seen, excluded.first_seen),
                  last_seen = GREATEST(builds.last_seen, excluded.last_seen),
                  \(BuildMergeSQL.fillInColumns)
                """, binds: binds), logger: logger)
        }
    }
}

/// What one commit learns about one build, merged over its reports.
private struct BuildUpsert {
    var link: BuildLink
    var firstSeen: Int64
    var lastSeen: Int64
    var chalkReceived: Int64?
    /// The report the mark and `/chalks` record are cut from.
    var sourceReport: Int64

    init(_ link: BuildLink, received: Int64, report: Int64) {
        self.link = link
        firstSeen = received
        lastSeen = received
        chalkReceived = link.makesChalkRecord ? received : nil
        sourceReport = report
    }

    mutating func merge(_ other: BuildLink, received: Int64, report: Int64) {
        firstSeen = min(firstSeen, received)
        lastSeen = max(lastSeen, received)
        link.chalkID = link.chalkID ?? other.chalkID
        link.artifactType = link.artifactType ?? other.artifactType
        link.repo = link.repo ?? other.repo
        link.commit = link.commit ?? other.commit
        link.branch = link.branch ?? other.branch
        if !link.makesChalkRecord, other.makesChalkRecord {
            link.makesChalkRecord = true
            sourceReport = report
            chalkReceived = received
        }
    }
}

extension String {
    /// This string with the first occurrence of `target` replaced.
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
