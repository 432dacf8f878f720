#include "LiteralSet.h"
#include <stdlib.h>
#include <string.h>

/* Layout: literals of four bytes or more are found by their first four bytes (folded with
   `| 0x20` per byte when caseless: the same lossy fold on both sides, so a real occurrence always
   passes), tested against a bitmap of 2^bits hashes that stays in L2 cache; a position that
   passes looks the four bytes up in a prefix table giving the lengths of the literals that start
   with them, and each such length is checked by hashing the text there and probing the exact
   table. Literals of one to three bytes are tested at each position against direct bitmaps. */

#define MAX_MASK_LENGTH 66   /* lengths 4...66 have their own bit in a prefix's mask; bit 63 means longer */

struct sluice_litset {
    int caseless;
    size_t count;
    uint8_t *bytes;
    size_t *offsets;
    uint64_t *hashes;
    uint32_t *exact;       /* id + 1, 0 empty */
    size_t exact_mask;
    int has_long;
    uint64_t *filter;
    unsigned filter_shift;
    uint32_t *prefix_keys;
    uint64_t *prefix_lengths;   /* 0: empty slot */
    size_t prefix_mask;
    unsigned prefix_shift;
    size_t *long_lengths;   /* distinct lengths > MAX_MASK_LENGTH, longest first */
    size_t long_length_count;
    int has1, has2, has3;
    uint64_t short1[4];
    uint64_t *short2;
    uint64_t *short3;
    size_t memory;
};

static inline uint8_t ascii_lower(uint8_t b) { return (b >= 'A' && b <= 'Z') ? b + 32 : b; }

static inline uint64_t mix(uint64_t h) {
    h ^= h >> 33; h *= 0xff51afd7ed558ccdULL; h ^= h >> 33;
    return h;
}

/* A hash of s[0..<n] with every byte or-ed with `fold` (0x20 when caseless, else 0). */
static inline uint64_t hash_bytes(const uint8_t *s, size_t n, uint8_t fold) {
    const uint64_t fold64 = fold * 0x0101010101010101ULL;
    uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w; memcpy(&w, s + i, 8);
        h = mix(h ^ (w | fold64));
    }
    if (i < n) {
        uint64_t w = 0;
        memcpy(&w, s + i, n - i);
        uint64_t m = (n - i) == 8 ? ~0ULL : ((1ULL << (8 * (n - i))) - 1);
        h = mix(h ^ ((w | fold64) & m));
    }
    return h;
}

static inline int equal(const sluice_litset *set, size_t id, const uint8_t *s, size_t n) {
    const size_t start = set->offsets[id];
    if (set->offsets[id + 1] - start != n) return 0;
    const uint8_t *lit = set->bytes + start;
    if (!set->caseless) return memcmp(lit, s, n) == 0;
    for (size_t i = 0; i < n; i++) if (ascii_lower(s[i]) != lit[i]) return 0;
    return 1;
}

static inline long find_exact(const sluice_litset *set, const uint8_t *s, size_t n, uint64_t h) {
    size_t slot = h & set->exact_mask;
    for (;;) {
        uint32_t e = set->exact[slot];
        if (e == 0) return -1;
        if (set->hashes[e - 1] == h && equal(set, e - 1, s, n)) return (long)(e - 1);
        slot = (slot + 1) & set->exact_mask;
    }
}

static inline uint32_t key4(const uint8_t *s, uint32_t fold32) {
    uint32_t k; memcpy(&k, s, 4);
    return k | fold32;
}

static inline size_t prefix_slot(const sluice_litset *set, uint32_t key) {
    return (size_t)((key * 0x85EBCA6Bu) >> set->prefix_shift) & set->prefix_mask;
}

static size_t pow2_at_least(size_t n) { size_t p = 1; while (p < n) p <<= 1; return p; }
static unsigned log2_of(size_t p) { unsigned b = 0; while (((size_t)1 << b) < p) b++; return b; }

static void *track(sluice_litset *set, size_t bytes) {
    set->memory += bytes;
    return calloc(1, bytes ? bytes : 1);
}

sluice_litset *sluice_litset_create(const uint8_t *bytes, const size_t *offsets, size_t count, int caseless) {
    sluice_litset *set = calloc(1, sizeof *set);
    if (!set) return NULL;
    set->memory = sizeof *set;
    set->caseless = caseless;
    set->count = count;
    const size_t total = offsets[count];
    set->bytes = track(set, total);
    set->offsets = track(set, (count + 1) * sizeof(size_t));
    set->hashes = track(set, (count ? count : 1) * sizeof(uint64_t));
    const size_t exact_size = pow2_at_least(count * 2 + 2);
    set->exact = track(set, exact_size * sizeof(uint32_t));
    set->exact_mask = exact_size - 1;
    if (!set->bytes || !set->offsets || !set->hashes || !set->exact) { sluice_litset_free(set); return NULL; }
    memcpy(set->bytes, bytes, total);
    memcpy(set->offsets, offsets, (count + 1) * sizeof(size_t));
    const uint8_t fold = caseless ? 0x20 : 0;
    const uint32_t fold32 = caseless ? 0x20202020u : 0;

    size_t long_count = 0;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *lit = set->bytes + offsets[i];
        const size_t n = offsets[i + 1] - offsets[i];
        const uint64_t h = hash_bytes(lit, n, fold);
        set->hashes[i] = h;
        size_t slot = h & set->exact_mask;
        while (set->exact[slot]) slot = (slot + 1) & set->exact_mask;
        set->exact[slot] = (uint32_t)(i + 1);
        if (n >= 4) long_count++;
        else if (n == 1) { set->has1 = 1; uint8_t k = lit[0] | fold; set->short1[k >> 6] |= 1ULL << (k & 63); }
        else if (n == 2) {
            if (!set->short2 && !(set->short2 = track(set, (65536 / 64) * sizeof(uint64_t)))) { sluice_litset_free(set); return NULL; }
            set->has2 = 1;
            uint32_t k = (uint32_t)(lit[0] | fold) | (uint32_t)(lit[1] | fold) << 8;
            set->short2[k >> 6] |= 1ULL << (k & 63);
        } else if (n == 3) {
            if (!set->short3 && !(set->short3 = track(set, ((1u << 24) / 64) * sizeof(uint64_t)))) { sluice_litset_free(set); return NULL; }
            set->has3 = 1;
            uint32_t k = (uint32_t)(lit[0] | fold) | (uint32_t)(lit[1] | fold) << 8 | (uint32_t)(lit[2] | fold) << 16;
            set->short3[k >> 6] |= 1ULL << (k & 63);
        }
    }
    if (long_count) {
        set->has_long = 1;
        /* ~1/32 of the filter's bits set at most: few false positives, and 2 MiB at the very most. */
        size_t filter_bits = pow2_at_least(long_count * 32);
        if (filter_bits < 65536) filter_bits = 65536;
        if (filter_bits > (1u << 24)) filter_bits = 1u << 24;
        set->filter_shift = 32 - log2_of(filter_bits);
        set->filter = track(set, filter_bits / 8);
        const size_t prefix_size = pow2_at_least(long_count * 2);
        set->prefix_keys = track(set, prefix_size * sizeof(uint32_t));
        set->prefix_lengths = track(set, prefix_size * sizeof(uint64_t));
        set->prefix_mask = prefix_size - 1;
        set->prefix_shift = 32 - log2_of(prefix_size);
        if (prefix_size == 1) set->prefix_shift = 31;
        set->long_lengths = track(set, long_count * sizeof(size_t));
        if (!set->filter || !set->prefix_keys || !set->prefix_lengths || !set->long_lengths) { sluice_litset_free(set); return NULL; }
        for (size_t i = 0; i < count; i++) {
            const uint8_t *lit = set->bytes + offsets[i];
            const size_t n = offsets[i + 1] - offsets[i];
            if (n < 4) continue;
            const uint32_t k = key4(lit, fold32);
            const uint32_t h = (k * 0x9E3779B1u) >> set->filter_shift;
            set->filter[h >> 6] |= 1ULL << (h & 63);
            size_t slot = prefix_slot(set, k);
            while (set->prefix_lengths[slot] && set->prefix_keys[slot] != k) slot = (slot + 1) & set->prefix_mask;
            set->prefix_keys[slot] = k;
            if (n <= MAX_MASK_LENGTH) set->prefix_lengths[slot] |= 1ULL << (n - 4);
            else {
                set->prefix_lengths[slot] |= 1ULL << 63;
                size_t j = 0;
                while (j < set->long_length_count && set->long_lengths[j] != n) j++;
                if (j == set->long_length_count) set->long_lengths[set->long_length_count++] = n;
            }
        }
        /* Longest first, so that at one start the longest literal is reported first. */
        for (size_t a = 1; a < set->long_length_count; a++)
            for (size_t b = a; b > 0 && set->long_lengths[b - 1] < set->long_lengths[b]; b--) {
                size_t t = set->long_lengths[b]; set->long_lengths[b] = set->long_lengths[b - 1]; set->long_lengths[b - 1] = t;
            }
    }
    return set;
}

void sluice_litset_free(sluice_litset *set) {
    if (!set) return;
    free(set->bytes); free(set->offsets); free(set->hashes); free(set->exact);
    free(set->filter); free(set->prefix_keys); free(set->prefix_lengths); free(set->long_lengths);
    free(set->short2); free(set->short3);
    free(set);
}

size_t sluice_litset_memory(const sluice_litset *set) { return set->memory; }

long sluice_litset_lookup(const sluice_litset *set, const uint8_t *s, size_t n) {
    if (n == 0) return -1;
    return find_exact(set, s, n, hash_bytes(s, n, set->caseless ? 0x20 : 0));
}

/* Checks a literal of length n at p; reports it. Returns 1 to stop. */
#define CHECK(p, n) do { \
        long id_ = find_exact(set, hay + (p), (n), hash_bytes(hay + (p), (n), fold)); \
        if (id_ >= 0 && callback((unsigned)id_, (p), (p) + (n), 0, context)) return 1; \
    } while (0)

static int check_long(const sluice_litset *set, const uint8_t *hay, size_t n, size_t p, uint32_t k,
                      sluice_litset_callback callback, void *context) {
    const uint8_t fold = set->caseless ? 0x20 : 0;
    size_t slot = prefix_slot(set, k);
    uint64_t lengths;
    for (;;) {
        lengths = set->prefix_lengths[slot];
        if (!lengths) return 0;
        if (set->prefix_keys[slot] == k) break;
        slot = (slot + 1) & set->prefix_mask;
    }
    if (lengths >> 63) {
        for (size_t j = 0; j < set->long_length_count; j++) {
            const size_t L = set->long_lengths[j];
            if (p + L <= n) CHECK(p, L);
        }
    }
    lengths &= ~(1ULL << 63);
    while (lengths) {
        const unsigned bit = 63 - (unsigned)__builtin_clzll(lengths);
        lengths &= ~(1ULL << bit);
        const size_t L = 4 + bit;
        if (p + L <= n) CHECK(p, L);
    }
    return 0;
}

static int check_short(const sluice_litset *set, const uint8_t *hay, size_t n, size_t p,
                       sluice_litset_callback callback, void *context) {
    const uint8_t fold = set->caseless ? 0x20 : 0;
    const uint32_t b0 = hay[p] | fold;
    if (set->has3 && p + 3 <= n) {
        const uint32_t k = b0 | (uint32_t)(hay[p + 1] | fold) << 8 | (uint32_t)(hay[p + 2] | fold) << 16;
        if (set->short3[k >> 6] >> (k & 63) & 1) CHECK(p, 3);
    }
    if (set->has2 && p + 2 <= n) {
        const uint32_t k = b0 | (uint32_t)(hay[p + 1] | fold) << 8;
        if (set->short2[k >> 6] >> (k & 63) & 1) CHECK(p, 2);
    }
    if (set->has1 && (set->short1[b0 >> 6] >> (b0 & 63) & 1)) CHECK(p, 1);
    return 0;
}

int sluice_litset_scan(const sluice_litset *set, const uint8_t *hay, size_t n,
                       sluice_litset_callback callback, void *context) {
    const uint32_t fold32 = set->caseless ? 0x20202020u : 0;
    const int has_short = set->has1 | set->has2 | set->has3;
    size_t p = 0;
    if (set->has_long && !has_short) {
        /* The common case: a tight loop of one load, multiply and bit test per position. */
        const uint64_t *filter = set->filter;
        const unsigned shift = set->filter_shift;
        while (p + 4 <= n) {
            const uint32_t k = key4(hay + p, fold32);
            const uint32_t h = (k * 0x9E3779B1u) >> shift;
            if (__builtin_expect(filter[h >> 6] >> (h & 63) & 1, 0)) {
                if (check_long(set, hay, n, p, k, callback, context)) return 1;
            }
            p++;
        }
        return 0;
    }
    for (; p < n; p++) {
        if (set->has_long && p + 4 <= n) {
            const uint32_t k = key4(hay + p, fold32);
            const uint32_t h = (k * 0x9E3779B1u) >> set->filter_shift;
            if (set->filter[h >> 6] >> (h & 63) & 1) {
                if (check_long(set, hay, n, p, k, callback, context)) return 1;
            }
        }
        if (has_short && check_short(set, hay, n, p, callback, context)) return 1;
    }
    return 0;
}
