#include "Teddy.h"
#include "ByteScan.h"
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

/* Layout: literal k of the set sits in bucket b (bit 1 << b), buckets ordered by length, longest
   first, so that the bits of one position, taken from the lowest, report longer literals first.
   A literal's fingerprint is three of its bytes from offset[b] on (the first three when the set
   reports in order; else the three rarest consecutive ones, by `sluice_byte_rank`: `level=error`
   is found by `l=e`, not by `lev`, which every JSON line with a "level" key holds). For each
   position j of a fingerprint, lo[j][x] holds the buckets whose fingerprint byte j has low nibble
   x, hi[j][x] those with high nibble x; a literal shorter than j + 1 bytes is in every entry of
   both (it asks nothing of byte j). A position p is a candidate for bucket b when, for j = 0, 1,
   2, text byte p + j has b in lo[j][its low nibble] and in hi[j][its high nibble]: one literal per
   bucket, so that is exactly "byte j equals the fingerprint's" (or, caseless, one of its two
   cases). The literal would start at p - offset[b]; candidates are then compared whole. */

struct sluice_teddy {
    size_t count;
    int caseless;
    unsigned id[SLUICE_TEDDY_MAX];           /* by bucket: the literal's index */
    size_t length[SLUICE_TEDDY_MAX];         /* by bucket */
    size_t offset[SLUICE_TEDDY_MAX];         /* by bucket: where its fingerprint starts in it */
    const uint8_t *literal[SLUICE_TEDDY_MAX];/* by bucket, into `store` */
    uint8_t *store;
    uint8_t lo[3][16], hi[3][16];
};

static inline uint8_t lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c; }

static inline int equal_at(const sluice_teddy *t, unsigned b, const uint8_t *at) {
    const uint8_t *l = t->literal[b];
    const size_t m = t->length[b];
    if (!t->caseless) return memcmp(at, l, m) == 0;
    for (size_t i = 0; i < m; i++) if (lower(at[i]) != l[i]) return 0;
    return 1;
}

sluice_teddy *sluice_teddy_create(const uint8_t *bytes, const size_t *offsets, size_t count, int caseless, int ordered) {
#if defined(__x86_64__)
    if (!sluice_has_avx2() || count == 0 || count > SLUICE_TEDDY_MAX) return NULL;
    sluice_teddy *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    const size_t total = offsets[count] - offsets[0];
    t->store = malloc(total ? total : 1);
    if (!t->store) { free(t); return NULL; }
    memcpy(t->store, bytes + offsets[0], total);
    t->count = count;
    t->caseless = caseless;
    /* Buckets by length, longest first; equal lengths by index (a stable insertion sort). */
    unsigned order[SLUICE_TEDDY_MAX];
    for (unsigned i = 0; i < count; i++) {
        unsigned k = i;
        const size_t m = offsets[i + 1] - offsets[i];
        while (k > 0 && offsets[order[k - 1] + 1] - offsets[order[k - 1]] < m) { order[k] = order[k - 1]; k--; }
        order[k] = i;
    }
    for (unsigned b = 0; b < count; b++) {
        const unsigned i = order[b];
        t->id[b] = i;
        t->length[b] = offsets[i + 1] - offsets[i];
        t->literal[b] = t->store + (offsets[i] - offsets[0]);
        if (!ordered && t->length[b] > 3) {
            /* The window of three bytes whose most common byte is least common, then the sum. */
            int best = -1, bestSum = 0;
            for (size_t o = 0; o + 3 <= t->length[b]; o++) {
                int worst = 0, sum = 0;
                for (size_t j = 0; j < 3; j++) {
                    const int r = sluice_byte_rank(t->literal[b][o + j]);
                    worst = r > worst ? r : worst;
                    sum += r;
                }
                if (best < 0 || worst < best || (worst == best && sum < bestSum)) {
                    best = worst; bestSum = sum; t->offset[b] = o;
                }
            }
        }
        const uint8_t bit = (uint8_t)(1u << b);
        for (int j = 0; j < 3; j++) {
            if ((size_t)j >= t->length[b]) {
                for (int x = 0; x < 16; x++) { t->lo[j][x] |= bit; t->hi[j][x] |= bit; }
                continue;
            }
            const uint8_t c = t->literal[b][t->offset[b] + (size_t)j];
            t->lo[j][c & 15] |= bit; t->hi[j][c >> 4] |= bit;
            if (caseless && c >= 'a' && c <= 'z') {
                const uint8_t u = (uint8_t)(c - 32);
                t->lo[j][u & 15] |= bit; t->hi[j][u >> 4] |= bit;
            }
        }
    }
    return t;
#else
    (void)bytes; (void)offsets; (void)count; (void)caseless; (void)ordered;
    return NULL;
#endif
}

void sluice_teddy_free(sluice_teddy *t) {
    if (!t) return;
    free(t->store);
    free(t);
}

/* Reports the literals of the buckets in `buckets` whose fingerprint is at `p`; 1 when the
   callback stops. */
static inline int report(const sluice_teddy *t, unsigned buckets, const uint8_t *hay, size_t n, size_t p,
                         sluice_litset_callback callback, void *context) {
    while (buckets) {
        const unsigned b = (unsigned)__builtin_ctz(buckets);
        buckets &= buckets - 1;
        if (p < t->offset[b]) continue;
        const size_t s = p - t->offset[b];
        if (s + t->length[b] <= n && equal_at(t, b, hay + s)
            && callback(t->id[b], s, s + t->length[b], 0, context)) return 1;
    }
    return 0;
}

/* The positions p..<n one at a time (the last ones, whose three 32-byte loads would pass n). */
static int scan_scalar(const sluice_teddy *t, const uint8_t *hay, size_t n, size_t p,
                       sluice_litset_callback callback, void *context) {
    for (; p < n; p++) {
        unsigned buckets = 0xFF;
        for (int j = 0; j < 3 && buckets; j++) {
            if (p + (size_t)j >= n) break;   /* a literal that needs byte j fails its length check */
            const uint8_t c = hay[p + (size_t)j];
            buckets &= (unsigned)(t->lo[j][c & 15] & t->hi[j][c >> 4]);
        }
        buckets &= (1u << t->count) - 1;
        if (buckets && report(t, buckets, hay, n, p, callback, context)) return 1;
    }
    return 0;
}

#if defined(__x86_64__)
__attribute__((target("avx2"), always_inline))
static inline __m256i fingerprint(const uint8_t *at, const __m256i lo[3], const __m256i hi[3], __m256i nibble) {
    __m256i m = _mm256_set1_epi8((char)0xFF);
    for (int j = 0; j < 3; j++) {
        const __m256i v = _mm256_loadu_si256((const __m256i *)(at + j));
        const __m256i l = _mm256_shuffle_epi8(lo[j], _mm256_and_si256(v, nibble));
        const __m256i h = _mm256_shuffle_epi8(hi[j], _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
        m = _mm256_and_si256(m, _mm256_and_si256(l, h));
    }
    return m;
}

__attribute__((target("avx2")))
static int scan_avx2(const sluice_teddy *t, const uint8_t *hay, size_t n, sluice_litset_callback callback, void *context) {
    __m256i lo[3], hi[3];
    for (int j = 0; j < 3; j++) {
        lo[j] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)t->lo[j]));
        hi[j] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)t->hi[j]));
    }
    const __m256i nibble = _mm256_set1_epi8(0x0F), zero = _mm256_setzero_si256();
    size_t p = 0;
    /* A block of 32 positions at p reads hay[p ..< p + 34]. */
    if (n >= 34) {
        const size_t last = n - 34;
        while (p + 32 <= last) {
            const __m256i a = fingerprint(hay + p, lo, hi, nibble), b = fingerprint(hay + p + 32, lo, hi, nibble);
            const __m256i any = _mm256_or_si256(a, b);
            if (_mm256_testz_si256(any, any)) { p += 64; continue; }
            uint8_t buckets[64];
            _mm256_storeu_si256((__m256i *)buckets, a);
            _mm256_storeu_si256((__m256i *)(buckets + 32), b);
            uint64_t mask = (uint64_t)(unsigned)~_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, zero))
                | (uint64_t)(unsigned)~_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, zero)) << 32;
            while (mask) {
                const unsigned k = (unsigned)__builtin_ctzll(mask);
                mask &= mask - 1;
                if (report(t, buckets[k], hay, n, p + k, callback, context)) return 1;
            }
            p += 64;
        }
        while (p <= last) {
            const __m256i a = fingerprint(hay + p, lo, hi, nibble);
            unsigned mask = (unsigned)~_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, zero));
            if (mask) {
                uint8_t buckets[32];
                _mm256_storeu_si256((__m256i *)buckets, a);
                while (mask) {
                    const unsigned k = (unsigned)__builtin_ctz(mask);
                    mask &= mask - 1;
                    if (report(t, buckets[k], hay, n, p + k, callback, context)) return 1;
                }
            }
            p += 32;
        }
    }
    return scan_scalar(t, hay, n, p, callback, context);
}
#endif

int sluice_teddy_scan(const sluice_teddy *t, const uint8_t *hay, size_t n, sluice_litset_callback callback, void *context) {
#if defined(__x86_64__)
    return scan_avx2(t, hay, n, callback, context);
#else
    return scan_scalar(t, hay, n, 0, callback, context);
#endif
}
