#define _GNU_SOURCE
#include "CChalkSys.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

// PROGRAM to candidate files (spec/exec.md §1.4 with §10.6). In C so that the pre-main launcher
// (CExecLaunch) and the Swift supervisor (ProgramResolver) share one implementation.

static int in_groups(gid_t gid) {
    if (getegid() == gid) return 1;
    gid_t groups[256];
    int n = getgroups(256, groups);
    for (int i = 0; i < n; i++) if (groups[i] == gid) return 1;
    return 0;
}

/// The execute bit that applies to this process (root: any x bit).
static int executable(const struct stat *st) {
    uid_t euid = geteuid();
    if (euid == 0) return (st->st_mode & 0111) != 0;
    if (st->st_uid == euid) return (st->st_mode & 0100) != 0;
    if (in_groups(st->st_gid)) return (st->st_mode & 0010) != 0;
    return (st->st_mode & 0001) != 0;
}

static int push(chalk_candidates *c, const char *dir, size_t dir_len, const char *name) {
    if (c->count >= CHALK_MAX_CANDIDATES) return 0;
    size_t name_len = strlen(name);
    int slash = dir_len > 0 && dir[dir_len - 1] == '/';
    char *p = malloc(dir_len + (slash ? 0 : 1) + name_len + 1);
    if (!p) return -1;
    memcpy(p, dir, dir_len);
    size_t at = dir_len;
    if (!slash) p[at++] = '/';
    memcpy(p + at, name, name_len + 1);
    c->paths[c->count++] = p;
    return 0;
}

void chalk_candidates_free(chalk_candidates *c) {
    for (int i = 0; i < c->count; i++) free(c->paths[i]);
    c->count = 0;
}

int chalk_resolve_program(const char *program, const char *path, const char *self_exe, chalk_candidates *out,
                          int *err) {
    out->count = 0;
    *err = 0;
    if (!program || !*program) { *err = ENOENT; return CHALK_RESOLVE_ERRNO; }
    if (strchr(program, '/')) {
        // As written, relative to the working directory: never another file of that name.
        struct stat st;
        if (stat(program, &st) != 0) { *err = errno; return CHALK_RESOLVE_ERRNO; }
        if (S_ISDIR(st.st_mode)) return CHALK_RESOLVE_IS_DIRECTORY;
        if (!executable(&st)) return CHALK_RESOLVE_NOT_EXECUTABLE;
        char *p = strdup(program);
        if (!p) { *err = ENOMEM; return CHALK_RESOLVE_ERRNO; }
        out->paths[out->count++] = p;
        return CHALK_RESOLVE_OK;
    }
    // Never find ourself: skip chalk's own directory when PROGRAM is chalk's own file name, so
    // chalk can be installed under the workload's name earlier on PATH.
    const char *self_name = NULL;
    char self_dir[PATH_MAX] = "";
    if (self_exe && *self_exe) {
        const char *slash = strrchr(self_exe, '/');
        self_name = slash ? slash + 1 : self_exe;
        size_t n = slash ? (size_t)(slash - self_exe) : 0;
        if (n == 0 && slash) n = 1;  // "/chalk": its directory is "/"
        if (n < sizeof self_dir) { memcpy(self_dir, self_exe, n); self_dir[n] = 0; }
    }
    if (!path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    int saw_not_executable = 0;
    for (const char *d = path;; ) {
        const char *end = strchr(d, ':');
        size_t len = end ? (size_t)(end - d) : strlen(d);
        const char *dir = len ? d : ".";
        size_t dir_len = len ? len : 1;
        int skip = 0;
        if (self_name && strcmp(program, self_name) == 0) {
            char dbuf[PATH_MAX], real[PATH_MAX];
            if (dir_len < sizeof dbuf) {
                memcpy(dbuf, dir, dir_len); dbuf[dir_len] = 0;
                const char *norm = realpath(dbuf, real) ? real : dbuf;
                skip = strcmp(norm, self_dir) == 0;
            }
        }
        if (!skip) {
            size_t before = (size_t)out->count;
            if (push(out, dir, dir_len, program) != 0) { chalk_candidates_free(out); *err = ENOMEM; return CHALK_RESOLVE_ERRNO; }
            if ((size_t)out->count > before) {
                struct stat st;
                char *cand = out->paths[out->count - 1];
                if (stat(cand, &st) != 0 || !S_ISREG(st.st_mode)) {
                    free(cand); out->count--;
                } else if (!executable(&st)) {
                    saw_not_executable = 1; free(cand); out->count--;
                }
            }
        }
        if (!end) break;
        d = end + 1;
    }
    if (out->count == 0) return saw_not_executable ? CHALK_RESOLVE_NOT_EXECUTABLE : CHALK_RESOLVE_NOT_FOUND;
    return CHALK_RESOLVE_OK;
}
