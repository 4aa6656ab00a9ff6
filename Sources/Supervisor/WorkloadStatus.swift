/// How the workload ended. A non-zero exit is data, not an error (STYLE.md 4).
public enum WorkloadStatus: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32)

    /// Decodes the status word of a child that has ended (see `WaitEvent` for a word that may
    /// also be a stop or a continue, as `waitpid` gives with WUNTRACED/WCONTINUED).
    public init(waitStatus st: Int32) {
        // WIFEXITED / WTERMSIG are macros that don't import into Swift.
        if st & 0x7f == 0 {
            self = .exited((st >> 8) & 0xff)
        } else {
            self = .signaled(st & 0x7f)
        }
    }

    /// The shell convention: the exit code, or 128+N after signal N. The only place 128+N is made.
    public var exitCode: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let sig): 128 + sig
        }
    }
}

/// What `waitpid` reported for a child. With WUNTRACED and WCONTINUED a status word is not
/// always an end: a stopped child's word (0x7f | sig << 8) must never be read as an exit.
public enum WaitEvent: Sendable, Equatable {
    case ended(WorkloadStatus)
    /// Stopped by this signal (SIGTSTP, SIGTTIN, SIGTTOU, SIGSTOP).
    case stopped(Int32)
    case continued

    /// Decodes a `waitpid` status word (WIFSTOPPED, WIFCONTINUED, else an end).
    public init(waitStatus st: Int32) {
        if st == 0xffff {
            self = .continued
        } else if st & 0xff == 0x7f {
            self = .stopped((st >> 8) & 0xff)
        } else {
            self = .ended(WorkloadStatus(waitStatus: st))
        }
    }
}

/// Why PROGRAM could not be started. Maps to 127 (not found) or 126 (found, not executable).
public struct LaunchError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case notFound, notExecutable }
    public var kind: Kind
    /// PROGRAM as the user wrote it.
    public var program: String
    public var reason: String

    public init(kind: Kind, program: String, reason: String) {
        self.kind = kind; self.program = program; self.reason = reason
    }

    /// 127 when not found, 126 when it can't be executed (shell conventions).
    public var exitCode: Int32 { kind == .notFound ? 127 : 126 }

    /// The `chalk: PROGRAM: reason` line.
    public var description: String { "chalk: \(program): \(reason)" }
}
