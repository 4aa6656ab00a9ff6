// A VFS shim over SQLite's default VFS that gathers each connection's appends to its
// write-ahead log in memory and writes them with one pwrite() per commit (per 128 KiB of it).
//
// Why: SQLite writes every WAL frame as two pwrite()s, the 24-byte frame header and the page,
// and neither is aligned to the file's pages. With chalk-server's group commits that is about
// 14 system calls per stored report, and the kernel's buffered-write path (and its zeroing of
// partly written pages) was a quarter of the server's CPU, all of it on the one writer thread
// that every request waits for (perf, DECISIONS 36e).
//
// Durability is unchanged. A commit's frames reach the file (the page cache, as before) before
// SQLite reports the commit: the shim writes the buffer out right after the commit frame's page
// (the frame whose header carries a non-zero database size), from inside that xWrite, so a
// failed write fails the commit exactly as before. Only then does SQLite publish the new frames
// to readers (wal-index header, behind xShmBarrier). Everything else that could observe the file
// writes the buffer out first: a read, a sync, a size query, a truncate, close, and any write
// that does not continue the buffered run. Checksum rewrites that SQLite makes
// after the commit frame (when a transaction overwrote one of its own frames) go straight to the
// file. Writes left buffered by a transaction that rolls back are written out when the
// connection's locks change (xShmLock/xShmBarrier on its database file, on the same thread):
// they lie past the log's valid end, as they would without the shim.

#include "wal_buffer.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

// The unix VFS's xWrite masks each pwrite()'s length with 0x1ffff (seekAndWriteFd), so a longer
// write ends in a zero-length pwrite that it reports as SQLITE_FULL: the buffer stays below
// 128 KiB, about 31 frames of 4 KiB pages per pwrite().
enum { BUFFER_CAPACITY = 0x1ffff, FRAME_HEADER_SIZE = 24, WAL_HEADER_SIZE = 32 };

typedef struct WalBufferFile {
    sqlite3_file base;          // first: SQLite sees this struct as a sqlite3_file
    sqlite3_file *real;         // the default VFS's file, stored right after this struct
    int isWAL;
    unsigned char *buffer;      // BUFFER_CAPACITY bytes, allocated at the first buffered write
    sqlite3_int64 start;        // file offset of buffer[0]
    int length;                 // bytes buffered
    sqlite3_int64 commitPage;   // offset of the commit frame's page once its header is written, or -1
    sqlite3_int64 commitEnd;    // end of the last commit frame while its commit may still rewrite
                                // earlier headers (written through), or -1
    const char *name;           // valid until xClose (SQLite's guarantee)
    _Atomic uint64_t requested, issued;  // WAL writes SQLite asked for, pwrite()s made for them
    struct WalBufferFile *next; // in openWALFiles
} WalBufferFile;

static sqlite3_vfs *realVFS;
static sqlite3_vfs shimVFS;
// The WAL file with bytes buffered by this thread (one connection's calls stay on one thread for
// the duration of an SQLite API call, and a write transaction's writes and its lock release
// happen inside such calls).
static _Thread_local WalBufferFile *pendingOnThisThread;
// Open WAL files, for per-file counters (tests run several databases in one process).
static pthread_mutex_t openWALFilesLock = PTHREAD_MUTEX_INITIALIZER;
static WalBufferFile *openWALFiles;

static int writeThrough(WalBufferFile *f, const void *data, int amount, sqlite3_int64 offset) {
    atomic_fetch_add_explicit(&f->issued, 1, memory_order_relaxed);
    return f->real->pMethods->xWrite(f->real, data, amount, offset);
}

// On failure the bytes stay buffered: the next flush writes them again (to the same offsets),
// and the commit's own flush reports the error to SQLite.
static int flush(WalBufferFile *f) {
    if (f->length > 0) {
        int rc = writeThrough(f, f->buffer, f->length, f->start);
        if (rc != SQLITE_OK) return rc;
        f->length = 0;
    }
    if (pendingOnThisThread == f) pendingOnThisThread = NULL;
    return SQLITE_OK;
}

static void flushPendingOnThisThread(void) {
    WalBufferFile *f = pendingOnThisThread;
    if (f == NULL) return;
    // Normally only leftovers of a rolled-back transaction are still here. Should this write
    // fail, the bytes stay buffered for the next flush, which reports it.
    (void)flush(f);
}

static int walWrite(WalBufferFile *f, const void *data, int amount, sqlite3_int64 offset) {
    atomic_fetch_add_explicit(&f->requested, 1, memory_order_relaxed);
    if (f->commitEnd >= 0) {
        // After a commit frame, SQLite may rewrite checksums in earlier frame headers of the
        // same commit before publishing it: those go to the file at once (the buffer is empty
        // here). The next transaction appends past the commit, or restarts the log with a new
        // log header at offset 0.
        int nextTransaction = offset >= f->commitEnd || (offset == 0 && amount == WAL_HEADER_SIZE);
        if (!nextTransaction) return writeThrough(f, data, amount, offset);
        f->commitEnd = -1;
    }
    int continues = f->length > 0 && offset == f->start + f->length;
    if (!continues || f->length + amount > BUFFER_CAPACITY) {
        int rc = flush(f);
        if (rc != SQLITE_OK) return rc;
    }
    if (f->buffer == NULL) f->buffer = malloc(BUFFER_CAPACITY);
    if (f->buffer == NULL || amount > BUFFER_CAPACITY) return writeThrough(f, data, amount, offset);
    if (f->length == 0) f->start = offset;
    memcpy(f->buffer + f->length, data, (size_t)amount);
    f->length += amount;
    pendingOnThisThread = f;

    // A frame header: bytes 4-7 hold the database size after a commit, zero otherwise.
    if (amount == FRAME_HEADER_SIZE) {
        const unsigned char *h = data;
        if (h[4] | h[5] | h[6] | h[7]) f->commitPage = offset + FRAME_HEADER_SIZE;
        return SQLITE_OK;
    }
    if (offset == f->commitPage) {
        f->commitPage = -1;
        int rc = flush(f);
        // Only a commit that reached the file lets the next writes go straight through: after a
        // failed one, the bytes still buffered must reach the file before anything written later.
        if (rc == SQLITE_OK) f->commitEnd = offset + amount;
        return rc;
    }
    return SQLITE_OK;
}

// --- io methods: the WAL's buffering; everything else passes through ---------------------------

static int shimClose(sqlite3_file *file) {
    WalBufferFile *f = (WalBufferFile *)file;
    if (f->isWAL) {
        pthread_mutex_lock(&openWALFilesLock);
        for (WalBufferFile **p = &openWALFiles; *p != NULL; p = &(*p)->next) {
            if (*p == f) { *p = f->next; break; }
        }
        pthread_mutex_unlock(&openWALFilesLock);
    }
    int rc = flush(f);
    if (pendingOnThisThread == f) pendingOnThisThread = NULL;  // also when that flush failed
    free(f->buffer);
    f->buffer = NULL;
    int closeRC = f->real->pMethods->xClose(f->real);
    return rc != SQLITE_OK ? rc : closeRC;
}

static int shimRead(sqlite3_file *file, void *data, int amount, sqlite3_int64 offset) {
    WalBufferFile *f = (WalBufferFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xRead(f->real, data, amount, offset);
}

static int shimWrite(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset) {
    WalBufferFile *f = (WalBufferFile *)file;
    if (f->isWAL) return walWrite(f, data, amount, offset);
    return f->real->pMethods->xWrite(f->real, data, amount, offset);
}

static int shimTruncate(sqlite3_file *file, sqlite3_int64 size) {
    WalBufferFile *f = (WalBufferFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xTruncate(f->real, size);
}

static int shimSync(sqlite3_file *file, int flags) {
    WalBufferFile *f = (WalBufferFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xSync(f->real, flags);
}

static int shimFileSize(sqlite3_file *file, sqlite3_int64 *size) {
    WalBufferFile *f = (WalBufferFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xFileSize(f->real, size);
}

static int shimLock(sqlite3_file *file, int lock) {
    WalBufferFile *f = (WalBufferFile *)file;
    return f->real->pMethods->xLock(f->real, lock);
}

static int shimUnlock(sqlite3_file *file, int lock) {
    WalBufferFile *f = (WalBufferFile *)file;
    return f->real->pMethods->xUnlock(f->real, lock);
}

static int shimCheckReservedLock(sqlite3_file *file, int *out) {
    WalBufferFile *f = (WalBufferFile *)file;
    return f->real->pMethods->xCheckReservedLock(f->real, out);
}

// No flush here: no file-control reads the log's bytes, and SQLite ignores the result of some
// (sqlite3OsFileControlHint), which would hide a failed write.
static int shimFileControl(sqlite3_file *file, int op, void *arg) {
    WalBufferFile *f = (WalBufferFile *)file;
    return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int shimSectorSize(sqlite3_file *file) {
    WalBufferFile *f = (WalBufferFile *)file;
    return f->real->pMethods->xSectorSize(f->real);
}

static int shimDeviceCharacteristics(sqlite3_file *file) {
    WalBufferFile *f = (WalBufferFile *)file;
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int shimShmMap(sqlite3_file *file, int page, int pageSize, int extend, void volatile **out) {
    WalBufferFile *f = (WalBufferFile *)file;
    return f->real->pMethods->xShmMap(f->real, page, pageSize, extend, out);
}

static int shimShmLock(sqlite3_file *file, int offset, int n, int flags) {
    WalBufferFile *f = (WalBufferFile *)file;
    flushPendingOnThisThread();
    return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void shimShmBarrier(sqlite3_file *file) {
    WalBufferFile *f = (WalBufferFile *)file;
    flushPendingOnThisThread();
    f->real->pMethods->xShmBarrier(f->real);
}

static int shimShmUnmap(sqlite3_file *file, int deleteFlag) {
    WalBufferFile *f = (WalBufferFile *)file;
    return f->real->pMethods->xShmUnmap(f->real, deleteFlag);
}

static int shimFetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **out) {
    WalBufferFile *f = (WalBufferFile *)file;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xFetch(f->real, offset, amount, out);
}

static int shimUnfetch(sqlite3_file *file, sqlite3_int64 offset, void *p) {
    WalBufferFile *f = (WalBufferFile *)file;
    return f->real->pMethods->xUnfetch(f->real, offset, p);
}

static const sqlite3_io_methods shimMethods = {
    3, shimClose, shimRead, shimWrite, shimTruncate, shimSync, shimFileSize, shimLock, shimUnlock,
    shimCheckReservedLock, shimFileControl, shimSectorSize, shimDeviceCharacteristics, shimShmMap,
    shimShmLock, shimShmBarrier, shimShmUnmap, shimFetch, shimUnfetch,
};

// --- the VFS: opens wrap the default VFS's files; the rest is the default VFS's ----------------

static int shimOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *outFlags) {
    (void)vfs;
    WalBufferFile *f = (WalBufferFile *)file;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    f->commitPage = -1;
    f->commitEnd = -1;
    int rc = realVFS->xOpen(realVFS, name, f->real, flags, outFlags);
    // SQLite calls xClose only on files whose pMethods is set, and the real file's must be too.
    if (f->real->pMethods == NULL) return rc;
    // Only a real file with every method this shim forwards gets the shim (unix's has them all).
    if (f->real->pMethods->iVersion < 3) {
        f->real->pMethods->xClose(f->real);
        return SQLITE_CANTOPEN;
    }
    f->isWAL = (flags & SQLITE_OPEN_WAL) != 0;
    f->base.pMethods = &shimMethods;
    if (f->isWAL) {
        f->name = name;
        pthread_mutex_lock(&openWALFilesLock);
        f->next = openWALFiles;
        openWALFiles = f;
        pthread_mutex_unlock(&openWALFilesLock);
    }
    return rc;
}

static int shimDelete(sqlite3_vfs *v, const char *n, int s) { (void)v; return realVFS->xDelete(realVFS, n, s); }
static int shimAccess(sqlite3_vfs *v, const char *n, int fl, int *o) { (void)v; return realVFS->xAccess(realVFS, n, fl, o); }
static int shimFullPathname(sqlite3_vfs *v, const char *n, int sz, char *o) { (void)v; return realVFS->xFullPathname(realVFS, n, sz, o); }
static void *shimDlOpen(sqlite3_vfs *v, const char *n) { (void)v; return realVFS->xDlOpen(realVFS, n); }
static void shimDlError(sqlite3_vfs *v, int sz, char *o) { (void)v; realVFS->xDlError(realVFS, sz, o); }
static void (*shimDlSym(sqlite3_vfs *v, void *h, const char *s))(void) { (void)v; return realVFS->xDlSym(realVFS, h, s); }
static void shimDlClose(sqlite3_vfs *v, void *h) { (void)v; realVFS->xDlClose(realVFS, h); }
static int shimRandomness(sqlite3_vfs *v, int n, char *o) { (void)v; return realVFS->xRandomness(realVFS, n, o); }
static int shimSleep(sqlite3_vfs *v, int us) { (void)v; return realVFS->xSleep(realVFS, us); }
static int shimCurrentTime(sqlite3_vfs *v, double *o) { (void)v; return realVFS->xCurrentTime(realVFS, o); }
static int shimGetLastError(sqlite3_vfs *v, int n, char *o) { (void)v; return realVFS->xGetLastError(realVFS, n, o); }
static int shimCurrentTimeInt64(sqlite3_vfs *v, sqlite3_int64 *o) { (void)v; return realVFS->xCurrentTimeInt64(realVFS, o); }

static int registerResult = SQLITE_ERROR;

static void registerOnce(void) {
    if (sqlite3_initialize() != SQLITE_OK) return;
    realVFS = sqlite3_vfs_find(NULL);
    if (realVFS == NULL || realVFS->iVersion < 2) return;
    shimVFS = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(WalBufferFile) + realVFS->szOsFile,
        .mxPathname = realVFS->mxPathname,
        .zName = "chalk-walbuf",
        .xOpen = shimOpen, .xDelete = shimDelete, .xAccess = shimAccess,
        .xFullPathname = shimFullPathname, .xDlOpen = shimDlOpen, .xDlError = shimDlError,
        .xDlSym = shimDlSym, .xDlClose = shimDlClose, .xRandomness = shimRandomness,
        .xSleep = shimSleep, .xCurrentTime = shimCurrentTime, .xGetLastError = shimGetLastError,
        .xCurrentTimeInt64 = shimCurrentTimeInt64,
    };
    registerResult = sqlite3_vfs_register(&shimVFS, 1);
}

int chalk_wal_buffer_register(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, registerOnce);
    return registerResult;
}

chalk_wal_buffer_stats chalk_wal_buffer_get_file_stats(const char *walPath) {
    chalk_wal_buffer_stats sum = {0, 0};
    pthread_mutex_lock(&openWALFilesLock);
    for (WalBufferFile *f = openWALFiles; f != NULL; f = f->next) {
        if (f->name == NULL || strcmp(f->name, walPath) != 0) continue;
        sum.wal_writes_requested += atomic_load_explicit(&f->requested, memory_order_relaxed);
        sum.wal_writes_issued += atomic_load_explicit(&f->issued, memory_order_relaxed);
    }
    pthread_mutex_unlock(&openWALFilesLock);
    return sum;
}
