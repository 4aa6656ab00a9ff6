// stamp_first: prints CLOCK_MONOTONIC in nanoseconds from its very first instructions: no libc,
// no dynamic loader (built with -static -nostdlib), so tools/launch.c measures the launch up to
// the workload's first instruction, not the workload's own start-up. x86_64 only.
//   cc -O2 -static -nostdlib -fno-stack-protector -o stamp_first stamp_first.c
#include <sys/syscall.h>
#include <time.h>

static long sys3(long n, long a, long b, long c) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}

void _start(void) {
    struct timespec t;
    sys3(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&t, 0);
    unsigned long long ns = (unsigned long long)t.tv_sec * 1000000000ULL + (unsigned long long)t.tv_nsec;
    char buf[32];
    int i = sizeof buf;
    buf[--i] = '\n';
    do { buf[--i] = (char)('0' + ns % 10); ns /= 10; } while (ns);
    sys3(SYS_write, 1, (long)(buf + i), (long)(sizeof buf - (unsigned long)i));
    sys3(SYS_exit_group, 0, 0, 0);
}
