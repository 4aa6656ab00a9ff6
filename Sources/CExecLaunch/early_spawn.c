#define _GNU_SOURCE
#include "CExecLaunch.h"
#include "CChalkSys.h"
#include <signal.h>
#include <sys/auxv.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static chalk_early_spawn result = { .state = CHALK_EARLY_NONE, .tty_fd = -1, .controlling_tty = -1 };
static chalk_candidates candidates;

const chalk_early_spawn *chalk_early_spawn_result(void) { return &result; }

static int64_t wall_millis(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/// Recognises an exec command line and spawns the workload (once).
static void chalk_early_exec(int argc, char **argv, char **envp) {
    static int attempted;
    if (attempted) return;
    attempted = 1;
    chalk_exec_cmdline cl;
    if (chalk_scan_exec_cmdline(argc, argv, &cl) != 0) return;
    if (!cl.command_name && cl.command_index >= argc) return;  // no PROGRAM: the config may name it

    int64_t start = wall_millis();
    chalk_capture_inherited_signals_once();
    // As ExecCommand.runFast: every signal blocked before any thread exists (every later thread
    // inherits the mask), and an inherited SIGCHLD=SIG_IGN undone so the workload's status is
    // not reaped away by the kernel (the workload gets the inherited disposition back).
    chalk_block_all_signals();
    signal(SIGCHLD, SIG_DFL);
    if (cl.subreaper || getenv("CHALK_SUBREAPER")) chalk_set_child_subreaper(1);

    // The workload's argv: --exec-command-name in front of all the positional words, or PROGRAM's.
    int words = argc - cl.command_index;
    char **wargv = calloc((size_t)words + 2, sizeof *wargv);
    if (!wargv) return;
    int n = 0;
    if (cl.command_name) wargv[n++] = (char *)cl.command_name;
    for (int i = cl.command_index; i < argc; i++) wargv[n++] = argv[i];
    wargv[n] = NULL;

    // chalk's own path matters only for a bare name (never find ourself on PATH).
    char self[4096];
    ssize_t sl = strchr(wargv[0], '/') ? -1 : readlink("/proc/self/exe", self, sizeof self - 1);
    self[sl > 0 ? sl : 0] = 0;
    int err = 0;
    if (chalk_resolve_program(wargv[0], getenv("PATH"), sl > 0 ? self : NULL, &candidates, &err) != CHALK_RESOLVE_OK) {
        free(wargv);
        return;  // the Swift path resolves again and says why
    }
    int tty, controlling_tty;
    chalk_terminal_roles(1, &tty, &controlling_tty);
    chalk_spawn_attr attr = {
        .paths = (const char *const *)candidates.paths, .path_count = candidates.count, .argv = wargv,
        .envp = envp, .cwd = NULL, .new_process_group = 1, .tty_fd = tty,
    };
    pid_t pid = 0;
    int failed = 0;
    int rc = chalk_spawn(&attr, &pid, &err, &failed);
    free(wargv);
    result.pid = pid;
    result.err = err;
    result.path_index = failed;
    result.paths = (const char *const *)candidates.paths;
    result.path_count = candidates.count;
    result.command_index = cl.command_index;
    result.tty_fd = tty;
    result.controlling_tty = controlling_tty;
    result.start_millis = start;
    result.state = rc == CHALK_SPAWN_OK ? CHALK_EARLY_STARTED
                 : rc == CHALK_SPAWN_EXEC_FAILED ? CHALK_EARLY_EXEC_FAILED : CHALK_EARLY_SETUP_FAILED;
}

/// In a static executable (no program interpreter: AT_BASE is 0) `.preinit_array` runs after
/// glibc has set itself up (malloc, TLS, ifuncs, environ) but before `_init` and every
/// constructor, so neither OpenSSL's CPU probing (its `.init` code; CPUID is slow in a VM) nor
/// the Swift runtime's constructors sit in front of the workload. In a dynamic executable it
/// would run before libc's own initialisation, so there the constructor below does the work.
static void chalk_early_exec_preinit(int argc, char **argv, char **envp) {
    if (getauxval(AT_BASE) == 0) chalk_early_exec(argc, argv, envp);
}

__attribute__((section(".preinit_array"), used))
static void (*const chalk_early_exec_entry)(int, char **, char **) = chalk_early_exec_preinit;

/// Dynamic executables (development builds), and the fallback: priority 102, after the
/// inherited signal state is captured (101) and before the Swift runtime's constructors.
__attribute__((constructor(102))) static void chalk_early_exec_constructor(int argc, char **argv, char **envp) {
    chalk_early_exec(argc, argv, envp);
}
