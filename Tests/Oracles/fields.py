#!/usr/bin/env python3
"""Oracle for Sluice's field scanner (Sources/Sluice/Fields/FieldScanner.swift).

    fields.py generate LINES EXPECTED --seed N --count N PATH...

writes LINES, random JSON Lines / logfmt / plain / broken lines (escapes, unicode, nesting,
duplicate keys, numbers in every JSON form, very long values), and EXPECTED: per line, its
shape (json, logfmt, neither, malformed) then, tab-separated, each PATH's value in a
canonical form: - (missing), s:HEX (string, UTF-8 of the decoded text), n:HEX (number, the
IEEE double's bits), t, f, z (true, false, null), o, a (object, array), x:HEX (logfmt text).

JSON is Python's json module, strict: no NaN/Infinity, no control bytes in strings; a line is
tried as JSON when its first byte other than space or tab is '{'. Duplicate keys: the last
wins (a dict). A dotted PATH walks nested objects. Logfmt is a naive reading of the rules in
FieldScanner's documentation, written separately from it.
"""
import json
import random
import struct
import sys


def canonical_text(s):
    # Lone surrogates (from a lone \\ud800 escape) decode to U+FFFD, as jq (and Sluice) decode them.
    return "".join("\ufffd" if 0xD800 <= ord(c) < 0xE000 else c for c in s).encode("utf-8").hex()


def canonical(v):
    if isinstance(v, bool):
        return "t" if v else "f"
    if v is None:
        return "z"
    if isinstance(v, (int, float)):
        return "n:" + struct.pack(">d", float(v) + 0.0).hex()  # -0 and 0 alike (Python reads -0 as the int 0)
    if isinstance(v, str):
        return "s:" + canonical_text(v)
    if isinstance(v, dict):
        return "o"
    return "a"


def reject_constant(name):
    raise ValueError("not JSON: " + name)


def json_shape(text):
    try:
        obj = json.loads(text, parse_constant=reject_constant, parse_int=int,
                         object_pairs_hook=dict)
    except (ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def lookup(obj, path):
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return "-"
        cur = cur[part]
    return canonical(cur)


SPACE = " \t\r"


def unescape_logfmt(body):
    # JSON string rules for a quoted logfmt value (control bytes allowed).
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        if i + 1 >= len(body):
            return None
        e = body[i + 1]
        if e in '"\\/':
            out.append(e)
            i += 2
        elif e in "bfnrt":
            out.append({"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}[e])
            i += 2
        elif e == "u":
            h = body[i + 2:i + 6]
            if len(h) != 4 or any(ch not in "0123456789abcdefABCDEF" for ch in h):
                return None
            out.append(chr(int(h, 16)))
            i += 6
        else:
            return None
    # Pair surrogates as JSON does.
    s = "".join(out)
    try:
        return s.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")
    except UnicodeDecodeError:
        return s


def logfmt(text):
    """None: not logfmt; "malformed"; else a dict of key -> decoded text."""
    i = 0
    n = len(text)
    pairs = {}
    first = True
    while True:
        while i < n and text[i] in SPACE:
            i += 1
        if i >= n:
            return pairs
        ks = i
        while i < n and text[i] not in '="' and text[i] not in SPACE:
            i += 1
        key = text[ks:i]
        if first:
            if not key or i >= n or text[i] != "=":
                return None
            first = False
        if i < n and text[i] == '"':
            return "malformed"
        if not key:
            return "malformed"
        value = ""
        if i < n and text[i] == "=":
            i += 1
            if i < n and text[i] == '"':
                j = i + 1
                while j < n and text[j] != '"':
                    j += 2 if text[j] == "\\" else 1
                if j >= n:
                    return "malformed"
                decoded = unescape_logfmt(text[i + 1:j])
                if decoded is None:
                    return "malformed"
                i = j + 1
                if i < n and text[i] not in SPACE:
                    return "malformed"
                value = decoded
            else:
                vs = i
                while i < n and text[i] not in SPACE:
                    if text[i] == '"':
                        return "malformed"
                    i += 1
                value = text[vs:i]
        pairs[key] = value


def expected(text, paths):
    stripped = text.lstrip(" \t")
    if stripped == "":
        return "neither", ["-"] * len(paths)
    if stripped[0] == "{":
        obj = json_shape(text)
        if obj is None:
            return "malformed", ["-"] * len(paths)
        return "json", [lookup(obj, p) for p in paths]
    pairs = logfmt(text)
    if pairs is None:
        return "neither", ["-"] * len(paths)
    if pairs == "malformed":
        return "malformed", ["-"] * len(paths)
    return "logfmt", ["x:" + canonical_text(pairs[p]) if p in pairs else "-" for p in paths]


KEYS = ["a", "b", "c", "level", "msg", "n", "dup", "é", 'k"q', "a.b", "status", "x"]
WORDS = ["error", "info", "héllo", "tab\there", "quote\"d", "back\\slash", "new\nline", "ünï", "😀",
         "\u2028", "", " ", "a=b", "\x01ctl", "/slash", "\U0001F600"]


def rand_number(r):
    forms = ["0", "-0", "1", "-1", "42", "503", "0.5", "-0.0", "1e3", "1E+3", "2.5e-3", "-1.25E2",
             "123456789012345678901234567890", "9007199254740993", "1.7976931348623157e308",
             "5e-324", "0.1", "100000000000000000000000", "3.141592653589793238"]
    if r.random() < 0.5:
        return r.choice(forms)
    return str(r.randint(-10**6, 10**6)) if r.random() < 0.5 else repr(r.uniform(-1e6, 1e6))


def rand_string(r, ensure_ascii):
    if r.random() < 0.05:
        s = "v" * r.randint(1000, 70000)  # very long
    else:
        s = "".join(r.choice(WORDS) for _ in range(r.randint(0, 4)))
    text = json.dumps(s, ensure_ascii=ensure_ascii)
    if r.random() < 0.1:
        text = text.replace("/", "\\/")
    if r.random() < 0.03:
        text = '"lone \\ud800 surrogate"'
    return text


def rand_value(r, depth, ensure_ascii):
    k = r.random()
    if depth < 4 and k < 0.15:
        return rand_object(r, depth + 1, ensure_ascii)
    if depth < 4 and k < 0.22:
        return "[" + ",".join(rand_value(r, depth + 1, ensure_ascii) for _ in range(r.randint(0, 3))) + "]"
    if k < 0.5:
        return rand_number(r)
    if k < 0.6:
        return r.choice(["true", "false", "null"])
    return rand_string(r, ensure_ascii)


def sp(r):
    return r.choice(["", "", "", " ", "  ", "\t", "\n", "\r\n"])


def rand_object(r, depth, ensure_ascii):
    pairs = []
    for _ in range(r.randint(0, 6)):
        key = r.choice(KEYS)
        ktext = json.dumps(key, ensure_ascii=ensure_ascii)
        if r.random() < 0.05 and key == "level":
            ktext = '"\\u006cevel"'  # an escaped key
        pairs.append(sp(r) + ktext + sp(r) + ":" + sp(r) + rand_value(r, depth, ensure_ascii) + sp(r))
    return "{" + ",".join(pairs) + sp(r) + "}"


def break_line(r, line):
    k = r.random()
    if k < 0.3 and len(line) > 1:
        return line[:r.randint(1, len(line) - 1)]
    if k < 0.6:
        i = r.randint(0, len(line))
        return line[:i] + r.choice(['"', "}", "{", ",", ":", "\\", "\x01", "x", "NaN", "01", "\\q", "]"]) + line[i:]
    if k < 0.8:
        return line + r.choice([" x", ",", "}", " {}", "\t"])
    return line.replace(":", "", 1)


def rand_logfmt(r):
    parts = []
    for j in range(r.randint(1, 6)):
        key = r.choice(["level", "msg", "a", "a.b", "status", "n", "dup", "é", "x"])
        k = r.random()
        if k < 0.1 and j > 0:
            parts.append(key)  # bare key
        elif k < 0.5:
            parts.append(key + "=" + r.choice(["error", "info", "503", "-1.5e3", "a=b", "", "ünï", "x/y"]))
        else:
            s = "".join(r.choice(WORDS) for _ in range(r.randint(0, 3)))
            parts.append(key + "=" + json.dumps(s, ensure_ascii=r.random() < 0.3))
    sep = r.choice([" ", "  ", "\t"])
    return r.choice(["", " "]) + sep.join(parts)


def generate(count, seed):
    r = random.Random(seed)
    lines = []
    for _ in range(count):
        k = r.random()
        if k < 0.55:
            line = r.choice(["", " ", "\t"]) + rand_object(r, 0, r.random() < 0.5).replace("\n", " ").replace("\r", " ")
            if r.random() < 0.15:
                line = break_line(r, line)
        elif k < 0.85:
            line = rand_logfmt(r)
            if r.random() < 0.15:
                line = break_line(r, line)
        else:
            line = r.choice(["plain text line", "2024-05-13 INFO x=1", "", "   ", "GET /a?b=c HTTP/1.1",
                             "[1,2]", "\"just a string\"", "=novalue", "k==v"])
        lines.append(line.replace("\n", " "))
    return lines


def main():
    if len(sys.argv) < 4 or sys.argv[1] != "generate":
        sys.exit(__doc__)
    out_lines, out_expected = sys.argv[2], sys.argv[3]
    args = sys.argv[4:]
    seed, count, paths = 1, 1000, []
    i = 0
    while i < len(args):
        if args[i] == "--seed":
            seed = int(args[i + 1]); i += 2
        elif args[i] == "--count":
            count = int(args[i + 1]); i += 2
        else:
            paths.append(args[i]); i += 1
    lines = generate(count, seed)
    with open(out_lines, "wb") as f:
        for line in lines:
            f.write(line.encode("utf-8", "surrogatepass") + b"\n")
    with open(out_expected, "w") as f:
        for line in lines:
            shape, values = expected(line, paths)
            f.write("\t".join([shape] + values) + "\n")


if __name__ == "__main__":
    main()
