/// A bound argument of a read query.
enum SQLArgument: Sendable {
    case text(String)
    case integer(Int64)
}

/// SQL dialects differ here only in how placeholders are written.
enum SQLDialect: Sendable {
    case sqlite
    case postgres

    func placeholder(_ n: Int) -> String {
        switch self {
        case .sqlite: return "?"
        case .postgres: return "$\(n)"
        }
    }
}

/// A read query under construction: conditions joined by AND, arguments in placeholder order.
struct SQLQuery: Sendable {
    let dialect: SQLDialect
    private(set) var conditions: [String] = []
    private(set) var arguments: [SQLArgument] = []

    init(_ dialect: SQLDialect) { self.dialect = dialect }

    /// Adds a condition; each `?` in `condition` takes the next argument.
    mutating func add(_ condition: String, _ args: SQLArgument...) {
        var text = ""
        var remaining = args[...]
        for ch in condition {
            if ch == "?", let arg = remaining.first {
                remaining = remaining.dropFirst()
                arguments.append(arg)
                text += dialect.placeholder(arguments.count)
            } else {
                text.append(ch)
            }
        }
        conditions.append(text)
    }

    var whereClause: String { conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ") }

    /// Appends the paging conditions on `idColumn` and `timeColumn` and returns the ORDER/LIMIT tail.
    /// One row more than the limit is asked for, to learn whether another page follows.
    mutating func page(_ page: PageQuery, idColumn: String, timeColumn: String) -> String {
        if let after = page.after { add("\(idColumn) > ?", .integer(after)) }
        if let since = page.since { add("\(timeColumn) >= ?", .integer(since)) }
        if let until = page.until { add("\(timeColumn) <= ?", .integer(until)) }
        var tail = " ORDER BY \(idColumn)"
        if let limit = page.limit { tail += " LIMIT \(limit + 1)" }
        return tail
    }
}

/// The read queries, written once for both dialects.
enum ReadQueries {
    /// A build's columns and its source report's body (the mark and `/chalks` record are cut
    /// from it: see `BuildTexts`).
    static let buildColumns =
        "b.id, b.metadata_id, b.chalk_id, b.artifact_type, b.repo, b.commit_id, b.branch, b.first_seen, b.last_seen, b.mark, r.body"
    static let buildsWithSource = " FROM builds b LEFT JOIN reports r ON r.id = b.source_report"
    static let reportColumns =
        "r.id, r.operation, r.received, r.exec_id, r.host, r.container, r.pod, r.function, r.probability, r.body"

    /// Rows: id, metadata_id, stored record (before schema 2) or NULL, source report body.
    static func chalks(_ dialect: SQLDialect, _ page: PageQuery) -> (String, [SQLArgument]) {
        var q = SQLQuery(dialect)
        q.add("b.chalk_received IS NOT NULL")
        let tail = q.page(page, idColumn: "b.id", timeColumn: "b.chalk_received")
        return ("SELECT b.id, b.metadata_id, b.chalk, r.body" + buildsWithSource + q.whereClause + tail, q.arguments)
    }

    /// Row: stored record (before schema 2) or NULL, source report body.
    static func chalk(_ dialect: SQLDialect, _ metadataID: String) -> (String, [SQLArgument]) {
        var q = SQLQuery(dialect)
        q.add("b.metadata_id = ?", .text(metadataID))
        q.add("b.chalk_received IS NOT NULL")
        return ("SELECT b.chalk, r.body" + buildsWithSource + q.whereClause, q.arguments)
    }

    static func reports(_ dialect: SQLDialect, operation: String?, _ page: PageQuery) -> (String, [SQLArgument]) {
        var q = SQLQuery(dialect)
        if let operation { q.add("operation = ?", .text(operation)) }
        let tail = q.page(page, idColumn: "id", timeColumn: "received")
        return ("SELECT id, body FROM reports" + q.whereClause + tail, q.arguments)
    }

    static func rejects(_ dialect: SQLDialect, _ page: PageQuery) -> (String, [SQLArgument]) {
        var q = SQLQuery(dialect)
        let tail = q.page(page, idColumn: "id", timeColumn: "received")
        return ("SELECT id, received, idx, error, item FROM rejects" + q.whereClause + tail, q.arguments)
    }

    static func builds(_ dialect: SQLDialect, _ filter: BuildFilter, _ page: PageQuery) -> (String, [SQLArgument]) {
        var q = SQLQuery(dialect)
        if let repo = filter.repo { q.add("b.repo = ?", .text(repo)) }
        if let commit = filter.commit { q.add("b.commit_id = ?", .text(commit)) }
        if let branch = filter.branch { q.add("b.branch = ?", .text(branch)) }
        if let image = filter.image {
            q.add("b.metadata_id IN (SELECT metadata_id FROM build_images WHERE image = ?)", .text(image))
        }
        if let text = filter.text, !text.isEmpty {
            let pattern = "%" + escapeLike(text.lowercased()) + "%"
            q.add("""
                (LOWER(b.metadata_id || ' ' || COALESCE(b.chalk_id, '') || ' ' || COALESCE(b.repo, '') || ' ' || \
                COALESCE(b.commit_id, '') || ' ' || COALESCE(b.branch, '') || ' ' || COALESCE(b.artifact_type, '')) \
                LIKE ? ESCAPE '\\' OR b.metadata_id IN (SELECT metadata_id FROM build_images WHERE LOWER(image) LIKE ? ESCAPE '\\'))
                """, .text(pattern), .text(pattern))
        }
        // A build belongs to a window when it was seen inside it.
        var windowless = page
        windowless.since = nil
        windowless.until = nil
        if let since = page.since { q.add("b.last_seen >= ?", .integer(since)) }
        if let until = page.until { q.add("b.first_seen <= ?", .integer(until)) }
        let tail = q.page(windowless, idColumn: "b.id", timeColumn: "b.first_seen")
        return ("SELECT \(buildColumns)" + buildsWithSource + q.whereClause + tail, q.arguments)
    }

    static func build(_ dialect: SQLDialect, _ metadataID: String) -> (String, [SQLArgument]) {
        var q = SQLQuery(dialect)
        q.add("b.metadata_id = ?", .text(metadataID))
        return ("SELECT \(buildColumns)" + buildsWithSource + q.whereClause, q.arguments)
    }

    static func linkedReports(_ dialect: SQLDialect, _ metadataID: String) -> (String, [SQLArgument]) {
        var q = SQLQuery(dialect)
        q.add("rb.metadata_id = ?", .text(metadataID))
        return ("SELECT \(reportColumns) FROM report_builds rb JOIN reports r ON r.id = rb.report_id"
                    + q.whereClause + " ORDER BY r.id", q.arguments)
    }

    static func followers(_ dialect: SQLDialect, _ execIDs: [String]) -> (String, [SQLArgument]) {
        var q = SQLQuery(dialect)
        let marks = Array(repeating: "?", count: execIDs.count).joined(separator: ", ")
        var args: [SQLArgument] = execIDs.map { .text($0) }
        q.addList("exec_id IN (\(marks))", &args)
        // Written exactly as the partial index's condition, so both planners use that index.
        q.add("operation <> 'exec'")
        return ("SELECT id, exec_id, operation, received FROM reports" + q.whereClause, q.arguments)
    }

    /// Escapes LIKE wildcards so a search for `50%` matches literally.
    static func escapeLike(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch == "%" || ch == "_" || ch == "\\" { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}

extension SQLQuery {
    /// Adds a condition whose `?`s take `args` in order (for IN lists of any length).
    mutating func addList(_ condition: String, _ args: inout [SQLArgument]) {
        var text = ""
        for ch in condition {
            if ch == "?", !args.isEmpty {
                arguments.append(args.removeFirst())
                text += dialect.placeholder(arguments.count)
            } else {
                text.append(ch)
            }
        }
        conditions.append(text)
    }
}
