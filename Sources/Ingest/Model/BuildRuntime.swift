/// One place a build runs: a host, container, pod or Lambda function (any may be nil).
public struct RuntimeEntry: Sendable, Equatable {
    public var place: RuntimePlace
    public var firstSeen: Int64
    public var lastSeen: Int64
    /// Reports about this place: exec reports plus their heartbeats and postexec reports.
    public var reports: Int
    /// Executions the sampled exec reports stand for: each counts 100 / its probability.
    public var estimatedExecutions: Int
}

/// Folds a build's reports into its runtime table.
///
/// A place is where an exec report says the workload ran. Later reports of the same process
/// (heartbeats, postexec: same `_EXEC_ID`) move that place's `last_seen` and add to its report
/// count. A heartbeat whose exec report never arrived still shows its own place.
public enum BuildRuntime {
    public static func entries(linked: [StoredReport], followers: [ExecFollower]) -> [RuntimeEntry] {
        var order: [RuntimePlace] = []
        var byPlace: [RuntimePlace: (first: Int64, last: Int64, reports: Int, executions: Double)] = [:]
        var placeOfExec: [String: RuntimePlace] = [:]

        func touch(_ place: RuntimePlace, _ received: Int64, executions: Double) {
            if var e = byPlace[place] {
                e.first = min(e.first, received)
                e.last = max(e.last, received)
                e.reports += 1
                e.executions += executions
                byPlace[place] = e
            } else {
                order.append(place)
                byPlace[place] = (received, received, 1, executions)
            }
        }

        for report in linked where report.operation == "exec" {
            touch(report.place, report.received, executions: 100.0 / (report.probability ?? 100))
            if let execID = report.execID { placeOfExec[execID] = report.place }
        }
        var followerIDs = Set<Int64>()
        for f in followers {
            guard let place = placeOfExec[f.execID], followerIDs.insert(f.id).inserted else { continue }
            touch(place, f.received, executions: 0)
        }
        // Heartbeats linked to the build directly (through `_CHALKS`) and not already counted.
        for report in linked where report.operation == "heartbeat" || report.operation == "postexec" {
            guard let execID = report.execID, !followerIDs.contains(report.id) else { continue }
            touch(placeOfExec[execID] ?? report.place, report.received, executions: 0)
        }
        return order.map { place in
            let e = byPlace[place]!
            return RuntimeEntry(place: place, firstSeen: e.first, lastSeen: e.last, reports: e.reports,
                                estimatedExecutions: Int(e.executions.rounded()))
        }
    }
}

/// Everything `GET /v1/builds/{metadata_id}` and the build page show.
public struct BuildDetail: Sendable {
    public var build: BuildSummary
    public var reports: [StoredReport]
    public var runtime: [RuntimeEntry]

    /// Loads a build with its reports and runtime table, or nil when the METADATA_ID is unknown.
    public static func load(_ metadataID: String, from store: any ReportStore) async throws -> BuildDetail? {
        guard let build = try await store.build(metadataID: metadataID) else { return nil }
        let reports = try await store.reports(linkedTo: metadataID)
        let execIDs = Array(Set(reports.filter { $0.operation == "exec" }.compactMap(\.execID))).sorted()
        let followers = try await store.followers(execIDs: execIDs)
        return BuildDetail(build: build, reports: reports,
                           runtime: BuildRuntime.entries(linked: reports, followers: followers))
    }
}
