#define _GNU_SOURCE
#include "CChalkSys.h"
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/signalfd.h>

// The kernel's sigset is 64 bits on Linux (_NSIG = 64); glibc's sigset_t is larger. Raw syscalls
// take the kernel's size, and let chalk block and wait for 32 and 33, which glibc hides.
#define KSIGSET_SIZE 8

static uint64_t inherited_mask;
static uint64_t inherited_ignored;

uint64_t chalk_current_ignored(void) {
    uint64_t bits = 0;
    for (int sig = 1; sig <= 64; sig++) {
        struct sigaction sa;
        // glibc rejects 32 and 33 (EINVAL); they are never inherited as SIG_IGN in practice.
        if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN) bits |= (uint64_t)1 << (sig - 1);
    }
    return bits;
}

// Runs before main() and before any Swift code: this is the state the workload must get back.
// Constructor priority 101 is the earliest available to programs.
static pid_t initial_ppid;

pid_t chalk_initial_ppid(void) { return initial_ppid; }

void chalk_capture_inherited_signals_once(void) {
    static int captured;
    if (captured) return;
    captured = 1;
    initial_ppid = getppid();
    uint64_t old = 0;
    if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &old, KSIGSET_SIZE) == 0) inherited_mask = old;
    inherited_ignored = chalk_current_ignored();
}

__attribute__((constructor(101))) static void chalk_capture_inherited_signals(void) {
    chalk_capture_inherited_signals_once();
}

uint64_t chalk_inherited_sigmask(void) { return inherited_mask; }
uint64_t chalk_inherited_ignored(void) { return inherited_ignored; }

int chalk_block_all_signals(void) {
    uint64_t all = ~(uint64_t)0;
    return (int)syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, NULL, KSIGSET_SIZE);
}

int chalk_signalfd_open(void) {
    uint64_t all = ~(uint64_t)0;
    return (int)syscall(SYS_signalfd4, -1, &all, KSIGSET_SIZE, SFD_CLOEXEC | SFD_NONBLOCK);
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
    long r = syscall(SYS_rt_sigtimedwait, &all, &info, tsp, KSIGSET_SIZE);
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

