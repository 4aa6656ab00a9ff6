// launch N CMD [ARGS...]: runs CMD N times and prints the median time, in microseconds, from just
// before fork() to the moment the workload reads CLOCK_MONOTONIC. CMD must end up running
// `stamp` (which prints its CLOCK_MONOTONIC in nanoseconds on stdout), directly or under a
// supervisor: `launch 300 ./stamp`, `launch 300 chalk exec -- ./stamp`, `launch 300 tini -- ./stamp`.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: launch N CMD [ARGS...]\n"); return 2; }
    int n = atoi(argv[1]);
    long long *d = calloc((size_t)n, sizeof *d);
    for (int i = 0; i < n; i++) {
        int fds[2];
        if (pipe(fds) != 0) return 1;
        long long t0 = now_ns();
        pid_t p = fork();
        if (p == 0) { dup2(fds[1], 1); close(fds[0]); execvp(argv[2], argv + 2); _exit(127); }
        close(fds[1]);
        char buf[64] = {0};
        ssize_t got = read(fds[0], buf, sizeof buf - 1);
        close(fds[0]);
        int st;
        waitpid(p, &st, 0);
        d[i] = got > 0 ? atoll(buf) - t0 : 0;
    }
    qsort(d, (size_t)n, sizeof *d, cmp);
    printf("%lld\n", d[n / 2] / 1000);
    return 0;
}
