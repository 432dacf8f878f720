#ifndef SLUICE_BYTESCAN_H
#define SLUICE_BYTESCAN_H
#include <stddef.h>
#include <stdint.h>

/// The hot byte scans of the line and grep stages, vectorised (SSE2 everywhere on x86-64,
/// AVX2 when the CPU has it), with portable fallbacks.

/// How many times `byte` occurs in `p[0..<n]`.
size_t sluice_count_byte(const uint8_t *p, size_t n, uint8_t byte);

/// The last `byte` in `p[0..<n]`, or NULL (glibc's memrchr).
const uint8_t *sluice_last_byte(const uint8_t *p, size_t n, uint8_t byte);

/// The first occurrence of `needle` in `hay` (glibc's memmem, for short haystacks).
const uint8_t *sluice_memmem(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m);

/// A literal prepared for searching: the needle and the two rarest of its bytes, whose
/// positions are checked together over 16 or 32 haystack bytes at a time.
typedef struct {
    const uint8_t *needle;
    size_t length;
    size_t rare1, rare2;   /* positions in the needle, rare1 != rare2 when length > 1 */
    int caseless;          /* ASCII letters match either case */
} sluice_literal;

/// Prepares `needle` (which must stay alive while the literal is used).
void sluice_literal_init(sluice_literal *literal, const uint8_t *needle, size_t length, int caseless);

/// The first occurrence of the literal in `hay[0..<n]`, or NULL.
const uint8_t *sluice_literal_find(const sluice_literal *literal, const uint8_t *hay, size_t n);

/// Tunes glibc's malloc for a process that allocates and frees ~1 MiB chunks on several
/// threads: such blocks come from the heap rather than fresh mmaps, and freed memory is kept,
/// so pages are not faulted in again for every chunk. No effect on other C libraries.
void sluice_tune_allocator_for_streaming(void);

/* The code points of the character class `name` ("alpha", "punct", ...) in the C library's
   C.UTF-8 locale, as ranges: out[2k] to out[2k+1], at most `capacity` ranges. Returns the
   number of ranges, or (size_t)-1 when that locale does not exist. Uses a locale object of
   its own: the process's locale is not changed. */
size_t sluice_utf8_class_ranges(const char *name, uint32_t *out, size_t capacity);

#endif
