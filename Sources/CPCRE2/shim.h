#ifndef SLUICE_CPCRE2_SHIM_H
#define SLUICE_CPCRE2_SHIM_H
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/// PCRE2_ZERO_TERMINATED and PCRE2_UNSET are macros of casts Swift cannot import.
static inline PCRE2_SIZE sluice_pcre2_unset(void) { return PCRE2_UNSET; }
#endif
