#define _GNU_SOURCE
#include "CExecLaunch.h"
#include "CChalkSys.h"
#include <sys/auxv.h>

// Everything the launcher runs is safe before libc: CChalkSys's freestanding functions and the
// code below. No libc function is called, no errno is touched, and nothing is compiled with
// stack protection, because in the static chalk this runs from the ELF entry point, before glibc
// has set up TLS or resolved its IFUNCs (see chalk_entry below).
#pragma clang attribute push(__attribute__((no_stack_protector, no_builtin)), apply_to = function)

static chalk_early_spawn result = { .state = CHALK_EARLY_NONE, .tty_fd = -1, .controlling_tty = -1 };
static char candidate_arena[16 * 1024];
static chalk_candidates candidates;

const chalk_early_spawn *chalk_early_spawn_result(void) { return &result; }

static const char *env_value(char **envp, const char *name) {
    for (; envp && *envp; envp++) {
        const char *e = *envp, *n = name;
        while (*n && *e == *n) { e++; n++; }
        if (!*n && *e == '=') return e + 1;
    }
    return 0;
}

/// The most words the launcher puts on its stack for the workload's argv; longer command lines
/// are left to the Swift path.
#define MAX_WORDS 4096

/// Recognises an exec command line and spawns the workload (once).
static void chalk_early_exec(int argc, char **argv, char **envp, int launcher) {
    static int attempted;
    if (attempted) return;
    attempted = 1;
    chalk_exec_cmdline cl;
    if (chalk_scan_exec_cmdline(argc, argv, &cl) != 0) return;
    if (!cl.command_name && cl.command_index >= argc) return;  // no PROGRAM: the config may name it
    int words = argc - cl.command_index;
    if (words > MAX_WORDS) return;

    int64_t start = chalk_wall_millis_early();
    chalk_capture_inherited_signals_once();
    // As ExecCommand.runFast: every signal blocked before any thread exists (every later thread
    // inherits the mask), and an inherited SIGCHLD=SIG_IGN undone so the workload's status is
    // not reaped away by the kernel (the workload gets the inherited disposition back).
    chalk_block_all_signals();
    chalk_default_sigchld();
    if (cl.subreaper || env_value(envp, "CHALK_SUBREAPER")) chalk_set_child_subreaper_early(1);

    // The workload's argv: --exec-command-name in front of all the positional words, or PROGRAM's.
    char *wargv[words + 2];
    int n = 0;
    if (cl.command_name) wargv[n++] = (char *)cl.command_name;
    for (int i = cl.command_index; i < argc; i++) wargv[n++] = argv[i];
    wargv[n] = 0;

    // chalk's own path matters only for a bare name (never find ourself on PATH).
    char self[4096];
    long sl = -1;
    const char *w = wargv[0];
    while (*w && *w != '/') w++;
    if (!*w) sl = chalk_self_exe_early(self, sizeof self);
    int err = 0;
    candidates.arena = candidate_arena;
    candidates.arena_size = sizeof candidate_arena;
    if (chalk_resolve_program(wargv[0], env_value(envp, "PATH"), sl > 0 ? self : 0, &candidates, &err) != CHALK_RESOLVE_OK)
        return;  // the Swift path resolves again and says why
    int tty, controlling_tty;
    chalk_terminal_roles(1, &tty, &controlling_tty);
    chalk_spawn_attr attr = {
        .paths = (const char *const *)candidates.paths, .path_count = candidates.count, .argv = wargv,
        .envp = envp, .cwd = 0, .new_process_group = 1, .tty_fd = tty, .pristine_dispositions = 1,
    };
    pid_t pid = 0;
    int failed = 0;
    int rc = chalk_spawn(&attr, &pid, &err, &failed);
    result.pid = pid;
    result.err = err;
    result.path_index = failed;
    result.paths = (const char *const *)candidates.paths;
    result.path_count = candidates.count;
    result.command_index = cl.command_index;
    result.tty_fd = tty;
    result.controlling_tty = controlling_tty;
    result.start_millis = start;
    result.launcher = launcher;
    result.state = rc == CHALK_SPAWN_OK ? CHALK_EARLY_STARTED
                 : rc == CHALK_SPAWN_EXEC_FAILED ? CHALK_EARLY_EXEC_FAILED : CHALK_EARLY_SETUP_FAILED;
}

/// The static chalk's ELF entry point (the linker's `-e chalk_entry`, scripts/build-static.sh):
/// the workload starts before glibc's own start-up. A static glibc first probes the CPU with
/// dozens of CPUID instructions, each a VM exit (about 4 µs apiece here, some 0.4 ms in all),
/// which tini, dynamically linked, pays once in ld.so as well; starting the workload first takes
/// that cost off its start. The launcher reads the initial stack (argc, argv, envp) the kernel
/// built, then jumps to glibc's `_start` with the stack and registers as the kernel left them.
void chalk_entry_launch(long *initial_stack) {
    int argc = (int)initial_stack[0];
    char **argv = (char **)(initial_stack + 1);
    chalk_early_exec(argc, argv, argv + argc + 1, CHALK_LAUNCHER_ENTRY);
}

#if defined(__x86_64__)
__asm__(".text\n"
        ".globl chalk_entry\n"
        ".type chalk_entry,@function\n"
        "chalk_entry:\n"
        "  mov %rsp, %rbx\n"        // the kernel's stack (argc at 0(%rsp)); rbx and r12 survive the call
        "  mov %rdx, %r12\n"        // the kernel's %rdx (an atexit function; 0 for static programs)
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call chalk_entry_launch\n"
        "  mov %rbx, %rsp\n"
        "  mov %r12, %rdx\n"
        "  jmp _start\n"
        ".size chalk_entry, .-chalk_entry\n");
#elif defined(__aarch64__)
__asm__(".text\n"
        ".globl chalk_entry\n"
        ".type chalk_entry,%function\n"
        "chalk_entry:\n"
        "  mov x19, x0\n"           // the kernel's x0 (an atexit function); x19 survives the call
        "  mov x0, sp\n"
        "  bl chalk_entry_launch\n"
        "  mov x0, x19\n"
        "  b _start\n"
        ".size chalk_entry, .-chalk_entry\n");
#endif

/// In a static executable (no program interpreter: AT_BASE is 0) `.preinit_array` runs after
/// glibc has set itself up but before `_init` and every constructor: the launcher's place when
/// the static build was linked without the entry point above. In a dynamic executable it would
/// run before libc's own initialisation, so there the constructor below does the work.
static void chalk_early_exec_preinit(int argc, char **argv, char **envp) {
    if (getauxval(AT_BASE) == 0) chalk_early_exec(argc, argv, envp, CHALK_LAUNCHER_PREINIT);
}

__attribute__((section(".preinit_array"), used))
static void (*const chalk_early_exec_entry)(int, char **, char **) = chalk_early_exec_preinit;

/// Dynamic executables (development builds), and the fallback: priority 102, after the
/// inherited signal state is captured (101) and before the Swift runtime's constructors.
__attribute__((constructor(102))) static void chalk_early_exec_constructor(int argc, char **argv, char **envp) {
    chalk_early_exec(argc, argv, envp, CHALK_LAUNCHER_CONSTRUCTOR);
}

#pragma clang attribute pop
