/* The JSON half of Sluice's field scanner (Sources/Sluice/Fields/FieldScanner.swift): one pass
   over a line, in place, validating as it goes and recording only the values of the key paths
   asked for. String bodies are skipped sixteen bytes at a time (SSE2). Why hand-written and not
   simdjson: see FieldScanner.swift. */
#include "JSONScan.h"
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum { K_MISSING, K_STRING, K_NUMBER, K_TRUE, K_FALSE, K_NULL, K_OBJECT, K_ARRAY };

typedef struct {
    const uint8_t *p;
    size_t n, i;
    const sluice_json_keys *keys;
    sluice_field_value *values;
} scan;

static inline int is_space(uint8_t c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
static inline int is_digit(uint8_t c) { return (uint8_t)(c - '0') < 10; }
static inline int is_hex(uint8_t c) { return (uint8_t)(c - '0') < 10 || (uint8_t)((c | 0x20) - 'a') < 6; }

static inline void skip_space(scan *s) {
    while (s->i < s->n && is_space(s->p[s->i])) s->i++;
}

__attribute__((always_inline))
static inline int string(const uint8_t *p, size_t n, size_t *pi, int *escaped, int allows_control) {
    size_t i = *pi + 1;
    for (;;) {
#if defined(__SSE2__)
        const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1F);
        while (i + 16 <= n) {
            __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
            __m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, slash));
            if (!allows_control) m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl));  /* v <= 0x1F */
            unsigned mask = (unsigned)_mm_movemask_epi8(m);
            if (mask) { i += (size_t)__builtin_ctz(mask); goto special; }
            i += 16;
        }
#endif
        while (i < n) {
            uint8_t c = p[i];
            if (c == '"' || c == '\\' || (c < 0x20 && !allows_control)) goto special;
            i++;
        }
        return 0;
    special:;
        uint8_t c = p[i];
        if (c == '"') { *pi = i + 1; return 1; }
        if (c == '\\') {
            *escaped = 1;
            if (i + 1 >= n) return 0;
            switch (p[i + 1]) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': i += 2; break;
            case 'u':
                if (i + 6 > n || !is_hex(p[i + 2]) || !is_hex(p[i + 3]) || !is_hex(p[i + 4]) || !is_hex(p[i + 5])) return 0;
                i += 6;
                break;
            default: return 0;
            }
            continue;
        }
        if (allows_control) { i++; continue; }  /* not reached: the scan stops only at " and \ then */
        return 0;  /* a raw control byte */
    }
}

int sluice_json_string(const uint8_t *p, size_t n, size_t *pi, int *escaped, int allows_control) {
    return string(p, n, pi, escaped, allows_control);
}

static inline int number(const uint8_t *p, size_t n, size_t *pi) {
    size_t i = *pi;
    if (i < n && p[i] == '-') i++;
    if (i >= n) return 0;
    if (p[i] == '0') {
        i++;
    } else if (is_digit(p[i])) {
        while (i < n && is_digit(p[i])) i++;
    } else {
        return 0;
    }
    if (i < n && p[i] == '.') {
        i++;
        if (i >= n || !is_digit(p[i])) return 0;
        while (i < n && is_digit(p[i])) i++;
    }
    if (i < n && (p[i] | 0x20) == 'e') {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-')) i++;
        if (i >= n || !is_digit(p[i])) return 0;
        while (i < n && is_digit(p[i])) i++;
    }
    *pi = i;
    return 1;
}

static inline int word(scan *s, const char *w, size_t length) {
    if (s->i + length > s->n || memcmp(s->p + s->i, w, length) != 0) return 0;
    s->i += length;
    return 1;
}

static int hex4(const uint8_t *p, size_t n, size_t at, uint32_t *out) {
    if (at + 4 > n) return 0;
    uint32_t v = 0;
    for (size_t j = 0; j < 4; j++) {
        uint8_t c = p[at + j], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') d = (c | 0x20) - 'a' + 10;
        else return 0;
        v = v << 4 | d;
    }
    *out = v;
    return 1;
}

/* Decodes the valid escaped body p[0..<n] into out (room for n bytes), as JSONText.decode does
   (a lone surrogate becomes U+FFFD); returns the decoded length. */
static size_t decode(const uint8_t *p, size_t n, uint8_t *out) {
    size_t i = 0, o = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c != '\\' || i + 1 >= n) { out[o++] = c; i++; continue; }
        uint8_t e = p[i + 1];
        i += 2;
        switch (e) {
        case 'b': out[o++] = 0x08; break;
        case 'f': out[o++] = 0x0C; break;
        case 'n': out[o++] = 0x0A; break;
        case 'r': out[o++] = 0x0D; break;
        case 't': out[o++] = 0x09; break;
        case 'u': {
            uint32_t scalar, low;
            if (!hex4(p, n, i, &scalar)) { out[o++] = e; break; }
            i += 4;
            if (scalar >= 0xD800 && scalar < 0xDC00) {
                if (i + 6 <= n && p[i] == '\\' && p[i + 1] == 'u' && hex4(p, n, i + 2, &low) && low >= 0xDC00 && low < 0xE000) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00);
                    i += 6;
                } else {
                    scalar = 0xFFFD;
                }
            } else if (scalar >= 0xDC00 && scalar < 0xE000) {
                scalar = 0xFFFD;
            }
            if (scalar < 0x80) {
                out[o++] = (uint8_t)scalar;
            } else if (scalar < 0x800) {
                out[o++] = (uint8_t)(0xC0 | scalar >> 6); out[o++] = (uint8_t)(0x80 | (scalar & 0x3F));
            } else if (scalar < 0x10000) {
                out[o++] = (uint8_t)(0xE0 | scalar >> 12); out[o++] = (uint8_t)(0x80 | (scalar >> 6 & 0x3F));
                out[o++] = (uint8_t)(0x80 | (scalar & 0x3F));
            } else {
                out[o++] = (uint8_t)(0xF0 | scalar >> 18); out[o++] = (uint8_t)(0x80 | (scalar >> 12 & 0x3F));
                out[o++] = (uint8_t)(0x80 | (scalar >> 6 & 0x3F)); out[o++] = (uint8_t)(0x80 | (scalar & 0x3F));
            }
            break;
        }
        default: out[o++] = e;  /* " \ / */
        }
    }
    return o;
}

/* Out of line: its buffer stays off the recursion's frames. */
__attribute__((noinline))
static int escaped_key_equals(const uint8_t *p, size_t ks, size_t ke, const uint8_t *key, size_t length) {
    size_t m = ke - ks;
    if (length > m) return 0;  /* decoding never lengthens */
    uint8_t small[256];
    uint8_t *buffer = m <= sizeof small ? small : malloc(m);
    if (!buffer) return 0;
    size_t d = decode(p + ks, m, buffer);
    int equal = d == length && memcmp(buffer, key, length) == 0;
    if (buffer != small) free(buffer);
    return equal;
}

/* Whether the key p[ks..<ke] (escaped or not) is key[0..<length]. */
static inline int key_equals(const uint8_t *p, size_t ks, size_t ke, int escaped, const uint8_t *key, size_t length) {
    if (!escaped) return ke - ks == length && (length == 0 || p[ks] == key[0]) && memcmp(p + ks, key, length) == 0;
    return escaped_key_equals(p, ks, ke, key, length);
}

static int object(scan *s, size_t depth, uint64_t mask);
static int array(scan *s, size_t depth);

/* Any value at p[i]: moves past it; its kind, or K_MISSING when malformed. */
static int value(scan *s, size_t depth, int *escaped) {
    if (s->i >= s->n) return K_MISSING;
    switch (s->p[s->i]) {
    case '"': return string(s->p, s->n, &s->i, escaped, 0) ? K_STRING : K_MISSING;
    case '{': return object(s, depth + 1, 0) ? K_OBJECT : K_MISSING;
    case '[': return array(s, depth + 1) ? K_ARRAY : K_MISSING;
    case 't': return word(s, "true", 4) ? K_TRUE : K_MISSING;
    case 'f': return word(s, "false", 5) ? K_FALSE : K_MISSING;
    case 'n': return word(s, "null", 4) ? K_NULL : K_MISSING;
    default: return number(s->p, s->n, &s->i) ? K_NUMBER : K_MISSING;
    }
}

static int array(scan *s, size_t depth) {
    if (depth > SLUICE_JSON_MAX_DEPTH) return 0;
    s->i++;
    skip_space(s);
    if (s->i < s->n && s->p[s->i] == ']') { s->i++; return 1; }
    for (;;) {
        int escaped = 0;
        if (value(s, depth, &escaped) == K_MISSING) return 0;
        skip_space(s);
        if (s->i >= s->n) return 0;
        uint8_t c = s->p[s->i];
        if (c == ',') { s->i++; skip_space(s); continue; }
        if (c == ']') { s->i++; return 1; }
        return 0;
    }
}

/* An object at p[i] == '{' at depth; mask: the paths whose components above this depth led
   here, recorded as their keys are met (the last wins). */
static int object(scan *s, size_t depth, uint64_t mask) {
    if (depth > SLUICE_JSON_MAX_DEPTH) return 0;
    const sluice_json_keys *keys = s->keys;
    const uint8_t *p = s->p;
    s->i++;
    skip_space(s);
    if (s->i < s->n && p[s->i] == '}') { s->i++; return 1; }
    for (;;) {
        if (s->i >= s->n || p[s->i] != '"') return 0;
        size_t ks = s->i + 1;
        int key_escaped = 0;
        if (!string(p, s->n, &s->i, &key_escaped, 0)) return 0;
        size_t ke = s->i - 1;
        skip_space(s);
        if (s->i >= s->n || p[s->i] != ':') return 0;
        s->i++;
        skip_space(s);
        if (s->i >= s->n) return 0;
        uint64_t terminal = 0, nested = 0, bits = mask;
        while (bits) {
            unsigned k = (unsigned)__builtin_ctzll(bits);
            bits &= bits - 1;
            size_t at = k * keys->max_depth + depth;
            if (key_equals(p, ks, ke, key_escaped, keys->bytes + keys->starts[at], keys->lengths[at])) {
                if (keys->depths[k] == depth + 1) terminal |= 1ULL << k; else nested |= 1ULL << k;
            }
        }
        if ((terminal | nested) == 0) {
            int escaped = 0;
            if (value(s, depth, &escaped) == K_MISSING) return 0;
        } else {
            /* A later duplicate key replaces what an earlier one held, down to nested paths. */
            for (uint64_t reset = nested; reset; reset &= reset - 1)
                s->values[__builtin_ctzll(reset)].kind = K_MISSING;
            size_t vs = s->i;
            int escaped = 0, kind;
            if (p[s->i] == '{' && nested) {
                if (!object(s, depth + 1, nested)) return 0;
                kind = K_OBJECT;
            } else {
                kind = value(s, depth, &escaped);
                if (kind == K_MISSING) return 0;
            }
            sluice_field_value found;
            if (kind == K_STRING) {
                found.start = vs + 1; found.end = s->i - 1; found.escaped = (uint8_t)escaped;
            } else {
                found.start = vs; found.end = s->i; found.escaped = 0;
            }
            found.kind = (uint8_t)kind;
            for (; terminal; terminal &= terminal - 1) s->values[__builtin_ctzll(terminal)] = found;
        }
        skip_space(s);
        if (s->i >= s->n) return 0;
        uint8_t c = p[s->i];
        if (c == ',') { s->i++; skip_space(s); continue; }
        if (c == '}') { s->i++; return 1; }
        return 0;
    }
}

int sluice_json_scan(const uint8_t *p, size_t n, size_t start, const sluice_json_keys *keys,
                     sluice_field_value *values) {
    scan s = { p, n, start, keys, values };
    if (!object(&s, 0, keys->all)) return 0;
    skip_space(&s);
    return s.i == n;
}

size_t sluice_json_plain_run(const uint8_t *p, size_t n) {
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1F),
                  del = _mm_set1_epi8(0x7F);
    while (i + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, slash)),
                                 _mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl), _mm_cmpeq_epi8(v, del)));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask) return i + (size_t)__builtin_ctz(mask);
        i += 16;
    }
#endif
    while (i < n) {
        uint8_t c = p[i];
        if (c < 0x20 || c == '"' || c == '\\' || c == 0x7F) return i;
        i++;
    }
    return n;
}
