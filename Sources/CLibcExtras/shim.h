#ifndef SLUICE_CLIBCEXTRAS_SHIM_H
#define SLUICE_CLIBCEXTRAS_SHIM_H
#include <stddef.h>

/* GNU extensions of glibc's <string.h> that Swift's Glibc module leaves out (they need
   _GNU_SOURCE). Both have been in glibc since 2.1. */
extern void *memmem(const void *haystack, size_t haystacklen, const void *needle, size_t needlelen);
extern void *memrchr(const void *s, int c, size_t n);
#endif
