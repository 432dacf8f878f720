#!/usr/bin/env python3
"""Writes gzip streams made by Python's gzip and zlib modules, with what Python decodes them to.

usage: gzip-streams.py OUT_DIR

For each case NAME it writes NAME.gz and NAME.raw (the bytes `gzip.decompress` returns), for the
differential test of the gzip stage. Deterministic: the same files every run.
"""
import gzip, os, random, sys, zlib

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = random.Random(20261125)

def text(n):
    words = [b"GET", b"/api/v1/items", b"200", b"500", b"timeout", b"user=alice", b"sshd[2231]:",
             b"Failed password for root", b"\xc3\xa9t\xc3\xa9", b"\xff\xfe", b"\t", b"ok"]
    lines, size = [], 0
    while size < n:
        line = b" ".join(rng.choice(words) for _ in range(rng.randint(1, 12)))
        line += rng.choice([b"\n", b"\r\n", b"\n", b"\n"])
        lines.append(line)
        size += len(line)
    return b"".join(lines)[:n]

def random_bytes(n):
    return bytes(rng.getrandbits(8) for _ in range(n))

def deflate_member(data, level=6, strategy=zlib.Z_DEFAULT_STRATEGY, mem_level=8, window=15, flush_every=0,
                   flush_mode=zlib.Z_SYNC_FLUSH):
    """One gzip member written by zlib directly, optionally flushing every `flush_every` bytes
    (as pigz and network writers do: empty stored blocks inside the stream)."""
    c = zlib.compressobj(level, zlib.DEFLATED, 16 + window, mem_level, strategy)
    parts = []
    if flush_every:
        for i in range(0, len(data), flush_every):
            parts.append(c.compress(data[i:i + flush_every]))
            parts.append(c.flush(flush_mode))
    else:
        parts.append(c.compress(data))
    parts.append(c.flush(zlib.Z_FINISH))
    return b"".join(parts)

cases = {}
sizes = [0, 1, 2, 100, 4095, 65535, 65536, 65537, 300_000, (1 << 20) + 7]
for n in sizes:
    for kind, make in (("text", text), ("random", random_bytes)):
        data = make(n)
        for level in range(10):
            if n > 100_000 and level not in (0, 1, 6, 9):
                continue
            cases[f"{kind}-{n}-level{level}"] = gzip.compress(data, compresslevel=level, mtime=0)
sample = text(200_000)
for name, strategy in (("filtered", zlib.Z_FILTERED), ("huffman", zlib.Z_HUFFMAN_ONLY), ("rle", zlib.Z_RLE),
                       ("fixed", zlib.Z_FIXED)):
    cases[f"strategy-{name}"] = deflate_member(sample, strategy=strategy)
cases["small-window"] = deflate_member(sample, window=9, mem_level=1)
cases["sync-flush-every-4k"] = deflate_member(sample, flush_every=4096)
cases["full-flush-every-1k"] = deflate_member(sample, flush_every=1000, flush_mode=zlib.Z_FULL_FLUSH)
cases["sync-flush-every-byte"] = deflate_member(sample[:3000], flush_every=1)
cases["stored-blocks-large"] = deflate_member(random_bytes(200_000), level=0)
cases["many-tiny-members"] = b"".join(gzip.compress(text(rng.randint(0, 3)), compresslevel=rng.randint(0, 9), mtime=0)
                                      for _ in range(1000))
cases["members-of-every-level"] = b"".join(gzip.compress(text(rng.randint(0, 20_000)), compresslevel=level, mtime=0)
                                           for level in list(range(10)) * 3)
cases["empty-members-between"] = b"".join(gzip.compress(d, mtime=0) for d in (b"", text(5000), b"", b"", text(10), b""))
# A header with every optional field, written by hand around zlib's raw deflate.
body = text(50_000)
raw = zlib.compressobj(6, zlib.DEFLATED, -15)
deflated = raw.compress(body) + raw.flush()
header = bytes([0x1f, 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, 3])  # FHCRC | FEXTRA | FNAME | FCOMMENT
extra = b"AB\x04\x00wxyz"
header += len(extra).to_bytes(2, "little") + extra + b"name.log\x00" + b"a comment\x00"
header += (zlib.crc32(header) & 0xffff).to_bytes(2, "little")
trailer = zlib.crc32(body).to_bytes(4, "little") + (len(body) & 0xffffffff).to_bytes(4, "little")
cases["all-header-fields"] = header + deflated + trailer

for name, data in cases.items():
    with open(os.path.join(out, name + ".gz"), "wb") as f:
        f.write(data)
    with open(os.path.join(out, name + ".raw"), "wb") as f:
        f.write(gzip.decompress(data))
print(len(cases))
