/// Supervisor: the PID-1 engine (spawn, signals, reaping, exit status). No Foundation, and no
/// knowledge of marks, config or reports.
///
/// The order of use (ExecCommand drives it):
/// 1. `SignalMask.blockAll()` first thing in `main`, before any thread exists: every thread
///    created later inherits the mask, so only the signal loop ever sees a signal.
/// 2. `ProgramResolver.resolve` and `WorkloadSpawner.spawn` (the child path is C, in CChalkSys).
/// 3. `BackgroundThread.start` for the reporter.
/// 4. `SignalLoop.run` on the main thread: forwards signals, reaps children, returns the
///    workload's `WorkloadStatus`; `WorkloadStatus.exitCode` turns it into 128+N at the edge.
public enum Supervisor {}
