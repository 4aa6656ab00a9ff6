#ifndef CHALK_CCHALKSYS_H
#define CHALK_CCHALKSYS_H
#include <sys/types.h>
#include <stdint.h>

/// Small wrappers for Linux calls that don't import into Swift (prctl, raw syscalls), and the
/// supervisor's post-fork child path, which must never run Swift code (STYLE.md 3).

// ---- prctl ---------------------------------------------------------------------------------
int chalk_set_child_subreaper(int on);
/// chalk_set_child_subreaper without errno: safe before libc.
int chalk_set_child_subreaper_early(int on);
/// The wall clock in milliseconds since the epoch (0 on failure). Safe before libc.
int64_t chalk_wall_millis_early(void);
/// chalk's own executable (readlink of /proc/self/exe), NUL-terminated in buf; its length, or -1
/// (buf then holds ""). Safe before libc.
long chalk_self_exe_early(char *buf, size_t size);
int chalk_get_child_subreaper(int *out);
int chalk_set_pdeathsig(int sig);
/// Makes the calling thread a background thread: a real-time policy (chalk started under chrt)
/// becomes SCHED_OTHER, and its nice value is raised to nice_value (never lowered). The reporter
/// does this so its work yields to the workload. *tid_out and *old_nice_out get the thread's id
/// and former nice value. Returns 0 or -1/errno.
int chalk_make_thread_background(int nice_value, int *tid_out, int *old_nice_out);
/// Gives thread `tid` of this process the nice value back (lowering it needs CAP_SYS_NICE, so
/// this fails with EPERM for unprivileged users). Returns 0 or -1/errno.
int chalk_restore_thread_nice(int tid, int nice_value);

// ---- signals ---------------------------------------------------------------------------------
/// The signal mask chalk was started with, as the kernel's 64-bit set (bit N-1 = signal N).
/// Captured by a constructor before main() and before the Swift runtime can change anything.
uint64_t chalk_inherited_sigmask(void);
/// The signals chalk inherited as SIG_IGN (bit N-1 = signal N), captured by a constructor before
/// the Swift runtime's (not yet known to the pre-main launcher: see pristine_dispositions).
uint64_t chalk_inherited_ignored(void);
/// The signals whose disposition is SIG_IGN now (bit N-1 = signal N).
uint64_t chalk_current_ignored(void);
/// Blocks every signal in the calling thread with the raw syscall, including the two real-time
/// signals glibc reserves for itself (32, 33) and refuses to block. Returns 0 or -1. Safe before
/// libc, as are the capture and the two getters above.
int chalk_block_all_signals(void);
/// SIGCHLD to SIG_DFL with the raw syscall (safe before libc); an inherited SIG_IGN is recorded
/// in chalk_inherited_ignored.
void chalk_default_sigchld(void);
/// 1 when chalk_default_sigchld found SIGCHLD ignored (safe before libc).
int chalk_sigchld_was_ignored(void);
/// A signalfd for every signal (close-on-exec, non-blocking), or -1. Reading signals from it
/// keeps them blocked all the time, unlike sigtimedwait, which unblocks the waited-for set
/// while it sleeps (so /proc shows the loop's thread with an empty SigBlk).
int chalk_signalfd_open(void);
/// Waits up to timeout_ms (negative: forever) for any signal, on sfd (from chalk_signalfd_open),
/// or with rt_sigtimedwait when sfd < 0. Returns the signal number, or 0 on timeout, or
/// -1/errno. *sender_pid and *code come from the siginfo.
int chalk_wait_signal(int sfd, long timeout_ms, pid_t *sender_pid, int *code);
/// The calling thread's kernel id.
pid_t chalk_gettid(void);
/// Sends sig to one thread of this process (used by the reporter to wake the signal loop).
int chalk_tgkill(pid_t tid, int sig);

// ---- spawning ---------------------------------------------------------------------------------
/// What chalk_spawn runs. `paths` are tried in order with execve (PATH candidates); argv[0] is
/// passed as given. envp NULL means the current environment.
typedef struct {
    const char *const *paths;
    int path_count;
    char *const *argv;
    char *const *envp;
    /// NULL: the child keeps chalk's working directory.
    const char *cwd;
    /// Put the child in its own process group.
    int new_process_group;
    /// >= 0: make the child's group the foreground group of this terminal.
    int tty_fd;
    /// 1 when no disposition has changed since chalk started but SIGCHLD (chalk_default_sigchld):
    /// the pre-main launcher's case. The child then restores SIGCHLD only, instead of checking
    /// all 62 dispositions (and needs no captured set, which the launcher runs before).
    int pristine_dispositions;
} chalk_spawn_attr;

/// Result codes of chalk_spawn.
enum {
    CHALK_SPAWN_OK = 0,
    /// The child could not exec any path: *err is the errno of the first failure, *failed the index.
    CHALK_SPAWN_EXEC_FAILED = 1,
    /// chalk could not set up the child (pipe, fork): *err is the errno.
    CHALK_SPAWN_SETUP_FAILED = 2,
};

/// vforks and execs. The child: own process group, terminal handoff, the inherited ignored
/// dispositions restored (everything else SIG_DFL), the inherited signal mask restored, optional
/// chdir, then execve of each path in turn. The parent resumes when the child has exec'd or
/// exited, so on CHALK_SPAWN_OK the program is running, and *failed holds the index of the path
/// it runs.
int chalk_spawn(const chalk_spawn_attr *attr, pid_t *pid, int *err, int *failed);

/// The terminal roles of a workload about to be spawned: *tty_fd = 0 when chalk is in the
/// foreground of its controlling terminal on fd 0 (hand it to the workload), else -1;
/// *controlling_tty = 0 when fd 0 is chalk's controlling terminal at all (job control applies),
/// else -1. With hand_terminal 0 both are -1.
void chalk_terminal_roles(int hand_terminal, int *tty_fd, int *controlling_tty);

/// Fail-open path: restores the inherited signal state in this process and execs each path in
/// turn. Returns only if all fail (*failed = index of the first failure, errno of that failure).
int chalk_exec_direct(const chalk_spawn_attr *attr, int *failed);

// ---- memory ---------------------------------------------------------------------------------
/// Gives freed heap memory back to the kernel (glibc malloc_trim(0)).
void chalk_malloc_trim(void);
/// malloc_trim, and drops the page-table entries of chalk's own (read-only, executable) code
/// mapping: after the exec report the supervisor runs a few pages of code at most, which fault
/// back in from the page cache. Lowers the idle supervisor's RSS (RULINGS 12).
void chalk_release_memory(void);
/// chalk_release_memory, then poll(fd, POLLIN, timeout_ms): the reporter's idle wait. Releasing
/// right before sleeping keeps the code that runs afterwards (and faults back in) to a minimum.
int chalk_release_memory_and_poll(int fd, int timeout_ms);

// ---- exec's command line -----------------------------------------------------------------------
/// Flags that take a value (`--flag V` or `--flag=V`), NULL-terminated: global flags, and exec's
/// own. The single list read by both the C launcher and the Swift parser.
const char *const *chalk_global_value_flag_list(void);
const char *const *chalk_exec_value_flag_list(void);
/// 1 when the flag (the first len bytes of `flag`) takes a value.
int chalk_flag_takes_value(const char *flag, size_t len);

/// Where PROGRAM is in `chalk [GLOBAL FLAGS] exec [OPTIONS] [--] PROGRAM [ARG...]`.
typedef struct {
    /// Index in argv of the first word after exec's options (PROGRAM, or argc when there is none).
    int command_index;
    /// The value of --exec-command-name (points into argv), or NULL.
    const char *command_name;
    /// --subreaper was given.
    int subreaper;
} chalk_exec_cmdline;

/// Scans a whole process command line (argv[0] = chalk). Returns 0 when it is an exec command
/// line (not `exec --help`, not chalk running as `docker`), -1 otherwise.
int chalk_scan_exec_cmdline(int argc, char *const *argv, chalk_exec_cmdline *out);

// ---- finding PROGRAM --------------------------------------------------------------------------
#define CHALK_MAX_CANDIDATES 64
/// Files to try with execve, in order. The caller provides the storage for the paths (`arena`,
/// `arena_size`: 16 KiB is plenty); chalk_candidates_free empties the list.
typedef struct {
    char *paths[CHALK_MAX_CANDIDATES];
    int count;
    char *arena;
    size_t arena_size;
    size_t used;
} chalk_candidates;

enum {
    CHALK_RESOLVE_OK = 0,
    /// *err holds the errno (stat of a path with a `/`; ENOENT for an empty PROGRAM).
    CHALK_RESOLVE_ERRNO = 1,
    CHALK_RESOLVE_IS_DIRECTORY = 2,
    /// Found, but no execute bit applies ("Permission denied").
    CHALK_RESOLVE_NOT_EXECUTABLE = 3,
    /// A bare name found in no PATH directory ("command not found").
    CHALK_RESOLVE_NOT_FOUND = 4,
};

/// PROGRAM to candidates (spec/exec.md §1.4, §10.6): a name with a `/` as written; a bare name
/// in each PATH directory (empty entry = working directory; default PATH when NULL), every
/// regular file with an applicable execute bit, skipping chalk's own directory when PROGRAM is
/// chalk's own file name (self_exe, may be NULL). Safe before libc. A path that doesn't fit the
/// arena fails with ENAMETOOLONG.
int chalk_resolve_program(const char *program, const char *path, const char *self_exe, chalk_candidates *out,
                          int *err);
void chalk_candidates_free(chalk_candidates *c);

/// Captures the inherited signal mask and ignored dispositions once (idempotent); the pre-main
/// launcher calls it before it blocks anything, whatever order constructors run in. Also
/// records chalk's parent at start (chalk_initial_ppid).
void chalk_capture_inherited_signals_once(void);
/// chalk's parent PID when chalk started (before main), for --parent-death-signal: the parent
/// may die before the request is made, while the workload is already running.
pid_t chalk_initial_ppid(void);

// ---- job control (jobcontrol.c) ----------------------------------------------------------------
/// Stops chalk with `sig` (SIGSTOP, SIGTSTP, SIGTTIN or SIGTTOU) as its default action would,
/// although chalk blocks every signal: `whole_group` sends it to chalk's process group (as the
/// terminal does), otherwise to chalk only. Returns when chalk has been continued, or at once
/// when the kernel discards the signal (job-control signals do nothing in an orphaned process
/// group). The stop signal and the SIGCONT that resumed chalk are consumed, so the signal loop
/// never forwards them. Returns 1 when a SIGCONT resumed chalk, 0 when none came, -1/errno when
/// the signal could not be sent.
int chalk_job_stop(int sig, int whole_group);

#endif
