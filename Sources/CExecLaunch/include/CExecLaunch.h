#ifndef CHALK_CEXECLAUNCH_H
#define CHALK_CEXECLAUNCH_H
#include <stdint.h>
#include <sys/types.h>

/// `chalk exec` starts its workload before main(): a `.preinit_array` entry (linked into the
/// chalk executable only) recognises an exec command line, resolves PROGRAM and spawns it before the
/// Swift runtime and the rest of chalk start up, so the workload waits for as little as it would
/// under tini. The Swift supervisor then picks up the result here and supervises as usual.
/// Anything the launcher is not sure about (no PROGRAM, PROGRAM not found, `--help`, chalk
/// installed as `docker`) it leaves to the Swift path, which reports it.

enum {
    /// Not an exec command line, or left to the Swift path.
    CHALK_EARLY_NONE = 0,
    /// The workload is running: pid, path_index.
    CHALK_EARLY_STARTED = 1,
    /// Every candidate failed to exec: err, path_index of the first failure.
    CHALK_EARLY_EXEC_FAILED = 2,
    /// pipe/fork failed (err): the Swift path decides what to do (fail open).
    CHALK_EARLY_SETUP_FAILED = 3,
};

/// Which launcher started the workload.
enum {
    /// The static chalk's ELF entry point, before glibc's start-up.
    CHALK_LAUNCHER_ENTRY = 1,
    /// `.preinit_array` of a static chalk linked without the entry point.
    CHALK_LAUNCHER_PREINIT = 2,
    /// A constructor (dynamic development builds).
    CHALK_LAUNCHER_CONSTRUCTOR = 3,
};

typedef struct {
    int state;
    /// CHALK_LAUNCHER_*, when state is not CHALK_EARLY_NONE.
    int launcher;
    pid_t pid;
    int err;
    /// Which candidate ran (STARTED) or failed first (EXEC_FAILED).
    int path_index;
    /// The candidates tried, in order (owned by the launcher, valid for the process's life).
    const char *const *paths;
    int path_count;
    /// Index in the process's argv of PROGRAM's first word (its argv as the launcher built it
    /// starts with --exec-command-name when that was given).
    int command_index;
    /// The terminal handed to the workload (0), or -1.
    int tty_fd;
    /// 0 when fd 0 is chalk's controlling terminal (job control applies), or -1.
    int controlling_tty;
    /// Wall-clock time in ms when the launcher started (the run's start time in reports).
    int64_t start_millis;
} chalk_early_spawn;

/// What the launcher did (state CHALK_EARLY_NONE when it did nothing).
const chalk_early_spawn *chalk_early_spawn_result(void);

#endif
