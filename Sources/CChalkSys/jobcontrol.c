#define _GNU_SOURCE
#include "CChalkSys.h"
#include "raw_syscall.h"
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

// Job control for chalk exec on a terminal. chalk blocks every signal in every thread and reads
// them from a signalfd, so a stop signal sent to chalk never takes its default action: it is
// just read and forwarded. To stop like the workload did, chalk lets exactly one stop signal take
// its default action, for the time of one system call, in the signal loop's thread.


static uint64_t sigbit(int sig) { return (uint64_t)1 << (sig - 1); }

/// Removes a pending `sig` (thread or process queue) without waiting. Returns 1 if one was there.
static int take_pending(int sig) {
    uint64_t set = sigbit(sig);
    struct timespec zero = {0, 0};
    siginfo_t info;
    int took = 0;
    // A standard signal is queued at most once per queue (thread and process): two tries empty both.
    for (int i = 0; i < 2; i++) {
        long r = syscall(SYS_rt_sigtimedwait, &set, &info, &zero, CHALK_KSIGSET_SIZE);
        if (r != sig) break;
        took = 1;
    }
    return took;
}

int chalk_job_stop(int sig, int whole_group) {
    if (sig != SIGSTOP && sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU) { errno = EINVAL; return -1; }
    // The default action is what stops a process; chalk may have inherited SIG_IGN (its workload
    // then ignores the signal too, but can still be stopped by another one, e.g. SIGSTOP).
    struct sigaction old, dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    int restore = sig != SIGSTOP && sigaction(sig, &dfl, &old) == 0;
    // A SIGCONT that is already pending would otherwise be taken for the one that resumes us
    // (the kernel also discards pending SIGCONTs when a stop signal is sent).
    take_pending(SIGCONT);

    // While the signal is blocked everywhere it only queues. Unblocking it in this thread alone
    // makes this thread take it on the way back to user space from rt_sigprocmask: the kernel
    // stops every thread of the process there, and this call returns once a SIGCONT has resumed
    // it. A job-control signal with no one to resume the process (an orphaned process group)
    // is discarded by the kernel instead, and the call returns at once. SIGSTOP can't be blocked
    // and stops the process on the way back from kill().
    int rc = whole_group ? kill(0, sig) : kill(getpid(), sig);
    int sent_errno = errno;
    if (sig != SIGSTOP) {
        uint64_t one = sigbit(sig);
        syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &one, NULL, CHALK_KSIGSET_SIZE);
        chalk_block_all_signals();
    }
    // Never let the stop signal reach the signal loop: it would forward it to the workload,
    // which would stop again.
    if (sig != SIGSTOP) take_pending(sig);
    if (restore) sigaction(sig, &old, NULL);
    if (rc != 0) { errno = sent_errno; return -1; }
    // The SIGCONT that resumed us is handled here (the caller resumes the workload): reading it
    // in the loop too would send the workload a second one.
    return take_pending(SIGCONT);
}
