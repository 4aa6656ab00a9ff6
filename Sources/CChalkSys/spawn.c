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

// Everything below that runs in the child after fork() is async-signal-safe: no malloc, no
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

static void write_all(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) { if (errno == EINTR) continue; return; }
        p += w; n -= (size_t)w;
    }
}

static void restore_mask(void) {
    uint64_t mask = chalk_inherited_sigmask();
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, (size_t)8);
}

/// Tries each path; returns the index and errno of the first failure (a later path can only
/// be tried when an earlier one failed). With report_fd >= 0, announces each attempt there
/// ({0, 0, index}), so the parent learns which path the running program came from.
static int exec_paths(const chalk_spawn_attr *a, int *first_errno, int report_fd) {
    char *const *envp = a->envp ? a->envp : environ;
    int first = -1;
    for (int i = 0; i < a->path_count; i++) {
        if (report_fd >= 0) {
            int attempt[3] = {0, 0, i};
            write_all(report_fd, attempt, sizeof attempt);
        }
        execve(a->paths[i], a->argv, envp);
        if (first < 0) { first = i; *first_errno = errno; }
    }
    if (first < 0) { first = 0; *first_errno = ENOENT; }
    return first;
}

int chalk_spawn(const chalk_spawn_attr *a, pid_t *pid_out, int *err, int *failed) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) { *err = errno; return CHALK_SPAWN_SETUP_FAILED; }
    pid_t pid = fork();
    if (pid < 0) {
        *err = errno;
        close(fds[0]); close(fds[1]);
        return CHALK_SPAWN_SETUP_FAILED;
    }
    if (pid == 0) {
        // Child. All signals are still blocked (inherited from the supervisor), so nothing can
        // interrupt this sequence, and tcsetpgrp from a background group is not stopped by SIGTTOU.
        close(fds[0]);
        int report[3] = {0, 0, 0};  // {stage, errno, index}
        if (a->new_process_group) setpgid(0, 0);
        if (a->tty_fd >= 0) tcsetpgrp(a->tty_fd, getpgrp());
        restore_dispositions();
        if (a->cwd && chdir(a->cwd) != 0) {
            report[0] = 1; report[1] = errno;
            write_all(fds[1], report, sizeof report);
            _exit(127);
        }
        restore_mask();
        int e = 0;
        int idx = exec_paths(a, &e, fds[1]);
        report[0] = 2; report[1] = e; report[2] = idx;
        write_all(fds[1], report, sizeof report);
        _exit(127);
    }
    close(fds[1]);
    // glibc's fork() unblocks its two internal signals (32, 33) in the parent: block them again.
    chalk_block_all_signals();
    // Both sides set the group, so it is in place whichever runs first (as shells do). After
    // the child has exec'd this fails with EACCES, which is fine.
    if (a->new_process_group) setpgid(pid, pid);
    // Records of 3 ints: {0, 0, i} before each execve attempt, {1 or 2, errno, i} on failure.
    // EOF after attempts only: the last attempt succeeded (the pipe closed on exec).
    int record[3], last_attempt = 0, failure = 0, fail_err = 0, fail_idx = 0;
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fds[0], (char *)record + got, sizeof record - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
        if (got < sizeof record) continue;
        got = 0;
        if (record[0] == 0) { last_attempt = record[2]; continue; }
        failure = 1; fail_err = record[1]; fail_idx = record[2];
    }
    close(fds[0]);
    if (!failure && got == 0) {
        *pid_out = pid;
        *failed = last_attempt;
        return CHALK_SPAWN_OK;
    }
    // The child failed before or at exec and has _exit'ed: collect it so it leaves no zombie.
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    *err = failure ? fail_err : EIO;
    *failed = failure ? fail_idx : 0;
    return CHALK_SPAWN_EXEC_FAILED;
}

int chalk_exec_direct(const chalk_spawn_attr *a, int *failed) {
    restore_dispositions();
    restore_mask();
    int e = 0;
    *failed = exec_paths(a, &e, -1);
    errno = e;
    return -1;
}
