#ifndef CHALK_CBUILDINFO_H
#define CHALK_CBUILDINFO_H
/// The git commit this chalk was built from (40 hex digits), recorded by Package.swift at build
/// time. Becomes INJECTOR_COMMIT_ID; chalk never runs git to learn it.
const char *chalk_build_commit(void);
#endif
