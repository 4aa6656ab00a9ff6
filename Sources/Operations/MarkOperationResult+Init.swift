import Reporting

extension MarkOperationResult {
    /// A result built outside the file pipeline (for example docker images and containers read
    /// by `chalk extract`).
    public static func external(_ run: CollectedRun, failed: Bool) -> MarkOperationResult {
        MarkOperationResult(run: run, failed: failed)
    }
}
