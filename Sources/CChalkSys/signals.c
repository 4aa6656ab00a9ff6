#define _GNU_SOURCE
#include "CChalkSys.h"
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <malloc.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
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
void chalk_capture_inherited_signals_once(void) {
    static int captured;
    if (captured) return;
    captured = 1;
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

void chalk_malloc_trim(void) { malloc_trim(0); }

// Finds this binary's own read-only executable mapping (the r-xp mapping that holds this
// function). Only that mapping may be dropped: MADV_DONTNEED on a writable private mapping would
// lose data.
static int own_text(uintptr_t *start_out, size_t *len_out) {
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buf[8192];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    uintptr_t here = (uintptr_t)&own_text;
    for (char *line = buf; line && *line; ) {
        char *next = strchr(line, '\n');
        if (next) *next++ = 0;
        unsigned long start, end;
        char perms[5];
        if (sscanf(line, "%lx-%lx %4s", &start, &end, perms) == 3 && here >= start && here < end) {
            if (strcmp(perms, "r-xp") != 0) return -1;
            *start_out = start; *len_out = end - start;
            return 0;
        }
        line = next;
    }
    return -1;
}

// Drops this process's page-table entries for its own code. The pages stay in the page cache:
// code that runs again comes back with a minor fault.
static void release_own_text(void) {
    uintptr_t start; size_t len;
    if (own_text(&start, &len) == 0) madvise((void *)start, len, MADV_DONTNEED);
}

void chalk_release_memory(void) {
    malloc_trim(0);
    release_own_text();
}

#if defined(__x86_64__)
// madvise(addr, len, MADV_DONTNEED) then poll(pfd, 1, timeout), as 46 bytes of machine code in
// a page of their own. Returning from madvise into chalk's text would fault a large folio of it
// straight back in (megabytes with the page cache's large folios); returning into this page
// faults nothing, so the idle reporter holds none of chalk's code. x86-64 SysV:
// rdi = addr, rsi = len, rdx = pfd, rcx = timeout; returns poll's result.
static const unsigned char release_and_poll_code[] = {
    0x49, 0x89, 0xd0,                   // mov r8, rdx      (pfd)
    0x49, 0x89, 0xc9,                   // mov r9, rcx      (timeout; syscall clobbers rcx)
    0xb8, 0x1c, 0x00, 0x00, 0x00,       // mov eax, 28      (SYS_madvise)
    0xba, 0x04, 0x00, 0x00, 0x00,       // mov edx, 4       (MADV_DONTNEED)
    0x0f, 0x05,                         // syscall
    0x4c, 0x89, 0xc7,                   // mov rdi, r8
    0xbe, 0x01, 0x00, 0x00, 0x00,       // mov esi, 1       (nfds)
    0x4c, 0x89, 0xca,                   // mov rdx, r9
    0xb8, 0x07, 0x00, 0x00, 0x00,       // mov eax, 7       (SYS_poll)
    0x0f, 0x05,                         // syscall
    0xc3,                               // ret
};
typedef long (*release_and_poll_fn)(void *, size_t, struct pollfd *, long);

/// The stub, mapped once (write, then read+execute: never both). NULL when the system forbids
/// executable anonymous memory; callers fall back to madvise + poll from chalk's text.
static release_and_poll_fn release_and_poll_stub(void) {
    static release_and_poll_fn stub;
    static int tried;
    if (tried) return stub;
    tried = 1;
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return NULL;
    memcpy(page, release_and_poll_code, sizeof release_and_poll_code);
    if (mprotect(page, 4096, PROT_READ | PROT_EXEC) != 0) { munmap(page, 4096); return NULL; }
    stub = (release_and_poll_fn)page;
    return stub;
}
#endif

int chalk_release_memory_and_poll(int fd, int timeout_ms) {
    malloc_trim(0);
    struct pollfd p = { .fd = fd, .events = POLLIN, .revents = 0 };
    uintptr_t start; size_t len;
    if (own_text(&start, &len) != 0) return poll(&p, 1, timeout_ms);
#if defined(__x86_64__)
    release_and_poll_fn stub = release_and_poll_stub();
    if (stub) return (int)stub((void *)start, len, &p, timeout_ms);
#endif
    madvise((void *)start, len, MADV_DONTNEED);
    return poll(&p, 1, timeout_ms);
}
