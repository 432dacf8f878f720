#!/usr/bin/env python3
"""Vectorscan's answers against Python's re, per instruction set of its fat runtime.

Random sets of 1 to 3 patterns (classes, negated classes, repetitions, ^ and $) compiled in
block mode with HS_FLAG_MULTILINE, scanned over random buffers of 0 to 200 bytes with line
feeds; every reported match end is compared with the ends Python's re finds by brute force.
This is how the wrong answers of Debian's Vectorscan 5.4.9 in its AVX2 and AVX-512 code were
found (see Sources/Sluice/Selecting/VectorscanTarget.swift), and how a newer Vectorscan can be
checked before Sluice goes back to the library's own dispatch.

    python3 scripts/vectorscan-differential.py MODE [--seed N] [--sets N]
    MODE: host (the library's dispatch), avx2, corei7 (SSE4.2; what Sluice uses), core2

Prints the mismatches (at most five) and "MODE bad N"; exits 1 when N > 0.
"""
import argparse
import ctypes
import random
import re
import sys


class Platform(ctypes.Structure):
    _fields_ = [("tune", ctypes.c_uint), ("cpu_features", ctypes.c_ulonglong),
                ("reserved1", ctypes.c_ulonglong), ("reserved2", ctypes.c_ulonglong)]


Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint, ctypes.c_ulonglong, ctypes.c_ulonglong,
                            ctypes.c_uint, ctypes.c_void_p)
MULTILINE, ALLOWEMPTY, BLOCK, AVX2 = 4, 16, 1, 4
ATOMS = ["a", "b", "x", "2", " ", "[0-9]", "[^ ]", "[^a]", "[a-c]", "[^\\n]", "\\d", "\\s", "\\w", "[ab]", "[^0-9a]"]


def python_form(pattern):
    return re.compile(pattern.replace("$", "(?=\\n|\\Z)"), re.M)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["host", "avx2", "corei7", "core2"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sets", type=int, default=200)
    args = ap.parse_args()
    hs = ctypes.CDLL("libhs.so.5")
    scan = {"host": "hs_scan", "avx2": "avx2_hs_scan", "corei7": "corei7_hs_scan", "core2": "core2_hs_scan"}[args.mode]
    scan = getattr(hs, scan)
    features = {"host": None, "avx2": AVX2, "corei7": 0, "core2": 0}[args.mode]
    r = random.Random(args.seed)

    def pattern():
        p = "^" if r.random() < 0.2 else ""
        for _ in range(r.randint(1, 4)):
            p += r.choice(ATOMS) + r.choice(["", "", "+", "*", "?", "{2}", "{1,3}"])
        return p + ("$" if r.random() < 0.5 else "")

    bad = 0
    for _ in range(args.sets):
        patterns = [pattern() for _ in range(r.randint(1, 3))]
        # Sluice gives Vectorscan only patterns whose every match holds a byte.
        if any(python_form(p).fullmatch("") or python_form(p).fullmatch("\n") for p in patterns):
            continue
        n = len(patterns)
        texts = (ctypes.c_char_p * n)(*[p.encode() for p in patterns])
        flags = (ctypes.c_uint * n)(*[MULTILINE | ALLOWEMPTY] * n)
        ids = (ctypes.c_uint * n)(*range(n))
        database, error, scratch = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
        platform = Platform()
        hs.hs_populate_platform(ctypes.byref(platform))
        if features is not None:
            platform.cpu_features = features
        if hs.hs_compile_multi(texts, flags, ids, n, BLOCK, ctypes.byref(platform), ctypes.byref(database),
                               ctypes.byref(error)) != 0:
            continue
        hs.hs_alloc_scratch(database, ctypes.byref(scratch))
        compiled = [python_form(p) for p in patterns]
        for _ in range(20):
            length = r.randint(0, 200)
            data = "".join(r.choice("aabx2 9\n") if r.random() < 0.1 else r.choice("abx2 9") for _ in range(length))
            if r.random() < 0.5:
                data += "\n"
            found = set()

            def on_match(i, start, end, flags, context):
                found.add(end)
                return 0
            callback = Callback(on_match)
            raw = data.encode()
            scan(database, raw, len(raw), 0, scratch, callback, None)
            expected = set()
            for p, c in zip(patterns, compiled):
                for s in range(len(data) + 1):
                    for e in range(s + 1, len(data) + 1):
                        # (fullmatch with an end position: $ must also hold in the whole buffer.)
                        if c.fullmatch(data, s, e) and ("$" not in p or e == len(data) or data[e] == "\n"):
                            expected.add(e)
            if found != expected:
                bad += 1
                if bad <= 5:
                    print("mismatch", args.mode, patterns, repr(data), "missed", sorted(expected - found)[:5],
                          "extra", sorted(found - expected)[:5])
        hs.hs_free_scratch(scratch)
        hs.hs_free_database(database)
    print(args.mode, "bad", bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
