#ifndef SLUICE_TEDDY_H
#define SLUICE_TEDDY_H
#include <stddef.h>
#include <stdint.h>
#include "LiteralSet.h"

/// A few literals (one to eight) searched together with SIMD nibble tables on their first three
/// bytes (the "Teddy" method of Hyperscan and of ripgrep's aho-corasick crate): 32 positions at
/// a time, each tested against every literal at once, and only the positions whose fingerprint
/// fits a literal compared whole. Hand-written because Vectorscan's wide code (AVX2, AVX-512),
/// the one library that does this, misses matches near a buffer's end in Debian's 5.4.9, and its
/// SSE4.2 code, the one used instead, is slower than this and reports out of order.
typedef struct sluice_teddy sluice_teddy;

/// The most literals a set can hold (one bucket each).
#define SLUICE_TEDDY_MAX 8

/// Builds the set (literal `i` is `bytes[offsets[i] ..< offsets[i + 1]]`, non-empty and
/// distinct; with `caseless` given with ASCII letters in lower case, and ASCII letters of the
/// text then match either case). With `ordered`, scans report in order of start (each literal is
/// fingerprinted by its first bytes); without, a literal is fingerprinted by its rarest bytes, and
/// occurrences of different literals may come out of order. NULL when the CPU has no AVX2, when
/// `count` is 0 or above SLUICE_TEDDY_MAX, or when memory runs out: the caller uses another engine.
sluice_teddy *sluice_teddy_create(const uint8_t *bytes, const size_t *offsets, size_t count, int caseless, int ordered);

void sluice_teddy_free(sluice_teddy *set);

/// Reports every occurrence in `hay[0..<n]`: for an `ordered` set in order of start (at one start,
/// longest first), as `sluice_litset_scan` does; returns 1 when the callback stopped the scan.
int sluice_teddy_scan(const sluice_teddy *set, const uint8_t *hay, size_t n,
                      sluice_litset_callback callback, void *context);

#endif
