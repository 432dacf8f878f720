#ifndef SLUICE_LITERALSET_H
#define SLUICE_LITERALSET_H
#include <stddef.h>
#include <stdint.h>

/// A set of many literals searched in one pass: a hashed filter on the first four bytes of
/// every literal (and direct bitmaps for literals of one to three bytes), confirmed by an exact
/// hash table of the whole literals. Built in time and memory linear in the literals' bytes,
/// so a million literals build in well under a second (Vectorscan needs ~45 us a literal).
typedef struct sluice_litset sluice_litset;

/// Called for each occurrence: `id` is the literal's index, the occurrence is `[from, to)`
/// relative to the start of the scanned bytes. Return nonzero to stop the scan. The same
/// type as Vectorscan's `match_event_handler`, so one callback serves both engines.
typedef int (*sluice_litset_callback)(unsigned int id, unsigned long long from, unsigned long long to,
                                      unsigned int flags, void *context);

/// Builds the set of `count` literals: literal `i` is `bytes[offsets[i] ..< offsets[i + 1]]`.
/// Literals must be non-empty and distinct; with `caseless`, they must be given with ASCII
/// letters in lower case, and ASCII letters of the text then match either case. NULL when
/// memory runs out.
sluice_litset *sluice_litset_create(const uint8_t *bytes, const size_t *offsets, size_t count, int caseless);

void sluice_litset_free(sluice_litset *set);

/// Reports every occurrence in `hay[0..<n]` in order of start (at one start, longest first);
/// returns 1 when the callback stopped the scan, else 0.
int sluice_litset_scan(const sluice_litset *set, const uint8_t *hay, size_t n,
                       sluice_litset_callback callback, void *context);

/// The index of the literal equal to `s[0..<n]` (folded as the set is), or -1.
long sluice_litset_lookup(const sluice_litset *set, const uint8_t *s, size_t n);

/// Bytes the set holds (tables and a copy of the literals).
size_t sluice_litset_memory(const sluice_litset *set);

#endif
