#define _GNU_SOURCE
#include "CChalkSys.h"
#include "raw_syscall.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

// PROGRAM to candidate files (spec/exec.md §1.4 with §10.6). In C so that the pre-main launcher
// (CExecLaunch) and the Swift supervisor (ProgramResolver) share one implementation. Safe before
// libc (raw_syscall.h): no malloc (the paths go to the caller's arena), raw stat.
#pragma clang attribute push(__attribute__((no_stack_protector, no_builtin)), apply_to = function)

static int raw_stat(const char *path, struct stat *st) {
    long r = chalk_sys4(SYS_newfstatat, AT_FDCWD, (long)path, (long)st, 0);
    return r < 0 ? (int)-r : 0;
}

static int in_groups(gid_t gid) {
    if ((gid_t)chalk_sys0(SYS_getegid) == gid) return 1;
    gid_t groups[256];
    long n = chalk_sys2(SYS_getgroups, 256, (long)groups);
    for (long i = 0; i < n; i++) if (groups[i] == gid) return 1;
    return 0;
}

/// The execute bit that applies to this process (root: any x bit).
static int executable(const struct stat *st) {
    uid_t euid = (uid_t)chalk_sys0(SYS_geteuid);
    if (euid == 0) return (st->st_mode & 0111) != 0;
    if (st->st_uid == euid) return (st->st_mode & 0100) != 0;
    if (in_groups(st->st_gid)) return (st->st_mode & 0010) != 0;
    return (st->st_mode & 0001) != 0;
}

/// Appends "dir/name" (or "name" as is when dir is NULL) to the arena; returns it, or NULL when
/// the arena or the list is full.
static char *push(chalk_candidates *c, const char *dir, size_t dir_len, const char *name) {
    if (c->count >= CHALK_MAX_CANDIDATES) return 0;
    size_t name_len = chalk_strlen(name);
    int sep = dir && !(dir_len > 0 && dir[dir_len - 1] == '/');
    size_t need = (dir ? dir_len : 0) + (size_t)sep + name_len + 1;
    if (!c->arena || c->used + need > c->arena_size) return 0;
    char *p = c->arena + c->used;
    size_t at = 0;
    if (dir) { chalk_copy(p, dir, dir_len); at = dir_len; }
    if (sep) p[at++] = '/';
    chalk_copy(p + at, name, name_len + 1);
    c->used += need;
    c->paths[c->count++] = p;
    return p;
}

static void pop(chalk_candidates *c) {
    c->count--;
    c->used = (size_t)(c->paths[c->count] - c->arena);
}

void chalk_candidates_free(chalk_candidates *c) {
    c->count = 0;
    c->used = 0;
}

int chalk_resolve_program(const char *program, const char *path, const char *self_exe, chalk_candidates *out,
                          int *err) {
    out->count = 0;
    out->used = 0;
    *err = 0;
    if (!program || !*program) { *err = ENOENT; return CHALK_RESOLVE_ERRNO; }
    if (chalk_strchr(program, '/')) {
        // As written, relative to the working directory: never another file of that name.
        struct stat st;
        int e = raw_stat(program, &st);
        if (e) { *err = e; return CHALK_RESOLVE_ERRNO; }
        if (S_ISDIR(st.st_mode)) return CHALK_RESOLVE_IS_DIRECTORY;
        if (!executable(&st)) return CHALK_RESOLVE_NOT_EXECUTABLE;
        if (!push(out, 0, 0, program)) { *err = ENAMETOOLONG; return CHALK_RESOLVE_ERRNO; }
        return CHALK_RESOLVE_OK;
    }
    // Never find ourself: skip chalk's own directory (the same directory, by device and inode,
    // however PATH spells it) when PROGRAM is chalk's own file name, so chalk can be installed
    // under the workload's name earlier on PATH.
    int skip_self = 0;
    struct stat self_dir;
    if (self_exe && *self_exe) {
        const char *slash = chalk_strrchr(self_exe, '/');
        const char *self_name = slash ? slash + 1 : self_exe;
        size_t n = slash ? (size_t)(slash - self_exe) : 0;
        if (n == 0 && slash) n = 1;  // "/chalk": its directory is "/"
        char dbuf[4096];
        if (chalk_streq(program, self_name) && slash && n < sizeof dbuf) {
            chalk_copy(dbuf, self_exe, n);
            dbuf[n] = 0;
            skip_self = raw_stat(dbuf, &self_dir) == 0;
        }
    }
    if (!path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    int saw_not_executable = 0;
    for (const char *d = path;; ) {
        const char *end = chalk_strchr(d, ':');
        size_t len = end ? (size_t)(end - d) : chalk_strlen(d);
        const char *dir = len ? d : ".";
        size_t dir_len = len ? len : 1;
        char *cand = push(out, dir, dir_len, program);
        if (!cand && out->count < CHALK_MAX_CANDIDATES) {
            *err = ENAMETOOLONG;
            chalk_candidates_free(out);
            return CHALK_RESOLVE_ERRNO;
        }
        if (cand) {
            struct stat st;
            if (raw_stat(cand, &st) != 0 || !S_ISREG(st.st_mode)) {
                pop(out);
            } else if (!executable(&st)) {
                saw_not_executable = 1;
                pop(out);
            } else if (skip_self) {
                // cand is "dir/program": compare its directory with chalk's.
                struct stat dst;
                char *slash = cand + (dir_len + (dir[dir_len - 1] == '/' ? 0 : 1)) - 1;
                char saved = *slash;
                *slash = 0;
                int same = raw_stat(dir_len == 1 && dir[0] == '/' ? "/" : cand, &dst) == 0 &&
                           dst.st_dev == self_dir.st_dev && dst.st_ino == self_dir.st_ino;
                *slash = saved;
                if (same) pop(out);
            }
        }
        if (!end) break;
        d = end + 1;
    }
    if (out->count == 0) return saw_not_executable ? CHALK_RESOLVE_NOT_EXECUTABLE : CHALK_RESOLVE_NOT_FOUND;
    return CHALK_RESOLVE_OK;
}

#pragma clang attribute pop
