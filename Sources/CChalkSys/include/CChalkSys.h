#ifndef CHALK_CCHALKSYS_H
#define CHALK_CCHALKSYS_H
#include <sys/types.h>
/// Small wrappers for Linux calls that don't import into Swift (prctl, syscall numbers).
/// The supervisor's C helpers (spawn child path, signal restore) are added here by its owner.
int chalk_set_child_subreaper(int on);
int chalk_get_child_subreaper(int *out);
int chalk_set_pdeathsig(int sig);
#endif
