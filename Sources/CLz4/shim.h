#ifndef SLUICE_CLZ4_SHIM_H
#define SLUICE_CLZ4_SHIM_H
#include <lz4frame.h>
#include <lz4.h>

/// LZ4F_VERSION is a macro; Swift imports it, but keep the call in one place.
static inline unsigned sluice_lz4f_version(void) { return LZ4F_VERSION; }

/// LZ4_COMPRESSBOUND is a macro: the largest compressed size of `size` bytes.
static inline int sluice_lz4_compress_bound(int size) { return LZ4_COMPRESSBOUND(size); }
#endif
