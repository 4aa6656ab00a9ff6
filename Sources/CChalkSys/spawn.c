#define _GNU_SOURCE
#include "CChalkSys.h"
#include "raw_syscall.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sched.h>

extern char **environ;

// Starting the workload. Safe before libc (raw_syscall.h): the static chalk's ELF entry launcher
// spawns before glibc's start-up; the Swift supervisor and the dynamic build's constructor use
// the same code afterwards. Everything that runs in the child is raw system calls on memory
// shared with the parent: no malloc, no locks, no errno, no Swift (STYLE.md 3).
/// clone(CLONE_VM | CLONE_VFORK | SIGCHLD) with the child on its own stack, as glibc's
/// posix_spawn does: no page tables copied, no copy-on-write, and the caller resumes exactly when
/// the child has exec'd or exited. The child runs fn(arg) and exits with its result. Returns the
/// child's pid or -errno.
long chalk_clone_vfork(int (*fn)(void *), void *arg, void *stack_top);

#pragma clang attribute push(__attribute__((no_stack_protector, no_builtin)), apply_to = function)


#if defined(__x86_64__)
__asm__(".text\n"
        ".globl chalk_clone_vfork\n"
        ".type chalk_clone_vfork,@function\n"
        "chalk_clone_vfork:\n"
        "  mov %rdi, %r8\n"          // fn (clone's tls argument is ignored without CLONE_SETTLS)
        "  mov %rsi, %r9\n"          // arg
        "  and $-16, %rdx\n"
        "  mov %rdx, %rsi\n"         // the child's stack
        "  mov $0x4111, %edi\n"      // CLONE_VM | CLONE_VFORK | SIGCHLD
        "  xor %edx, %edx\n"
        "  xor %r10d, %r10d\n"
        "  mov $56, %eax\n"          // SYS_clone
        "  syscall\n"
        "  test %rax, %rax\n"
        "  jnz 1f\n"
        "  xor %ebp, %ebp\n"         // child: a fresh frame chain on the new stack
        "  mov %r9, %rdi\n"
        "  call *%r8\n"
        "  mov %eax, %edi\n"
        "  mov $231, %eax\n"         // SYS_exit_group
        "  syscall\n"
        "  hlt\n"
        "1: ret\n"
        ".size chalk_clone_vfork, .-chalk_clone_vfork\n");
#elif defined(__aarch64__)
__asm__(".text\n"
        ".globl chalk_clone_vfork\n"
        ".type chalk_clone_vfork,%function\n"
        "chalk_clone_vfork:\n"
        "  mov x9, x0\n"             // fn
        "  mov x10, x1\n"            // arg
        "  and x1, x2, #0xfffffffffffffff0\n"
        "  mov x0, #0x4111\n"        // CLONE_VM | CLONE_VFORK | SIGCHLD
        "  mov x2, xzr\n"
        "  mov x3, xzr\n"
        "  mov x4, xzr\n"
        "  mov x8, #220\n"           // SYS_clone
        "  svc 0\n"
        "  cbnz x0, 1f\n"
        "  mov x29, xzr\n"
        "  mov x30, xzr\n"
        "  mov x0, x10\n"
        "  blr x9\n"
        "  mov x8, #94\n"            // SYS_exit_group
        "  svc 0\n"
        "  brk #0\n"
        "1: ret\n"
        ".size chalk_clone_vfork, .-chalk_clone_vfork\n");
#endif

/// Puts back the dispositions chalk inherited: SIG_IGN where chalk started with SIG_IGN,
/// SIG_DFL where chalk (or the Swift runtime, e.g. SIGPIPE) ignored a signal since. Handlers
/// are reset by execve anyway. 32 and 33 belong to glibc.
static void restore_dispositions(int pristine) {
    if (pristine) {
        if (chalk_sigchld_was_ignored()) chalk_raw_set_disposition(SIGCHLD, (void *)SIG_IGN, 0);
        return;
    }
    uint64_t inherited = chalk_inherited_ignored();
    for (int sig = 1; sig <= 64; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP || sig == 32 || sig == 33) continue;
        chalk_ksigaction cur;
        if (chalk_sys4(SYS_rt_sigaction, sig, 0, (long)&cur, CHALK_KSIGSET_SIZE) != 0) continue;
        int want_ignored = (inherited >> (sig - 1)) & 1;
        int is_ignored = cur.handler == (void *)SIG_IGN;
        if (want_ignored == is_ignored && (is_ignored || cur.handler == (void *)SIG_DFL)) continue;
        chalk_raw_set_disposition(sig, want_ignored ? (void *)SIG_IGN : (void *)SIG_DFL, 0);
    }
}

static void restore_mask(void) {
    uint64_t mask = chalk_inherited_sigmask();
    chalk_sys4(SYS_rt_sigprocmask, SIG_SETMASK, (long)&mask, 0, CHALK_KSIGSET_SIZE);
}

/// Tries each path; returns the index and errno of the first failure (a later path can only
/// be tried when an earlier one failed). *attempt (when not NULL) holds the index of the path
/// being tried, so a vfork parent learns which path the running program came from.
static int exec_paths(const chalk_spawn_attr *a, int *first_errno, volatile int *attempt) {
    char *const *envp = a->envp ? a->envp : environ;
    int first = -1;
    for (int i = 0; i < a->path_count; i++) {
        if (attempt) *attempt = i;
        long r = chalk_sys3(SYS_execve, (long)a->paths[i], (long)a->argv, (long)envp);
        if (first < 0) { first = i; *first_errno = (int)-r; }
    }
    if (first < 0) { first = 0; *first_errno = ENOENT; }
    return first;
}

/// What the child leaves for the parent (they share memory until the child execs or exits, and
/// the parent is suspended until then).
typedef struct {
    const chalk_spawn_attr *attr;
    volatile int attempt;  // index of the path execve is trying
    volatile int stage;    // 0: exec'd; 1: chdir failed; 2: every exec failed
    volatile int err;
    volatile int index;    // the path of the first failure
} child_report;

static int spawn_child(void *arg) {
    child_report *report = arg;
    const chalk_spawn_attr *a = report->attr;
    if (a->new_process_group) chalk_sys2(SYS_setpgid, 0, 0);
    if (a->tty_fd >= 0) {
        pid_t group = (pid_t)chalk_sys1(SYS_getpgid, 0);
        chalk_sys3(SYS_ioctl, a->tty_fd, TIOCSPGRP, (long)&group);
    }
    restore_dispositions(a->pristine_dispositions);
    if (a->cwd) {
        long r = chalk_sys1(SYS_chdir, (long)a->cwd);
        if (r < 0) { report->stage = 1; report->err = (int)-r; return 127; }
    }
    restore_mask();
    int e = 0;
    int idx = exec_paths(a, &e, &report->attempt);
    report->stage = 2;
    report->err = e;
    report->index = idx;
    return 127;
}

int chalk_spawn(const chalk_spawn_attr *a, pid_t *pid_out, int *err, int *failed) {
    child_report report;
    report.attr = a;
    report.attempt = 0;
    report.stage = 0;
    report.err = 0;
    report.index = 0;
    // The child's stack, in this frame (spawns may run on several threads in one process, as in
    // the tests). The child needs well under 1 KiB. All signals are blocked (inherited from the
    // supervisor), so no handler can run in the child, and tcsetpgrp from a background group is
    // not stopped by SIGTTOU.
    _Alignas(16) char child_stack[16 * 1024];
    long pid = chalk_clone_vfork(spawn_child, &report, child_stack + sizeof child_stack);
    if (pid < 0) { *err = (int)-pid; return CHALK_SPAWN_SETUP_FAILED; }
    // Block everything again anyway, as the supervisor expects (including glibc's 32 and 33).
    chalk_block_all_signals();
    if (report.stage == 0) {
        *pid_out = (pid_t)pid;
        *failed = report.attempt;
        return CHALK_SPAWN_OK;
    }
    // The child failed before or at exec and has exited: collect it so it leaves no zombie.
    int st;
    while (chalk_sys4(SYS_wait4, pid, (long)&st, 0, 0) == -EINTR) {}
    *err = report.err;
    *failed = report.stage == 2 ? report.index : 0;
    return CHALK_SPAWN_EXEC_FAILED;
}

int chalk_exec_direct(const chalk_spawn_attr *a, int *failed) {
    // Called from Swift (libc is up): errno may be set here.
    restore_dispositions(0);
    restore_mask();
    int e = 0;
    *failed = exec_paths(a, &e, 0);
    errno = e;
    return -1;
}

void chalk_terminal_roles(int hand_terminal, int *tty_fd, int *controlling_tty) {
    // TIOCGPGRP fails (ENOTTY) unless fd 0 is chalk's controlling terminal.
    pid_t foreground = -1;
    if (hand_terminal && chalk_sys3(SYS_ioctl, 0, TIOCGPGRP, (long)&foreground) != 0) foreground = -1;
    // Hand the terminal over only when chalk is in its foreground: a background
    // `chalk exec ... &` must not steal the shell's terminal.
    pid_t own = (pid_t)chalk_sys1(SYS_getpgid, 0);
    *tty_fd = foreground > 0 && foreground == own ? 0 : -1;
    *controlling_tty = foreground > 0 ? 0 : -1;
}

#pragma clang attribute pop
