#ifndef SLUICE_JSON_SCAN_H
#define SLUICE_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>

/// One field's value found in a line (Swift's `FieldValue` wraps it): `kind` is FieldValue.Kind's
/// raw value (0 missing, 1 string, 2 number, 3 true, 4 false, 5 null, 6 object, 7 array, 8 text);
/// `start..<end` are the value's bytes in the line, inside the quotes for strings; `escaped`:
/// a string holding backslash escapes.
typedef struct {
    size_t start, end;
    uint8_t kind, escaped;
} sluice_field_value;

/// The keys a JSON scan looks for (Swift's `FieldKeys` lays them out): `count` paths (at most
/// 64), path k has `depths[k]` components; component d of path k is
/// `bytes[starts[k * max_depth + d]]`, `lengths[k * max_depth + d]` bytes long.
typedef struct {
    const uint8_t *bytes;
    const size_t *depths, *starts, *lengths;
    size_t count, max_depth;
    uint64_t all;
} sluice_json_keys;

/// Deeper nesting than this is malformed.
#define SLUICE_JSON_MAX_DEPTH 512

/// Reads the JSON object at `p[start] == '{'` to the end of `p[0..<n]` (only white space may
/// follow it), validating it as RFC 8259 says (bytes inside strings are not checked to be
/// UTF-8), and writes each key path's value to `values[k]` (the last duplicate key wins, for
/// nested paths too; `values` must hold `keys->count` entries, set to missing by the caller).
/// Returns 1 when the line is a valid object, 0 when it is malformed (values then undefined).
/// Never reads outside `p[0..<n]`.
int sluice_json_scan(const uint8_t *p, size_t n, size_t start, const sluice_json_keys *keys,
                     sluice_field_value *values);

/// A JSON string at `p[*i] == '"'`: moves `*i` past its closing quote, sets `*escaped` when it
/// holds escapes; 0 when it is not valid (unterminated, a bad escape, a raw control byte unless
/// `allows_control`).
int sluice_json_string(const uint8_t *p, size_t n, size_t *i, int *escaped, int allows_control);

/// The length of the longest prefix of `p[0..<n]` that a JSON string holds as it is: no `"`,
/// `\`, control byte or DEL (which jq writes as `\u007f`).
size_t sluice_json_plain_run(const uint8_t *p, size_t n);

#endif
