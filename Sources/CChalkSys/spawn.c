#define _GNU_SOURCE
#include "CChalkSys.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

extern char **environ;

// Everything below that runs in the child after vfork() is async-signal-safe: no malloc, no
// locks, no Swift. This is why the child path lives in C (STYLE.md 3).

/// Puts back the dispositions chalk inherited: SIG_IGN where chalk started with SIG_IGN,
/// SIG_DFL where chalk (or the Swift runtime, e.g. SIGPIPE) ignored a signal since. Handlers
/// are reset by execve anyway.
static void restore_dispositions(void) {
    uint64_t inherited = chalk_inherited_ignored();
    for (int sig = 1; sig <= 64; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP || sig == 32 || sig == 33) continue;
        struct sigaction cur;
        if (sigaction(sig, NULL, &cur) != 0) continue;
        int want_ignored = (inherited >> (sig - 1)) & 1;
        int is_ignored = cur.sa_handler == SIG_IGN;
        if (want_ignored == is_ignored && (is_ignored || cur.sa_handler == SIG_DFL)) continue;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = want_ignored ? SIG_IGN : SIG_DFL;
        sigemptyset(&sa.sa_mask);
        sigaction(sig, &sa, NULL);
    }
}

static void restore_mask(void) {
    uint64_t mask = chalk_inherited_sigmask();
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, (size_t)8);
}

/// Tries each path; returns the index and errno of the first failure (a later path can only
/// be tried when an earlier one failed). *attempt (when not NULL) holds the index of the path
/// being tried, so a vfork parent learns which path the running program came from.
static int exec_paths(const chalk_spawn_attr *a, int *first_errno, volatile int *attempt) {
    char *const *envp = a->envp ? a->envp : environ;
    int first = -1;
    for (int i = 0; i < a->path_count; i++) {
        if (attempt) *attempt = i;
        execve(a->paths[i], a->argv, envp);
        if (first < 0) { first = i; *first_errno = errno; }
    }
    if (first < 0) { first = 0; *first_errno = ENOENT; }
    return first;
}

/// What the vfork child leaves for the parent in the parent's own stack frame (they share
/// memory until the child execs or exits, and the parent is suspended until then).
typedef struct {
    int attempt;  // index of the path execve is trying
    int stage;    // 0: exec'd; 1: chdir failed; 2: every exec failed
    int err;
    int index;    // the path of the first failure
} child_report;

int chalk_spawn(const chalk_spawn_attr *a, pid_t *pid_out, int *err, int *failed) {
    volatile child_report report = {0, 0, 0, 0};
    // vfork: no page tables copied and no copy-on-write afterwards, and the parent resumes
    // exactly when the child has exec'd or exited. The child runs on this stack until then:
    // it calls only async-signal-safe functions, never returns, and leaves its outcome in
    // `report`. All signals are blocked (inherited from the supervisor), so no handler can
    // run in the child, and tcsetpgrp from a background group is not stopped by SIGTTOU.
    pid_t pid = vfork();
    if (pid < 0) { *err = errno; return CHALK_SPAWN_SETUP_FAILED; }
    if (pid == 0) {
        if (a->new_process_group) setpgid(0, 0);
        if (a->tty_fd >= 0) tcsetpgrp(a->tty_fd, getpgrp());
        restore_dispositions();
        if (a->cwd && chdir(a->cwd) != 0) {
            report.stage = 1; report.err = errno;
            _exit(127);
        }
        restore_mask();
        int e = 0;
        int idx = exec_paths(a, &e, &report.attempt);
        report.stage = 2; report.err = e; report.index = idx;
        _exit(127);
    }
    // glibc's vfork() leaves the parent's mask alone, but block everything again anyway, as
    // the supervisor expects (including glibc's internal 32 and 33).
    chalk_block_all_signals();
    if (report.stage == 0) {
        *pid_out = pid;
        *failed = report.attempt;
        return CHALK_SPAWN_OK;
    }
    // The child failed before or at exec and has _exit'ed: collect it so it leaves no zombie.
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    *err = report.err;
    *failed = report.stage == 2 ? report.index : 0;
    return CHALK_SPAWN_EXEC_FAILED;
}

int chalk_exec_direct(const chalk_spawn_attr *a, int *failed) {
    restore_dispositions();
    restore_mask();
    int e = 0;
    *failed = exec_paths(a, &e, NULL);
    errno = e;
    return -1;
}

void chalk_terminal_roles(int hand_terminal, int *tty_fd, int *controlling_tty) {
    // tcgetpgrp fails (ENOTTY) unless fd 0 is chalk's controlling terminal.
    pid_t foreground = hand_terminal && isatty(0) ? tcgetpgrp(0) : -1;
    // Hand the terminal over only when chalk is in its foreground: a background
    // `chalk exec ... &` must not steal the shell's terminal.
    *tty_fd = foreground > 0 && foreground == getpgrp() ? 0 : -1;
    *controlling_tty = foreground > 0 ? 0 : -1;
}
