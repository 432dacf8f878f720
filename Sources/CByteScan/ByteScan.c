#define _GNU_SOURCE
#include "ByteScan.h"
#include <string.h>
#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

/* How common a byte is in log text, higher is more common: a fixed heuristic (space, lower-case
   letters by English frequency, digits and log punctuation common; upper case and the rest rare). */
int sluice_byte_rank(uint8_t b) {
    static const char *common = "etaoinsrhldcumfpgwybvkxjqz";
    if (b == ' ') return 255;
    if (b >= '0' && b <= '9') return 200;
    if (b >= 'a' && b <= 'z') return 230 - (int)(strchr(common, b) - common) * 4;
    if (strchr(":.-/=,[]_()'\"", b) && b) return 150;
    if (b >= 'A' && b <= 'Z') return 90;
    if (b == '\t' || b == '\r' || b == '\n') return 120;
    return 10;
}

static inline uint8_t ascii_lower(uint8_t b) { return (b >= 'A' && b <= 'Z') ? b + 32 : b; }
static inline uint8_t ascii_upper(uint8_t b) { return (b >= 'a' && b <= 'z') ? b - 32 : b; }

void sluice_literal_init(sluice_literal *l, const uint8_t *needle, size_t length, int caseless) {
    l->needle = needle;
    l->length = length;
    l->caseless = caseless;
    l->rare1 = 0;
    l->rare2 = length > 1 ? 1 : 0;
    if (length < 2) return;
    /* The rarest byte, then the rarest at another position (case folded bytes rank as lower case). */
    int best1 = 1 << 30, best2 = 1 << 30;
    for (size_t i = 0; i < length; i++) {
        int r = sluice_byte_rank(caseless ? ascii_lower(needle[i]) : needle[i]);
        if (r < best1) { best1 = r; l->rare1 = i; }
    }
    for (size_t i = 0; i < length; i++) {
        if (i == l->rare1) continue;
        int r = sluice_byte_rank(caseless ? ascii_lower(needle[i]) : needle[i]);
        if (r < best2 || (r == best2 && i > l->rare2 && l->rare2 == l->rare1)) { best2 = r; l->rare2 = i; }
    }
}

static int matches_at(const sluice_literal *l, const uint8_t *at) {
    if (!l->caseless) return memcmp(at, l->needle, l->length) == 0;
    for (size_t i = 0; i < l->length; i++)
        if (ascii_lower(at[i]) != ascii_lower(l->needle[i])) return 0;
    return 1;
}

static const uint8_t *find_scalar(const sluice_literal *l, const uint8_t *hay, size_t n, size_t from) {
    if (l->length > n) return NULL;
    if (!l->caseless) {
        const uint8_t *hit = memmem(hay + from, n - from, l->needle, l->length);
        return hit;
    }
    for (size_t i = from; i + l->length <= n; i++)
        if (matches_at(l, hay + i)) return hay + i;
    return NULL;
}

#if defined(__x86_64__)
/* The candidates at[0..<32] whose two rare bytes (at i1 and i2 on) both match, as a vector of
   0xff bytes; caseless, each of the two either in lower or upper case. */
__attribute__((target("avx2"), always_inline))
static inline __m256i pair_mask_avx2(const uint8_t *at, size_t i1, size_t i2, __m256i lo1, __m256i up1,
                                     __m256i lo2, __m256i up2, const int caseless) {
    __m256i v1 = _mm256_loadu_si256((const __m256i *)(at + i1));
    __m256i v2 = _mm256_loadu_si256((const __m256i *)(at + i2));
    __m256i e1 = _mm256_cmpeq_epi8(v1, lo1), e2 = _mm256_cmpeq_epi8(v2, lo2);
    if (caseless) {
        e1 = _mm256_or_si256(e1, _mm256_cmpeq_epi8(v1, up1));
        e2 = _mm256_or_si256(e2, _mm256_cmpeq_epi8(v2, up2));
    }
    return _mm256_and_si256(e1, e2);
}

/* The search, for a constant `caseless` (inlined twice: no case test in the loops). A block of
   32 candidates starting at p is read whole while p + m + 31 <= n (both rare bytes' loads, at
   most m - 1 + 32 bytes on, then stay inside the haystack); two blocks are tested with one
   branch while both fit. */
__attribute__((target("avx2"), always_inline))
static inline const uint8_t *find_avx2_blocks(const sluice_literal *l, const uint8_t *hay, size_t n, const int caseless) {
    const size_t m = l->length, i1 = l->rare1, i2 = l->rare2;
    const uint8_t b1 = l->needle[i1], b2 = l->needle[i2];
    /* Caseless, the lower and upper case forms; else the bytes themselves. */
    const __m256i lo1 = _mm256_set1_epi8((char)(caseless ? ascii_lower(b1) : b1)), up1 = _mm256_set1_epi8((char)ascii_upper(b1));
    const __m256i lo2 = _mm256_set1_epi8((char)(caseless ? ascii_lower(b2) : b2)), up2 = _mm256_set1_epi8((char)ascii_upper(b2));
    size_t p = 0;
    if (n >= m + 31) {
        const size_t last = n - m - 31;   /* the last p whose block fits */
        while (p + 32 <= last) {
            __m256i a = pair_mask_avx2(hay + p, i1, i2, lo1, up1, lo2, up2, caseless);
            __m256i b = pair_mask_avx2(hay + p + 32, i1, i2, lo1, up1, lo2, up2, caseless);
            __m256i any = _mm256_or_si256(a, b);
            if (_mm256_testz_si256(any, any)) { p += 64; continue; }
            uint64_t mask = (uint64_t)(unsigned)_mm256_movemask_epi8(a) | (uint64_t)(unsigned)_mm256_movemask_epi8(b) << 32;
            while (mask) {
                unsigned k = (unsigned)__builtin_ctzll(mask);
                if (matches_at(l, hay + p + k)) return hay + p + k;
                mask &= mask - 1;
            }
            p += 64;
        }
        while (p <= last) {
            unsigned mask = (unsigned)_mm256_movemask_epi8(pair_mask_avx2(hay + p, i1, i2, lo1, up1, lo2, up2, caseless));
            while (mask) {
                unsigned k = (unsigned)__builtin_ctz(mask);
                if (matches_at(l, hay + p + k)) return hay + p + k;
                mask &= mask - 1;
            }
            p += 32;
        }
    }
    return find_scalar(l, hay, n, p);
}

__attribute__((target("avx2")))
static const uint8_t *find_avx2(const sluice_literal *l, const uint8_t *hay, size_t n) {
    return l->caseless ? find_avx2_blocks(l, hay, n, 1) : find_avx2_blocks(l, hay, n, 0);
}

static const uint8_t *find_sse2(const sluice_literal *l, const uint8_t *hay, size_t n) {
    const size_t m = l->length, i1 = l->rare1, i2 = l->rare2;
    const uint8_t b1 = l->needle[i1], b2 = l->needle[i2];
    const __m128i lo1 = _mm_set1_epi8((char)ascii_lower(b1)), up1 = _mm_set1_epi8((char)(l->caseless ? ascii_upper(b1) : ascii_lower(b1)));
    const __m128i lo2 = _mm_set1_epi8((char)ascii_lower(b2)), up2 = _mm_set1_epi8((char)(l->caseless ? ascii_upper(b2) : ascii_lower(b2)));
    const __m128i ex1 = _mm_set1_epi8((char)b1), ex2 = _mm_set1_epi8((char)b2);
    size_t p = 0;
    while (p + m + 16 <= n + 1 && p + (i1 > i2 ? i1 : i2) + 16 <= n) {
        __m128i v1 = _mm_loadu_si128((const __m128i *)(hay + p + i1));
        __m128i v2 = _mm_loadu_si128((const __m128i *)(hay + p + i2));
        __m128i e1, e2;
        if (l->caseless) {
            e1 = _mm_or_si128(_mm_cmpeq_epi8(v1, lo1), _mm_cmpeq_epi8(v1, up1));
            e2 = _mm_or_si128(_mm_cmpeq_epi8(v2, lo2), _mm_cmpeq_epi8(v2, up2));
        } else {
            e1 = _mm_cmpeq_epi8(v1, ex1);
            e2 = _mm_cmpeq_epi8(v2, ex2);
        }
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(e1, e2));
        while (mask) {
            unsigned k = (unsigned)__builtin_ctz(mask);
            if (p + k + m <= n && matches_at(l, hay + p + k)) return hay + p + k;
            mask &= mask - 1;
        }
        p += 16;
    }
    return find_scalar(l, hay, n, p);
}

/* How many times `byte` occurs in p[0..<n]: two 32-byte lanes per step, each with up to 255
   rounds of byte-wide counts, then a horizontal sum with SAD. With `has_nul`, also whether a
   NUL occurs, from the same loads: the running unsigned minimum of the bytes (one instruction
   per load, against two for compare-and-or; measured 22 against 13-15 GB/s on 1 MiB buffers
   here), tested for zero at the end. Inlined with NULL, that test is gone. */
__attribute__((target("avx2"), always_inline))
static inline size_t count_avx2_impl(const uint8_t *p, size_t n, uint8_t byte, int *has_nul) {
    const __m256i target = _mm256_set1_epi8((char)byte), zero = _mm256_setzero_si256();
    size_t i = 0, total = 0;
    __m256i low = _mm256_set1_epi8((char)0xFF), low2 = low;
    while (i + 64 <= n) {
        __m256i acc = zero, acc2 = zero;
        size_t rounds = (n - i) / 64;
        if (rounds > 255) rounds = 255;
        for (size_t r = 0; r < rounds; r++, i += 64) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(p + i));
            __m256i w = _mm256_loadu_si256((const __m256i *)(p + i + 32));
            acc = _mm256_sub_epi8(acc, _mm256_cmpeq_epi8(v, target));
            acc2 = _mm256_sub_epi8(acc2, _mm256_cmpeq_epi8(w, target));
            if (has_nul) { low = _mm256_min_epu8(low, v); low2 = _mm256_min_epu8(low2, w); }
        }
        __m256i sums = _mm256_add_epi64(_mm256_sad_epu8(acc, zero), _mm256_sad_epu8(acc2, zero));
        total += (size_t)_mm256_extract_epi64(sums, 0) + (size_t)_mm256_extract_epi64(sums, 1)
               + (size_t)_mm256_extract_epi64(sums, 2) + (size_t)_mm256_extract_epi64(sums, 3);
    }
    int found = _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(low, low2), zero)) != 0;
    for (; i < n; i++) { total += p[i] == byte; found |= p[i] == 0; }
    if (has_nul) *has_nul = found;
    return total;
}

static inline size_t count_sse2_impl(const uint8_t *p, size_t n, uint8_t byte, int *has_nul) {
    const __m128i target = _mm_set1_epi8((char)byte), zero = _mm_setzero_si128();
    size_t i = 0, total = 0;
    __m128i low = _mm_set1_epi8((char)0xFF);
    while (i + 16 <= n) {
        __m128i acc = zero;
        size_t rounds = (n - i) / 16;
        if (rounds > 255) rounds = 255;
        for (size_t r = 0; r < rounds; r++, i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, target));
            if (has_nul) low = _mm_min_epu8(low, v);
        }
        __m128i sums = _mm_sad_epu8(acc, zero);
        total += (size_t)_mm_cvtsi128_si64(sums) + (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums));
    }
    int found = _mm_movemask_epi8(_mm_cmpeq_epi8(low, zero)) != 0;
    for (; i < n; i++) { total += p[i] == byte; found |= p[i] == 0; }
    if (has_nul) *has_nul = found;
    return total;
}

__attribute__((target("avx2")))
static size_t count_avx2(const uint8_t *p, size_t n, uint8_t byte) { return count_avx2_impl(p, n, byte, NULL); }

__attribute__((target("avx2")))
static size_t count_lines_avx2(const uint8_t *p, size_t n, int *has_nul) { return count_avx2_impl(p, n, '\n', has_nul); }

static size_t count_sse2(const uint8_t *p, size_t n, uint8_t byte) { return count_sse2_impl(p, n, byte, NULL); }

static size_t count_lines_sse2(const uint8_t *p, size_t n, int *has_nul) { return count_sse2_impl(p, n, '\n', has_nul); }

#endif

int sluice_has_avx2(void) {
#if defined(__x86_64__)
    static int cached = -1;
    if (cached < 0) { __builtin_cpu_init(); cached = __builtin_cpu_supports("avx2") ? 1 : 0; }
    return cached;
#else
    return 0;
#endif
}

size_t sluice_count_byte(const uint8_t *p, size_t n, uint8_t byte) {
#if defined(__x86_64__)
    return sluice_has_avx2() ? count_avx2(p, n, byte) : count_sse2(p, n, byte);
#else
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += p[i] == byte;
    return total;
#endif
}

size_t sluice_count_lines(const uint8_t *p, size_t n, int *has_nul) {
#if defined(__x86_64__)
    return sluice_has_avx2() ? count_lines_avx2(p, n, has_nul) : count_lines_sse2(p, n, has_nul);
#else
    size_t total = 0;
    int found = 0;
    for (size_t i = 0; i < n; i++) { total += p[i] == '\n'; found |= p[i] == 0; }
    *has_nul = found;
    return total;
#endif
}

const uint8_t *sluice_memmem(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m) {
    return memmem(hay, n, needle, m);
}

const uint8_t *sluice_last_byte(const uint8_t *p, size_t n, uint8_t byte) {
    return memrchr(p, byte, n);
}

const uint8_t *sluice_literal_find(const sluice_literal *l, const uint8_t *hay, size_t n) {
    if (l->length == 0) return hay;
    if (l->length > n) return NULL;
    if (l->length == 1 && !l->caseless) return memchr(hay, l->needle[0], n);
#if defined(__x86_64__)
    if (l->length > 1) return sluice_has_avx2() ? find_avx2(l, hay, n) : find_sse2(l, hay, n);
#endif
    return find_scalar(l, hay, n, 0);
}

void sluice_tune_allocator_for_streaming(void) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

#include <locale.h>
#include <wctype.h>

size_t sluice_utf8_class_ranges(const char *name, uint32_t *out, size_t capacity) {
    locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (loc == (locale_t)0) return (size_t)-1;
    wctype_t type = wctype_l(name, loc);
    size_t n = 0;
    int inside = 0;
    for (uint32_t c = 0; c <= 0x110000; c++) {
        int member = c < 0x110000 && (c < 0xD800 || c > 0xDFFF) && type != 0 && iswctype_l((wint_t)c, type, loc);
        if (member && !inside) {
            if (n == capacity) break;
            out[2 * n] = c;
            inside = 1;
        } else if (!member && inside) {
            out[2 * n + 1] = c - 1;
            n++;
            inside = 0;
        }
    }
    freelocale(loc);
    return n;
}

/* UTF-8 validity, RFC 3629's or glibc's (`glibc` also takes 0xF5-0xF7 leads and the 5- and
   6-byte forms, none overlong): ASCII skipped sixteen bytes at a time. */
static inline int utf8_valid(const uint8_t *p, size_t n, int glibc) {
    size_t i = 0;
    while (i < n) {
        if (i + 16 <= n) {
            uint64_t a, b; memcpy(&a, p + i, 8); memcpy(&b, p + i + 8, 8);
            if (!((a | b) & 0x8080808080808080ULL)) { i += 16; continue; }
        }
        const uint8_t c = p[i];
        if (c < 0x80) { i++; continue; }
        size_t len; uint8_t lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; if (c == 0xE0) lo = 0xA0; if (c == 0xED) hi = 0x9F; }
        else if (c >= 0xF0 && c <= (glibc ? 0xF7 : 0xF4)) {
            len = 4; if (c == 0xF0) lo = 0x90; if (c == 0xF4 && !glibc) hi = 0x8F;
        }
        else if (glibc && c >= 0xF8 && c <= 0xFB) { len = 5; if (c == 0xF8) lo = 0x88; }
        else if (glibc && c >= 0xFC && c <= 0xFD) { len = 6; if (c == 0xFC) lo = 0x84; }
        else return 0;
        if (i + len > n) return 0;
        if (p[i + 1] < lo || p[i + 1] > hi) return 0;
        for (size_t k = 2; k < len; k++) if ((p[i + k] & 0xC0) != 0x80) return 0;
        i += len;
    }
    return 1;
}

int sluice_utf8_valid(const uint8_t *p, size_t n) { return utf8_valid(p, n, 0); }

int sluice_utf8_valid_glibc(const uint8_t *p, size_t n) { return utf8_valid(p, n, 1); }

int sluice_line_hit(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags, void *context) {
    (void)from; (void)flags;
    sluice_line_hits *h = context;
    if (to == 0 || to > h->length) return 0;   /* an empty match at the start: not a line's byte */
    const size_t p = (size_t)to - 1;
    if (h->skips_json_keys && h->hay[p] == '"') {
        size_t q = (size_t)to;
        while (q < h->length && (h->hay[q] == ' ' || h->hay[q] == '\t' || h->hay[q] == '\r')) q++;
        if (q < h->length && h->hay[q] == ':') return 0;
    }
    const int inexact = h->inexact ? h->inexact[id] != 0 : 0;
    if (h->count && p >= h->line_start && p <= h->line_end) {
        if (!inexact) h->confirm[h->count - 1] = 0;
        return 0;
    }
    if (h->count && p < h->line_start) h->unordered = 1;
    if (h->count == h->capacity) {
        size_t cap = h->capacity ? h->capacity * 2 : 1024;
        size_t *np = realloc(h->positions, cap * sizeof *np);
        if (!np) { h->failed = 1; return 1; }
        h->positions = np;
        uint8_t *nc = realloc(h->confirm, cap);
        if (!nc) { h->failed = 1; return 1; }
        h->confirm = nc;
        h->capacity = cap;
    }
    h->positions[h->count] = p;
    h->confirm[h->count] = (uint8_t)inexact;
    h->count++;
    const uint8_t *end = memchr(h->hay + p, '\n', h->length - p);
    h->line_end = end ? (size_t)(end - h->hay) : h->length;
    const uint8_t *start = p ? sluice_last_byte(h->hay, p, '\n') : NULL;
    h->line_start = start ? (size_t)(start - h->hay) + 1 : 0;
    return 0;
}

void sluice_line_hits_free(sluice_line_hits *h) {
    free(h->positions); free(h->confirm);
    h->positions = NULL; h->confirm = NULL; h->count = h->capacity = 0;
}
