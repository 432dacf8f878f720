#ifndef SLUICE_BYTESCAN_H
#define SLUICE_BYTESCAN_H
#include <stddef.h>
#include <stdint.h>

/// The hot byte scans of the line and grep stages, vectorised (SSE2 everywhere on x86-64,
/// AVX2 when the CPU has it), with portable fallbacks.

/// How many times `byte` occurs in `p[0..<n]`.
size_t sluice_count_byte(const uint8_t *p, size_t n, uint8_t byte);

/// How many line feeds `p[0..<n]` holds, with `*has_nul` set to whether it holds a NUL byte:
/// both from one pass over the bytes.
size_t sluice_count_lines(const uint8_t *p, size_t n, int *has_nul);

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

/// How common a byte is in log text, higher is more common (a fixed heuristic: space, lower-case
/// letters by English frequency, digits and log punctuation common; upper case and the rest rare).
int sluice_byte_rank(uint8_t b);

/// Whether the CPU runs AVX2 code (asked once).
int sluice_has_avx2(void);

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

/// Whether `p[0..<n]` is valid UTF-8 (no overlong forms, surrogates or code points above
/// U+10FFFF); ASCII is checked sixteen bytes at a time.
int sluice_utf8_valid(const uint8_t *p, size_t n);

/// Whether `p[0..<n]` is text to the C library's UTF-8 (glibc's `mbrlen` in a UTF-8 locale):
/// forms of one to six bytes for values up to 0x7FFFFFFF, none overlong, no surrogates. GNU grep
/// does not print a line it is not (see `GrepOptions.suppressesUndecodableLines`).
int sluice_utf8_valid_glibc(const uint8_t *p, size_t n);

/// The lines of a buffer that hold the end of a match, collected from a scan callback (a
/// Vectorscan `match_event_handler` or a `sluice_litset_callback`, which have this type): one
/// position per line, the last byte of the first match reported on it. Matches that end on the
/// line already recorded are dropped, so a scan that reports in order of end (Vectorscan's
/// block mode mostly does) records each line once; `unordered` says when one came out of order
/// (then the caller sorts).
typedef struct {
    const uint8_t *hay;        /* the scanned bytes; match offsets are relative to it */
    size_t length;
    const uint8_t *inexact;    /* per match id: nonzero when a line it matches must be confirmed; NULL: none */
    size_t *positions;         /* positions relative to hay */
    uint8_t *confirm;          /* per position: the line must be confirmed (only matches of inexact ids on it) */
    size_t count, capacity;
    size_t line_start, line_end;   /* the last recorded line: [line_start, line_end], line_end at its LF or length */
    int unordered;
    int failed;                /* out of memory: the collection is incomplete */
    int skips_json_keys;       /* drop a match that ends with `"` and is followed by optional
                                  white space and `:` (a JSON key, never a value: see `where`) */
} sluice_line_hits;

/// The callback: `context` is a `sluice_line_hits` (zeroed but for hay, length, inexact and
/// skips_json_keys).
/// Returns nonzero (stop) only when memory runs out.
int sluice_line_hit(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags, void *context);

/// Frees the arrays of a collection.
void sluice_line_hits_free(sluice_line_hits *hits);

#endif
