/// Supervisor: the PID-1 engine (spawn, signals, reaping, exit status). No Foundation, and no
/// knowledge of marks, config or reports.
public enum Supervisor {}
