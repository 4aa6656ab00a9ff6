#ifndef CHALK_WAL_BUFFER_H
#define CHALK_WAL_BUFFER_H

#include <stdint.h>

/// Registers the "chalk-walbuf" VFS as SQLite's default: the default VFS, except that each
/// connection's writes to its write-ahead log are gathered in memory and written with one
/// pwrite() per commit instead of two per page (see wal_buffer.c). Idempotent; returns an
/// SQLite result code (0 = SQLITE_OK).
int chalk_wal_buffer_register(void);

/// Counters for tests and diagnostics: WAL writes SQLite asked for, and pwrite() calls the shim
/// made for them.
typedef struct {
    uint64_t wal_writes_requested;
    uint64_t wal_writes_issued;
} chalk_wal_buffer_stats;

/// The counters of the connections that have the WAL file `walPath` (as SQLite names it: the
/// database's full path plus "-wal") open now, since each opened it.
chalk_wal_buffer_stats chalk_wal_buffer_get_file_stats(const char *walPath);

#endif
