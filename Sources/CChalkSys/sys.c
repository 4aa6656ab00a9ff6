#define _GNU_SOURCE
#include "CChalkSys.h"
#include "raw_syscall.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <time.h>

// prctl with the raw syscall: chalk_set_child_subreaper_early is safe before libc (the ELF entry
// launcher may ask for the subreaper bit then), as are the clock and /proc/self/exe readers. The
// others return 0 or -1/errno like the libc wrappers, for Swift callers (libc is up by then).
#pragma clang attribute push(__attribute__((no_stack_protector, no_builtin)), apply_to = function)

static int prctl_raw(long option, long arg, int set_errno) {
    long r = chalk_sys6(SYS_prctl, option, arg, 0, 0, 0, 0);
    if (r < 0) {
        if (set_errno) errno = (int)-r;
        return -1;
    }
    return (int)r;
}

int64_t chalk_wall_millis_early(void) {
    struct timespec ts;
    if (chalk_sys2(SYS_clock_gettime, CLOCK_REALTIME, (long)&ts) != 0) return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long chalk_self_exe_early(char *buf, size_t size) {
    long n = chalk_sys4(SYS_readlinkat, AT_FDCWD, (long)"/proc/self/exe", (long)buf, (long)size - 1);
    buf[n > 0 ? n : 0] = 0;
    return n > 0 ? n : -1;
}

int chalk_set_child_subreaper_early(int on) { return prctl_raw(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0); }
int chalk_set_child_subreaper(int on) { return prctl_raw(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 1); }
int chalk_get_child_subreaper(int *out) { return prctl_raw(PR_GET_CHILD_SUBREAPER, (long)out, 1); }
int chalk_set_pdeathsig(int sig) { return prctl_raw(PR_SET_PDEATHSIG, sig, 1); }

#pragma clang attribute pop

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

int chalk_make_thread_background(int nice_value, int *tid_out, int *old_nice_out) {
    // Real-time policies (chalk run under chrt) never yield to a normal workload thread, so
    // the background thread leaves them first; lowering a policy needs no privilege.
    int policy = sched_getscheduler(0);
    if (policy == SCHED_FIFO || policy == SCHED_RR) {
        struct sched_param p = { .sched_priority = 0 };
        if (sched_setscheduler(0, SCHED_OTHER, &p) != 0) return -1;
    }
    // On Linux a nice value belongs to a thread: PRIO_PROCESS with the thread's id.
    id_t tid = (id_t)syscall(SYS_gettid);
    errno = 0;
    int current = getpriority(PRIO_PROCESS, tid);
    if (errno != 0) return -1;
    *tid_out = (int)tid;
    *old_nice_out = current;
    if (current >= nice_value) return 0;
    return setpriority(PRIO_PROCESS, tid, nice_value);
}

int chalk_restore_thread_nice(int tid, int nice_value) { return setpriority(PRIO_PROCESS, (id_t)tid, nice_value); }
