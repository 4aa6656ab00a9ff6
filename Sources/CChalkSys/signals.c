#define _GNU_SOURCE
#include "CChalkSys.h"
#include "raw_syscall.h"
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/signalfd.h>

// The kernel's sigset is 64 bits on Linux (_NSIG = 64; CHALK_KSIGSET_SIZE); glibc's sigset_t is
// larger. Raw syscalls take the kernel's size, and let chalk block and wait for 32 and 33, which
// glibc hides.

static uint64_t inherited_mask;
static uint64_t inherited_ignored;

// The capture and blocking below are safe before libc (raw_syscall.h): the static chalk's ELF
// entry launcher calls them before glibc's start-up.
#pragma clang attribute push(__attribute__((no_stack_protector, no_builtin)), apply_to = function)

uint64_t chalk_current_ignored(void) {
    uint64_t bits = 0;
    for (int sig = 1; sig <= 64; sig++) {
        // 32 and 33 belong to glibc (its sigaction refuses them); never reported as inherited.
        if (sig == 32 || sig == 33) continue;
        chalk_ksigaction sa;
        if (chalk_sys4(SYS_rt_sigaction, sig, 0, (long)&sa, CHALK_KSIGSET_SIZE) == 0 && sa.handler == (void *)SIG_IGN)
            bits |= (uint64_t)1 << (sig - 1);
    }
    return bits;
}

// The state the workload must get back, captured before any Swift code runs. The mask and the
// parent are taken by whichever comes first: the pre-main launcher or the constructor below
// (101, the earliest priority available to programs). The ignored dispositions are read by that
// constructor only: 62 rt_sigaction calls are left out of the launcher's path, and until then
// nothing has changed a disposition but the launcher's SIGCHLD, which chalk_default_sigchld
// records.
static pid_t initial_ppid;
static uint64_t sigchld_was_ignored;

pid_t chalk_initial_ppid(void) { return initial_ppid; }

void chalk_capture_inherited_signals_once(void) {
    static int captured;
    if (captured) return;
    captured = 1;
    initial_ppid = (pid_t)chalk_sys0(SYS_getppid);
    uint64_t old = 0;
    if (chalk_sys4(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&old, CHALK_KSIGSET_SIZE) == 0) inherited_mask = old;
}

__attribute__((constructor(101))) static void chalk_capture_inherited_signals(void) {
    chalk_capture_inherited_signals_once();
    inherited_ignored = chalk_current_ignored();
}

uint64_t chalk_inherited_sigmask(void) { return inherited_mask; }
int chalk_sigchld_was_ignored(void) { return sigchld_was_ignored != 0; }
uint64_t chalk_inherited_ignored(void) { return inherited_ignored | sigchld_was_ignored; }

int chalk_block_all_signals(void) {
    uint64_t all = ~(uint64_t)0;
    long r = chalk_sys4(SYS_rt_sigprocmask, SIG_BLOCK, (long)&all, 0, CHALK_KSIGSET_SIZE);
    return r < 0 ? -1 : 0;
}

/// SIGCHLD back to SIG_DFL (an inherited SIG_IGN would let the kernel reap the workload's status
/// away); the workload gets the inherited disposition back. Safe before libc.
void chalk_default_sigchld(void) {
    chalk_ksigaction old;
    old.handler = (void *)SIG_DFL;
    chalk_raw_set_disposition(SIGCHLD, (void *)SIG_DFL, &old);
    if (old.handler == (void *)SIG_IGN) sigchld_was_ignored = (uint64_t)1 << (SIGCHLD - 1);
}

#pragma clang attribute pop

int chalk_signalfd_open(void) {
    uint64_t all = ~(uint64_t)0;
    return (int)syscall(SYS_signalfd4, -1, &all, CHALK_KSIGSET_SIZE, SFD_CLOEXEC | SFD_NONBLOCK);
}

int chalk_wait_signal(int sfd, long timeout_ms, pid_t *sender_pid, int *code) {
    if (sfd >= 0) {
        struct pollfd p = { .fd = sfd, .events = POLLIN, .revents = 0 };
        int r = poll(&p, 1, timeout_ms < 0 ? -1 : (int)timeout_ms);
        if (r == 0) return 0;
        if (r < 0) return -1;
        struct signalfd_siginfo si;
        ssize_t n = read(sfd, &si, sizeof si);
        if (n != (ssize_t)sizeof si) return n < 0 && errno == EAGAIN ? 0 : -1;
        if (sender_pid) *sender_pid = (pid_t)si.ssi_pid;
        if (code) *code = si.ssi_code;
        return (int)si.ssi_signo;
    }
    uint64_t all = ~(uint64_t)0;
    siginfo_t info;
    memset(&info, 0, sizeof info);
    struct timespec ts, *tsp = NULL;
    if (timeout_ms >= 0) {
        ts.tv_sec = timeout_ms / 1000;
        ts.tv_nsec = (timeout_ms % 1000) * 1000000L;
        tsp = &ts;
    }
    long r = syscall(SYS_rt_sigtimedwait, &all, &info, tsp, CHALK_KSIGSET_SIZE);
    if (r < 0) {
        if (errno == EAGAIN) return 0;
        return -1;
    }
    if (sender_pid) *sender_pid = info.si_pid;
    if (code) *code = info.si_code;
    return (int)r;
}

pid_t chalk_gettid(void) { return (pid_t)syscall(SYS_gettid); }

int chalk_tgkill(pid_t tid, int sig) { return (int)syscall(SYS_tgkill, getpid(), tid, sig); }

