/// The part of the builds upsert both stores share (their first_seen/last_seen differ only in
/// the SQL dialect: MIN/MAX against LEAST/GREATEST). A later report fills in what a build lacks
/// and never overwrites what it has; the source report (where the mark and the `/chalks` record
/// are cut from) of an insert or build report wins over one of another operation.
/// `chalk_received` is set exactly when the build has a `/chalks` record. `chalk` holds the record
/// text only in rows written before schema version 2 and is never written now.
enum BuildMergeSQL {
    static let fillInColumns = """
        chalk_id = COALESCE(builds.chalk_id, excluded.chalk_id),
        artifact_type = COALESCE(builds.artifact_type, excluded.artifact_type),
        repo = COALESCE(builds.repo, excluded.repo),
        commit_id = COALESCE(builds.commit_id, excluded.commit_id),
        branch = COALESCE(builds.branch, excluded.branch),
        mark = CASE WHEN builds.chalk_received IS NULL AND excluded.chalk_received IS NOT NULL THEN excluded.mark ELSE builds.mark END,
        source_report = CASE WHEN builds.chalk_received IS NULL AND excluded.chalk_received IS NOT NULL
                             THEN excluded.source_report ELSE builds.source_report END,
        chalk_received = COALESCE(builds.chalk_received, excluded.chalk_received)
        """
}
