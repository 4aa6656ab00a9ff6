#include "CChalkSys.h"
#include "raw_syscall.h"

// Safe before libc (raw_syscall.h): the static chalk's ELF entry launcher scans its command
// line before glibc has started.
#pragma clang attribute push(__attribute__((no_stack_protector, no_builtin)), apply_to = function)

// The one list of flags that take a value in `chalk [GLOBAL FLAGS] exec [OPTIONS] PROGRAM`.
// Both the C pre-main launcher (CExecLaunch) and the Swift parser (ExecArguments) read these,
// so the two always agree on where PROGRAM starts.
static const char *const chalk_global_value_flags[] = {
    "--log-level", "-l", "--log-format", "--config-file", "-f", "--report-cache-file", "--enable-report",
    "--disable-report", "--chalk-symlink-behavior", "--scan-symlink-behavior", NULL,
};
static const char *const chalk_exec_value_flags[] = {
    "--exec-command-name", "--report-template", "--remap-exit", "--parent-death-signal", "--rewrite-signal", NULL,
};

const char *const *chalk_global_value_flag_list(void) { return chalk_global_value_flags; }
const char *const *chalk_exec_value_flag_list(void) { return chalk_exec_value_flags; }

static int in_list(const char *const *list, const char *s, size_t n) {
    for (; *list; list++) {
        if (chalk_streqn(s, n, *list)) return 1;
    }
    return 0;
}

int chalk_flag_takes_value(const char *flag, size_t len) {
    return in_list(chalk_global_value_flags, flag, len) || in_list(chalk_exec_value_flags, flag, len);
}

int chalk_scan_exec_cmdline(int argc, char *const *argv, chalk_exec_cmdline *out) {
    out->command_name = 0;
    out->subreaper = 0;
    out->command_index = -1;
    if (argc < 1 || !argv[0]) return -1;
    const char *base = chalk_strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    if (chalk_streq(base, "docker")) return -1;  // chalk installed as `docker`: a docker command line

    // Global flags before the command word (as ExecFastPath.execArguments walks them).
    int i = 1;
    while (i < argc) {
        const char *a = argv[i];
        if (chalk_streq(a, "exec")) break;
        if (a[0] != '-') return -1;
        if (chalk_streq(a, "--help") || chalk_streq(a, "-h") || chalk_streq(a, "--version")) return -1;
        if (in_list(chalk_global_value_flags, a, chalk_strlen(a)) && i + 1 < argc) i++;
        i++;
    }
    if (i >= argc) return -1;
    i++;  // past `exec`
    if (i < argc && (chalk_streq(argv[i], "--help") || chalk_streq(argv[i], "-h"))) return -1;

    // Exec options, as ExecArguments.parse reads them: stop at `--` or at the first non-option.
    while (i < argc) {
        const char *w = argv[i];
        if (chalk_streq(w, "--")) { i++; break; }
        if (w[0] != '-' || chalk_streq(w, "-")) break;
        size_t flag_len = chalk_strlen(w);
        const char *inline_value = NULL;
        if (w[1] == '-') {
            const char *eq = chalk_strchr(w, '=');
            if (eq) { flag_len = (size_t)(eq - w); inline_value = eq + 1; }
        }
        const char *value = inline_value;
        if (chalk_flag_takes_value(w, flag_len) && !inline_value) {
            if (i + 1 >= argc) { i++; continue; }  // a flag without its value: ignored
            value = argv[++i];
        }
        if (chalk_streqn(w, flag_len, "--exec-command-name")) out->command_name = value;
        if (chalk_streqn(w, flag_len, "--subreaper")) out->subreaper = 1;
        i++;
    }
    out->command_index = i;
    return 0;
}

#pragma clang attribute pop
