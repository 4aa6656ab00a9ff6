#define _GNU_SOURCE
#include "CChalkSys.h"
#include <sys/prctl.h>

int chalk_set_child_subreaper(int on) { return prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0, 0, 0); }
int chalk_get_child_subreaper(int *out) { return prctl(PR_GET_CHILD_SUBREAPER, out, 0, 0, 0); }
int chalk_set_pdeathsig(int sig) { return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0); }
