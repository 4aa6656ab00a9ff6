#include "CBuildInfo.h"
#ifndef CHALK_BUILD_COMMIT
#define CHALK_BUILD_COMMIT "0000000000000000000000000000000000000000"
#endif
const char *chalk_build_commit(void) { return CHALK_BUILD_COMMIT; }
