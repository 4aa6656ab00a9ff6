#ifndef CHALK_RAW_SYSCALL_H
#define CHALK_RAW_SYSCALL_H
// System calls without libc, for the code that runs before glibc has initialised itself: the
// static chalk's ELF entry launcher (CExecLaunch) starts the workload before `_start`, because a
// static glibc spends ~0.4 ms probing the CPU with CPUID (a VM exit each) before anything else
// can run. Until glibc's start-up there is no TLS (so no errno and no stack-protector canary),
// and the string functions are IFUNCs that are not resolved yet. Code that includes this file
// therefore: calls only these wrappers and its own helpers, returns -errno instead of setting
// errno, and is compiled without stack protection (the pragma below).
//
// Private to CChalkSys (not in include/): callers in other targets use the functions of
// CChalkSys.h that are documented as "safe before libc".
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>

#pragma clang attribute push(__attribute__((no_stack_protector, no_builtin)), apply_to = function)

#if defined(__x86_64__)
static inline long chalk_sys6(long n, long a, long b, long c, long d, long e, long f) {
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#elif defined(__aarch64__)
static inline long chalk_sys6(long n, long a, long b, long c, long d, long e, long f) {
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
    return x0;
}
#else
#error "chalk's raw system calls support x86_64 and aarch64"
#endif

static inline long chalk_sys0(long n) { return chalk_sys6(n, 0, 0, 0, 0, 0, 0); }
static inline long chalk_sys1(long n, long a) { return chalk_sys6(n, a, 0, 0, 0, 0, 0); }
static inline long chalk_sys2(long n, long a, long b) { return chalk_sys6(n, a, b, 0, 0, 0, 0); }
static inline long chalk_sys3(long n, long a, long b, long c) { return chalk_sys6(n, a, b, c, 0, 0, 0); }
static inline long chalk_sys4(long n, long a, long b, long c, long d) { return chalk_sys6(n, a, b, c, d, 0, 0); }

/// The kernel's `struct sigaction` (not glibc's: its mask is the kernel's 64-bit set).
typedef struct {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
} chalk_ksigaction;

#define CHALK_KSIGSET_SIZE 8

/// Sets `sig` to SIG_DFL or SIG_IGN (`handler`); *old (when not NULL) gets the former action.
/// No restorer is needed for these two. Returns 0 or -errno.
static inline long chalk_raw_set_disposition(int sig, void *handler, chalk_ksigaction *old) {
    chalk_ksigaction sa;
    sa.handler = handler;
    sa.flags = 0;
    sa.restorer = 0;
    sa.mask = 0;
    return chalk_sys4(SYS_rt_sigaction, sig, (long)&sa, (long)old, CHALK_KSIGSET_SIZE);
}

// Freestanding string helpers (the libc ones are IFUNCs, unusable before glibc's start-up).
static inline size_t chalk_strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}
static inline int chalk_streq(const char *a, const char *b) {
    while (*a && *a == *b) { a++; b++; }
    return *a == *b;
}
/// 1 when the first n bytes of a equal the NUL-terminated b and b has length n.
static inline int chalk_streqn(const char *a, size_t n, const char *b) {
    for (size_t i = 0; i < n; i++) if (!b[i] || a[i] != b[i]) return 0;
    return b[n] == 0;
}
static inline const char *chalk_strchr(const char *s, char c) {
    for (; *s; s++) if (*s == c) return s;
    return 0;
}
static inline const char *chalk_strrchr(const char *s, char c) {
    const char *last = 0;
    for (; *s; s++) if (*s == c) last = s;
    return last;
}
static inline void chalk_copy(char *dst, const char *src, size_t n) {
    // volatile: keeps the compiler from turning the loop into a call to memcpy.
    for (size_t i = 0; i < n; i++) ((volatile char *)dst)[i] = src[i];
}

#pragma clang attribute pop
#endif
