/// The part of the builds upsert both stores share (their first_seen/last_seen differ only in
/// the SQL dialect: MIN/MAX against LEAST/GREATEST). A later report fills in what a build lacks
/// and never overwrites what it has; the mark from an insert or build report wins over one
/// taken from another operation.
enum BuildMergeSQL {
    static let fillInColumns = """
        chalk_id = COALESCE(builds.chalk_id, excluded.chalk_id),
        artifact_type = COALESCE(builds.artifact_type, excluded.artifact_type),
        repo = COALESCE(builds.repo, excluded.repo),
        commit_id = COALESCE(builds.commit_id, excluded.commit_id),
        branch = COALESCE(builds.branch, excluded.branch),
        mark = CASE WHEN builds.chalk IS NULL AND excluded.chalk IS NOT NULL THEN excluded.mark ELSE builds.mark END,
        chalk_received = CASE WHEN builds.chalk IS NULL THEN excluded.chalk_received ELSE builds.chalk_received END,
        chalk = COALESCE(builds.chalk, excluded.chalk)
        """
}
