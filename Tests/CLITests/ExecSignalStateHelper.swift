import Foundation
import ChalkTestSupport

/// A small C program the exec tests run chalk through, so that chalk starts with a known signal
/// state whatever thread of the test runner spawned it (libdispatch worker threads block most
/// signals, and a child inherits that mask). It also installs the seccomp filter that makes
/// `prctl(PR_SET_CHILD_SUBREAPER)` fail with EPERM, as AWS Lambda does (RULINGS 25).
///
///     sigstate [--block N]... [--ignore N]... [--deny-subreaper] [--deny-fork] -- PROGRAM ARGS...
///
/// `--deny-fork` makes fork (the clone, fork and vfork syscalls; threads use clone3) fail with
/// EAGAIN, so chalk can't start a supervised child and must exec the workload directly.
///
/// Every disposition is reset to SIG_DFL and the mask emptied, then --ignore/--block apply.
enum SignalStateHelper {
    static let source = #"""
        #define _GNU_SOURCE
        #include <errno.h>
        #include <linux/filter.h>
        #include <linux/seccomp.h>
        #include <signal.h>
        #include <stddef.h>
        #include <stdint.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/prctl.h>
        #include <sys/syscall.h>
        #include <unistd.h>

        struct ksigaction { void *handler; unsigned long flags; void *restorer; uint64_t mask; };

        static int install(struct sock_filter *f, unsigned short n) {
            struct sock_fprog prog = { .len = n, .filter = f };
            if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
            return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
        }

        static int deny_fork(void) {
            struct sock_filter f[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 3, 0),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fork, 2, 0),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_vfork, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EAGAIN & SECCOMP_RET_DATA)),
            };
            return install(f, sizeof f / sizeof f[0]);
        }

        static int deny_subreaper(void) {
            struct sock_filter f[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 3),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_CHILD_SUBREAPER, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
            };
            return install(f, sizeof f / sizeof f[0]);
        }

        int main(int argc, char **argv) {
            uint64_t block = 0, ignore = 0;
            int deny = 0, nofork = 0, i = 1;
            for (; i < argc; i++) {
                if (!strcmp(argv[i], "--")) { i++; break; }
                if (!strcmp(argv[i], "--block") && i + 1 < argc) block |= 1ULL << (atoi(argv[++i]) - 1);
                else if (!strcmp(argv[i], "--ignore") && i + 1 < argc) ignore |= 1ULL << (atoi(argv[++i]) - 1);
                else if (!strcmp(argv[i], "--deny-subreaper")) deny = 1;
                else if (!strcmp(argv[i], "--deny-fork")) nofork = 1;
            }
            if (i >= argc) { fprintf(stderr, "usage: sigstate [opts] -- prog args\n"); return 2; }
            for (int s = 1; s <= 64; s++) {
                if (s == SIGKILL || s == SIGSTOP) continue;
                struct ksigaction sa = { (void *)((ignore >> (s - 1)) & 1 ? SIG_IGN : SIG_DFL), 0, 0, 0 };
                syscall(SYS_rt_sigaction, s, &sa, NULL, 8);
            }
            syscall(SYS_rt_sigprocmask, SIG_SETMASK, &block, NULL, 8);
            if (deny && deny_subreaper() != 0) { perror("seccomp"); return 2; }
            if (nofork && deny_fork() != 0) { perror("seccomp"); return 2; }
            execvp(argv[i], argv + i);
            perror(argv[i]);
            return 127;
        }
        """#

    /// The compiled helper (built once per test run), or nil when no C compiler is available.
    static let path: String? = {
        guard let cc = TestSupport.which("cc") ?? TestSupport.which("gcc") ?? TestSupport.which("clang"),
              let dir = try? TestSupport.makeTempDir("exec-sigstate") else { return nil }
        let src = dir.appendingPathComponent("sigstate.c"), bin = dir.appendingPathComponent("sigstate")
        guard (try? source.write(to: src, atomically: true, encoding: .utf8)) != nil,
              let r = try? TestSupport.run(cc, ["-O1", "-o", bin.path, src.path], timeout: 120), r.status == 0 else {
            return nil
        }
        return bin.path
    }()

    /// Arguments that run `command` through the helper with a clean signal state plus `options`.
    static func wrap(_ command: [String], options: [String] = []) -> (String, [String]) {
        guard let path else { return (command[0], Array(command.dropFirst())) }
        return (path, options + ["--"] + command)
    }
}
