#if canImport(Glibc)
import Glibc
#endif

/// A workload started outside WorkloadSpawner (by chalk's pre-main launcher, CExecLaunch), taken
/// over by the supervisor.
extension Workload {
    public init(adoptingPID pid: pid_t, path: String, terminalFD: Int32?, controllingTerminal: Int32?) {
        self.init(pid: pid, path: path, terminalFD: terminalFD, controllingTerminal: controllingTerminal)
    }
}

extension LaunchError {
    /// The error for an execve that failed with `errno` (127 for "not found", else 126).
    public static func execFailed(program: String, errno: Int32) -> LaunchError {
        WorkloadSpawner.launchError(program: program, errno: errno)
    }
}
