#!/usr/bin/env python3
"""Regenerate every Sluice test fixture under Fixtures/.

Usage: python3 Fixtures/generate.py   (from any directory)

Python 3 standard library only.  Deterministic: fixed random seeds, gzip
MTIME=0, no wall-clock input.  The compressed bytes come from the zlib that
Python is linked against (written with 1.2.13); a different zlib may emit
different deflate streams, in which case the derived *.expected files and the
corrupt-deflate offset are recomputed from the new streams, so everything
stays self-consistent.  After writing, the script decodes every gzip fixture
with a reference decoder and checks it against its .expected file and its
manifest outcome; it exits non-zero if anything disagrees.
"""

import datetime
import json
import os
import random
import struct
import sys
import zlib

ROOT = os.path.dirname(os.path.abspath(__file__))
TEXT = os.path.join(ROOT, "text")
GZ = os.path.join(ROOT, "gzip")
DEMO = os.path.join(ROOT, "demo")

# Sizes (bytes of uncompressed content).  The whole Fixtures folder has to
# stay well under 1 MB and long-line.log alone takes 300 KB, so the two big
# gzip fixtures are kept to what their purpose needs: bgzip.gz has one full
# 64 KiB-class block plus a partial one, large-multi.gz has 20 members.
BGZIP_CONTENT_BYTES = 100_000      # 1 full BGZF block + 1 partial + EOF
BGZF_BLOCK_INPUT = 0xFF00          # 65280, what bgzip puts in one block
LARGE_MULTI_BYTES = 50_000         # spread over 20 members
LONG_LINE_BYTES = 300_000          # the long line, without its "\n"


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


# --------------------------------------------------------------------------
# gzip member construction (RFC 1952), by hand so every header byte is known
# --------------------------------------------------------------------------

FTEXT, FHCRC, FEXTRA, FNAME, FCOMMENT = 0x01, 0x02, 0x04, 0x08, 0x10


def raw_deflate(data, level):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def gzip_member(data, level=6, *, ftext=False, extra=None, name=None,
                comment=None, hcrc=False, os_byte=3, xfl=None):
    flg = 0
    if ftext:
        flg |= FTEXT
    if hcrc:
        flg |= FHCRC
    if extra is not None:
        flg |= FEXTRA
    if name is not None:
        flg |= FNAME
    if comment is not None:
        flg |= FCOMMENT
    if xfl is None:
        xfl = 2 if level == 9 else 4 if level == 1 else 0
    hdr = bytearray(b"\x1f\x8b\x08")
    hdr.append(flg)
    hdr += struct.pack("<I", 0)          # MTIME = 0
    hdr.append(xfl)
    hdr.append(os_byte)
    if extra is not None:
        hdr += struct.pack("<H", len(extra)) + extra
    if name is not None:
        hdr += name + b"\x00"
    if comment is not None:
        hdr += comment + b"\x00"
    if hcrc:
        hdr += struct.pack("<H", zlib.crc32(bytes(hdr)) & 0xFFFF)
    trailer = struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    return bytes(hdr) + raw_deflate(data, level) + trailer


def bgzf_block(data, level=6):
    """One BGZF block: a gzip member with a 'BC' extra subfield = size - 1."""
    body = raw_deflate(data, level)
    trailer = struct.pack("<II", zlib.crc32(data), len(data))
    # fixed header: 12 bytes + XLEN(2) + subfield (SI1 SI2 SLEN BSIZE) = 18
    total = 18 + len(body) + len(trailer)
    assert total <= 0x10000, "BGZF block too large"
    hdr = (b"\x1f\x8b\x08" + bytes([FEXTRA]) + struct.pack("<I", 0) +
           b"\x00\xff" + struct.pack("<H", 6) + b"BC" +
           struct.pack("<HH", 2, total - 1))
    block = hdr + body + trailer
    assert len(block) == total
    return block


# --------------------------------------------------------------------------
# synthetic log text
# --------------------------------------------------------------------------

USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
         "ivan", "judy", "mallory", "oscar", "peggy", "trent", "victor",
         "walter", "deploy", "backup", "svc-report"]
COMPONENTS = ["api", "auth", "db", "cache", "scheduler", "worker", "sshd",
              "proxy", "mailer", "billing"]
PATHS = ["/api/v1/orders", "/api/v1/orders/{id}", "/api/v1/users/{id}",
         "/api/v1/search", "/api/v1/cart", "/api/v2/invoices/{id}",
         "/login", "/logout", "/static/app.{h}.js", "/static/app.{h}.css",
         "/healthz", "/metrics", "/api/v1/reports/{id}/export"]


def ip_private(r):
    return "10.0.%d.%d" % (r.randrange(0, 8), r.randrange(2, 250))


def ip_public(r):
    return r.choice(["192.0.2.%d", "198.51.100.%d", "203.0.113.%d"]) % \
        r.randrange(1, 255)


def hexid(r, n=8):
    return "%0*x" % (n, r.getrandbits(4 * n))


class Clock:
    def __init__(self, start, r, lo=0.05, hi=20.0):
        self.t = start
        self.r = r
        self.lo, self.hi = lo, hi

    def tick(self):
        ms = int(self.r.uniform(self.lo, self.hi) * 1000)
        self.t += datetime.timedelta(milliseconds=ms)
        return self.t

    def iso(self):
        t = self.tick()
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (
            t.microsecond // 1000)


def service_message(r):
    """(level, component, message) for the small text fixtures."""
    u = r.choice(USERS)
    choices = [
        ("INFO", "api", "healthcheck ok"),
        ("INFO", "api", "healthcheck ok"),
        ("INFO", "auth", "user %s logged in from %s" % (u, ip_private(r))),
        ("INFO", "auth", "session %s closed for user %s" % (hexid(r), u)),
        ("DEBUG", "cache", "cache miss key=user:%d" % r.randrange(1, 5000)),
        ("DEBUG", "cache", "cache hit ratio %.2f" % r.uniform(0.5, 0.99)),
        ("INFO", "api", "GET /api/v1/orders/%d 200 %dms" % (
            r.randrange(1000, 9999), r.randrange(3, 250))),
        ("INFO", "api", "POST /api/v1/cart 201 %dms" % r.randrange(5, 400)),
        ("WARN", "api", "GET /api/v1/search 504 timeout after 30s"),
        ("ERROR", "db", "connect to %s:5432 failed: connection refused" %
         ip_private(r)),
        ("WARN", "db", "slow query took %dms rows=%d" % (
            r.randrange(800, 9000), r.randrange(1, 100000))),
        ("WARN", "sshd", "Failed password for %s from %s port %d ssh2" % (
            r.choice(["root", "admin", u]), ip_public(r),
            r.randrange(30000, 65000))),
        ("INFO", "sshd", "Accepted publickey for %s from %s port %d ssh2" % (
            u, ip_private(r), r.randrange(30000, 65000))),
        ("ERROR", "worker", "job %d failed: timeout after 30s" %
         r.randrange(100, 999)),
        ("INFO", "scheduler", "queued %d jobs, %d running" % (
            r.randrange(0, 40), r.randrange(0, 8))),
        ("DEBUG", "proxy", "upstream %s:8080 latency %dms" % (
            ip_private(r), r.randrange(1, 120))),
        ("INFO", "mailer", "sent %d notifications, %d errors" % (
            r.randrange(1, 50), r.randrange(0, 3))),
        ("WARN", "billing", "retrying invoice %d after error" %
         r.randrange(10000, 99999)),
    ]
    return r.choice(choices)


# Lines placed at fixed positions in lf.log so that grep tests have known
# material: whole-word vs substring "error", mixed case, the sshd line, ...
LF_PROBES = [
    ("ERROR", "db", "error: connection refused by 10.0.0.12:5432"),
    ("WARN", "worker", "batch 17 finished with 3 errors"),
    ("INFO", "auth", "user terror logged in from 10.0.0.44"),
    ("ERROR", "api", "Error while reading request body: unexpected EOF"),
    ("WARN", "api", "ERROR budget at 80% for route /api/v1/search"),
    ("INFO", "metrics", "error_count=0 error-rate=0.00 errors=0"),
    ("WARN", "sshd", "Failed password for root from 10.0.0.7 port 22 ssh2"),
    ("ERROR", "proxy", "upstream 10.0.3.14:8080 timeout after 30s"),
    ("INFO", "api", "healthcheck ok"),
    ("DEBUG", "auth", "token refresh for user mallory (errorless path)"),
    ("ERROR", "db", "connection refused"),
    ("INFO", "billing", "Errors: none; terrors: none; error"),
]


def lf_log():
    r = random.Random(1001)
    clock = Clock(datetime.datetime(2024, 3, 11, 8, 0, 0), r, 0.2, 20.0)
    lines = []
    probe_at = {10 + 15 * i: p for i, p in enumerate(LF_PROBES)}
    for i in range(200):
        lvl, comp, msg = probe_at.get(i) or service_message(r)
        lines.append("%s %-5s [%s] %s" % (clock.iso(), lvl, comp, msg))
    return ("\n".join(lines) + "\n").encode()


def crlf_log():
    r = random.Random(2002)
    clock = Clock(datetime.datetime(2024, 3, 12, 14, 0, 0), r, 0.1, 30.0)
    svcs = ["PaymentService", "OrderService", "ReportJob", "Gateway",
            "UserDirectory"]
    lines = []
    for i in range(90):
        t = clock.tick()
        ts = t.strftime("%Y-%m-%d %H:%M:%S,") + "%03d" % (t.microsecond // 1000)
        svc = r.choice(svcs)
        k = r.randrange(10)
        if k < 3:
            lvl, msg = "INFO", "healthcheck ok (%dms)" % r.randrange(1, 9)
        elif k == 3:
            lvl, msg = "ERROR", "call to %s:443 failed: connection refused" % \
                ip_private(r)
        elif k == 4:
            lvl, msg = "WARN", "request %s timeout after 30s" % hexid(r)
        elif k == 5:
            lvl, msg = "WARN", "Failed password for %s from %s port %d ssh2" % (
                r.choice(["Administrator", "root", r.choice(USERS)]),
                ip_public(r), r.randrange(1024, 65000))
        elif k == 6:
            lvl, msg = "ERROR", "Error 0x%08X writing C:\\ProgramData\\Sluice\\%s.tmp" % (
                r.getrandbits(32), hexid(r, 6))
        elif k == 7:
            lvl, msg = "DEBUG", "user %s opened report %d" % (
                r.choice(USERS), r.randrange(1, 900))
        elif k == 8:
            lvl, msg = "INFO", "processed %d records, %d errors" % (
                r.randrange(100, 50000), r.randrange(0, 4))
        else:
            lvl, msg = "INFO", "service heartbeat seq=%d" % i
        lines.append("%s [%s] %s - %s" % (ts, lvl, svc, msg))
    # CRLF line endings, no final line terminator
    return "\r\n".join(lines).encode()


def mixed_log():
    parts = [
        b"2024-03-13T09:00:00.000Z INFO  [api] starting sluice-test service\n",
        b"2024-03-13T09:00:00.120Z INFO  [api] healthcheck ok\r\n",
        b"\n",
        b"2024-03-13T09:00:01.004Z WARN  [db] connection refused, retrying\r\n",
        b"\r\n",
        b"2024-03-13T09:00:01.500Z DEBUG [cache] progress 10%\rprogress 55%\rprogress 100%\n",
        b"2024-03-13T09:00:02.000Z ERROR [worker] timeout after 30s\n",
        b"2024-03-13T09:00:02.250Z INFO  [auth] user alice\rlogged in\r\n",
        b"\n",
        b"\n",
        b"2024-03-13T09:00:03.000Z INFO  [api] healthcheck ok\n",
        b"\r\n",
        b"\r\n",
        b"2024-03-13T09:00:03.900Z WARN  [sshd] Failed password for root from 10.0.0.7 port 22 ssh2\r\n",
        b"lone CR at end of text\r \n",
        b"2024-03-13T09:00:04.100Z INFO  [api] shutting down\n",
    ]
    return b"".join(parts)


def non_utf8_log():
    return b"".join([
        b"INFO plain ascii line with error keyword\n",
        b"INFO user=caf\xe9 logged in (latin-1 e-acute)\n",
        b"WARN bad byte \xff in field name=admin\n",
        b"ERROR lone lead byte \xc3 then ascii error\n",
        b"DEBUG overlong slash \xc0\xaf path=/etc/passwd\n",
        b"DEBUG overlong three-byte \xe0\x80\xaf needle here\n",
        b"WARN surrogate half \xed\xa0\x80 encoded as utf-8\n",
        b"INFO valid utf-8 caf\xc3\xa9 ok\n",
        b"INFO valid utf-8 \xe6\x97\xa5\xe6\x9c\xac region=tokyo\n",
        b"ERROR mixed \xff\xfe error \xc3\xa9 end\n",
        b"INFO line ending in a lone lead byte \xc3\n",
        b"INFO truncated 3-byte sequence \xe6\x97 then needle\n",
        b"DEBUG last line ascii only\n",
    ])


def nul_log():
    return b"".join([
        b"INFO before NUL\x00after NUL\n",
        b"ERROR error\x00error on both sides of a NUL\n",
        b"\x00leading NUL then needle\n",
        b"WARN needle then trailing NUL\x00\n",
        b"DEBUG two\x00\x00NULs in a row\n",
        b"INFO no NUL on this line, needle\n",
        b"\x00\x00\x00\n",
        b"INFO last line\n",
    ])


def long_line_log():
    unit = b"abcdefghij0123456789-lorem-ipsum-dolor-sit-amet|"
    assert b"NEEDLE" not in unit
    body = (unit * (LONG_LINE_BYTES // len(unit) + 1))[:LONG_LINE_BYTES]
    marker_at = LONG_LINE_BYTES - 100
    body = body[:marker_at] + b"NEEDLE" + body[marker_at + 6:]
    assert len(body) == LONG_LINE_BYTES and body.count(b"NEEDLE") == 1
    return b"".join([
        b"2024-03-14T10:00:00.000Z INFO  [api] before the long line\n",
        b"2024-03-14T10:00:00.010Z WARN  [api] next line is very long\n",
        body + b"\n",
        b"2024-03-14T10:00:00.020Z INFO  [api] after the long line\n",
        b"2024-03-14T10:00:00.030Z INFO  [api] healthcheck ok\n",
    ])


def web_log_lines(r, clock, count):
    """Lines for the demo set and the big gzip fixtures."""
    hosts = ["web-1", "web-2", "web-3"]
    out = []
    for _ in range(count):
        ts = clock.iso()
        host = r.choice(hosts)
        req = hexid(r, 8)
        k = r.random()
        if k < 0.36:
            line = "%s DEBUG %s [lb] healthcheck ok rtt=%dms" % (
                ts, host, r.randrange(1, 6))
        elif k < 0.70:
            path = r.choice(PATHS).format(id=r.randrange(1, 20000),
                                          h=hexid(r, 8))
            method = "GET" if r.random() < 0.75 else r.choice(
                ["POST", "PUT", "DELETE"])
            status = r.choices([200, 201, 204, 301, 304, 400, 401, 403, 404,
                                429, 500, 502, 503],
                               [60, 6, 3, 2, 8, 3, 3, 1, 6, 1, 2, 2, 1])[0]
            lvl = "INFO" if status < 400 else "WARN" if status < 500 else "ERROR"
            line = "%s %-5s %s [http] req=%s %s %s %d %dms" % (
                ts, lvl, host, req, method, path, status,
                int(r.expovariate(1 / 40)) + 1)
        elif k < 0.76:
            line = ("%s WARN  %s [proxy] req=%s upstream timeout after "
                    "%dms upstream=%s:8080") % (
                ts, host, req, r.choice([5000, 10000, 30000]), ip_private(r))
        elif k < 0.80:
            line = ("%s ERROR %s [db-pool] connect to %s:5432 failed: "
                    "connection refused (attempt %d/5)") % (
                ts, host, ip_private(r), r.randrange(1, 6))
        elif k < 0.85:
            who = r.choice(["invalid user admin", "invalid user test",
                            "invalid user oracle", "root", "invalid user pi"])
            src = "203.0.113.9" if r.random() < 0.5 else ip_public(r)
            line = "%s WARN  %s [sshd] Failed password for %s from %s port %d ssh2" % (
                ts, host, who, src, r.randrange(32768, 61000))
        elif k < 0.87:
            line = "%s INFO  %s [sshd] Accepted publickey for %s from %s port %d ssh2" % (
                ts, host, r.choice(["deploy", "backup"]), ip_private(r),
                r.randrange(32768, 61000))
        elif k < 0.92:
            line = "%s INFO  %s [auth] user %s logged in session=%s" % (
                ts, host, r.choice(USERS), hexid(r, 8))
        elif k < 0.95:
            line = "%s DEBUG %s [cache] miss key=%s:%d" % (
                ts, host, r.choice(["user", "cart", "price"]),
                r.randrange(1, 90000))
        elif k < 0.98:
            line = "%s INFO  %s [jobs] job=%s finished in %.1fs processed=%d" % (
                ts, host, hexid(r, 6), r.uniform(0.1, 120), r.randrange(0, 5000))
        else:
            line = ("%s ERROR %s [http] req=%s unhandled Error: "
                    "TypeError: cannot read property 'id' of undefined") % (
                ts, host, req)
        out.append(line + "\n")
    return out


def log_blob(seed, start, target_bytes):
    r = random.Random(seed)
    clock = Clock(start, r, 0.01, 2.0)
    out = []
    size = 0
    while size < target_bytes:
        for line in web_log_lines(r, clock, 50):
            out.append(line)
            size += len(line)
    return "".join(out).encode()


# --------------------------------------------------------------------------
# reference decoder (used to derive .expected prefixes and to self-check)
# --------------------------------------------------------------------------

def maximal_prefix(member):
    """Decode one gzip member as far as a streaming decoder possibly can.

    Input is fed one byte at a time and output is pulled one byte at a time
    (max_length=1), so no decoded byte can be lost inside a zlib call that
    ends in an error.  Returns (output, error or None, input offset of the
    byte that triggered the error, eof, bytes consumed).
    """
    d = zlib.decompressobj(31)
    out = bytearray()
    for i in range(len(member)):
        data = member[i:i + 1]
        try:
            while True:
                chunk = d.decompress(data, 1)
                out += chunk
                data = d.unconsumed_tail
                if not chunk and not data:
                    break
        except zlib.error as e:
            return bytes(out), str(e), i, False, i
        if d.eof:
            return bytes(out), None, None, True, i + 1
    return bytes(out), None, None, False, len(member)


def reference_decode(data):
    """Multi-member streaming gzip decode with GNU-gzip-like tail policy.

    Returns (output, outcome, detail): outcome "ok" | "warning" | "error".
    Non-gzip input is passed through unchanged (auto-detect).
    """
    if data[:2] != b"\x1f\x8b":
        if data == b"":
            return b"", "ok", "empty input"
        return data, "ok", "not gzip: passed through"
    out = bytearray()
    pos = 0
    first = True
    while True:
        rest = data[pos:]
        if not first:
            if not rest:
                return bytes(out), "ok", ""
            if rest.count(0) == len(rest):
                return bytes(out), "ok", "trailing zero bytes ignored"
            if rest[:2] != b"\x1f\x8b":
                return bytes(out), "warning", "trailing garbage at %d" % pos
        first = False
        d = zlib.decompressobj(31)
        try:
            chunk = d.decompress(rest)
        except zlib.error:
            chunk = None
        if chunk is not None and d.eof:
            out += chunk
            pos = len(data) - len(d.unused_data)
            continue
        # error or truncation: recompute the maximal prefix slowly
        part, err, at, eof, _ = maximal_prefix(rest)
        out += part
        if err:
            return bytes(out), "error", "%s (at input byte %d)" % (err, pos + at)
        assert not eof
        return bytes(out), "error", "unexpected end of input"


# --------------------------------------------------------------------------
# README
# --------------------------------------------------------------------------

TEXT_PURPOSE = [
    ("lf.log", "200-line service log, LF, final newline; levels, components, "
     "IPs, users; 'error' vs 'errors'/'terror'/'error_count'/'Error'/'ERROR' "
     "for -w and -i tests"),
    ("crlf.log", "90-line service log, CRLF endings, no final newline"),
    ("mixed.log", "LF and CRLF lines, empty lines of both kinds, lone CRs "
     "inside lines (one CR directly before a space), final newline"),
    ("no-final-newline.log", "5 LF lines, the last without a newline"),
    ("empty.log", "0 bytes"),
    ("blank-lines.log", "exactly \"\\n\\n\\nabc\\n\\n\" (5 lines, 4 empty)"),
    ("non-utf8.log", "invalid UTF-8 (0xff, lone 0xc3 incl. right before "
     "\\n, overlong c0 af / e0 80 af, surrogate ed a0 80, Latin-1 caf\\xe9, "
     "truncated e6 97) next to valid UTF-8 (caf\u00e9, \u65e5\u672c) and "
     "ASCII words 'error'/'needle'"),
    ("nul.log", "lines with NUL bytes (leading, trailing, doubled, between "
     "two matching words); 8 lines, final newline"),
    ("long-line.log", "5 lines; line 3 is %d bytes (without its \\n) with the "
     "only 'NEEDLE' at byte offset %d of that line" % (
         LONG_LINE_BYTES, LONG_LINE_BYTES - 100)),
]


def check_codec_fixtures(files, codec_manifest):
    """Decodes the ok and warning cases of codecs/ with a reference: Python's lzma, bz2 and the
    zstd and lz4 tools (skipped when not installed); returns the number of disagreements."""
    import bz2
    import lzma
    import shutil
    import subprocess
    failures = 0
    for entry in codec_manifest:
        if entry["outcome"] == "error":
            continue
        data = files["codecs/" + entry["file"]]
        want = files["codecs/" + entry["expected"]]
        codec = entry["codec"]
        if codec == "xz":
            got, rest = b"", data
            while rest:
                if rest[:4] == b"\x00" * 4:    # stream padding
                    rest = rest[4:]
                    continue
                d = lzma.LZMADecompressor(format=lzma.FORMAT_AUTO)
                got += d.decompress(rest)
                rest = d.unused_data
        elif codec == "bzip2":
            got = bz2.decompress(data[:entry["fault"]["offset"]] if entry.get("fault") else data)
        elif shutil.which(codec):
            end = entry["fault"]["offset"] if entry.get("fault") else len(data)
            got = subprocess.run([codec, "-dc"], input=data[:end], capture_output=True, check=True).stdout
        else:
            continue
        ok = got == want
        failures += not ok
        print("%-30s %-7s %s" % (entry["file"], entry["outcome"], "OK" if ok else "FAIL"))
    return failures


def make_readme(files, manifest, verdicts, codec_manifest):
    L = ["# Fixtures", "",
         "Generated by `python3 Fixtures/generate.py` (stdlib only, "
         "deterministic, gzip MTIME=0); edit the script, not the files. "
         "The script also rewrites this README and checks every gzip fixture "
         "against its .expected file.", "",
         "## text/", ""]
    for name, purpose in TEXT_PURPOSE:
        L.append("- `%s` (%d B): %s." % (name, len(files["text/" + name]),
                                          purpose))
    L += ["", "## gzip/", "",
          "`manifest.json` lists file, expected, outcome (ok | warning | "
          "error) and a note for each case. A correct streaming decoder "
          "writes exactly X.expected to its output, then: ok = success; "
          "warning = success plus a trailing-garbage warning; error = "
          "failure. For error cases the output must include every byte "
          "zlib's inflate() produced before reporting the fault (Python's "
          "zlib drops the output of a decompress() call that raises; feed "
          "it small pieces). Tail policy (as GNU gzip): after a complete "
          "member, only zero bytes = ignore, anything not starting 1f 8b = "
          "warning, 1f 8b = another member.", ""]
    for m in manifest:
        exp = files["gzip/" + m["expected"]]
        if m["outcome"] == "ok":
            tail = "success"
        elif m["outcome"] == "warning":
            tail = "success + warning (trailing garbage)"
        else:
            why = verdicts[m["file"]].split("decompressing data: ", 1)[-1]
            tail = "fail: " + why
        L.append("- `%s` -> `%s` (%d B), %s. %s." % (
            m["file"], m["expected"], len(exp), tail, m["note"]))
    L += ["", "## codecs/", "",
          "Small streams of zstd, lz4, xz, .lzma and bzip2, built by hand (zstd raw and RLE blocks, "
          "lz4 stored blocks and legacy literal-only blocks, with xxHash32 in the script) or with "
          "Python's lzma and bz2 modules. `manifest.json` lists file, expected, outcome (ok | warning "
          "| error), codec, fault (warning: offset and count of the trailing bytes; error: kind, "
          "offset, and prefix when only a prefix of expected is sure to come out) and a note. "
          "The script checks the ok and warning cases with Python's modules and, when installed, "
          "`zstd -dc` and `lz4 -dc`.", ""]
    for m in codec_manifest:
        L.append("- `%s` (%s, %d B) -> %d B, %s. %s." % (
            m["file"], m["codec"], len(files["codecs/" + m["file"]]),
            len(files["codecs/" + m["expected"]]), m["outcome"], m["note"]))
    L += ["", "## demo/ (rotated set for `make demo`, oldest first)", ""]
    for name in ("app.log.2.gz", "app.log.1.gz", "app.log"):
        data = files["demo/" + name]
        plain = data
        if name.endswith(".gz"):
            plain = b""
            rest = data
            members = 0
            while rest:
                d = zlib.decompressobj(31)
                plain += d.decompress(rest)
                rest = d.unused_data
                members += 1
        first = plain[:24].decode()
        last = plain.splitlines()[-1][:24].decode()
        kind = ("gzip, %d member%s" % (members, "s" if members > 1 else "")
                if name.endswith(".gz") else "plain")
        L.append("- `%s` (%s): %d lines, %s .. %s." % (
            name, kind, plain.count(b"\n"), first, last))
    L += ["", "Demo lines: web/app service log (LF) with request ids, "
          "latencies, HTTP paths/statuses, frequent healthchecks, upstream "
          "timeouts, connection refused, sshd failed passwords.", ""]
    L += ["## scripts/ (written by hand, not generated)", "",
          "- `gzip-streams.py OUT`: writes about 190 gzip streams made by Python's gzip and zlib "
          "modules (every level and strategy, stored blocks, sync and full flushes, 1000 tiny members, "
          "empty members, every header field) with what Python decodes each to; the differential "
          "test of the gzip stage runs it at test time.",
          "- `fuzz-seeds.sh OUT`: the seed corpora for `make fuzz`, made from text/ and gzip/ "
          "(each input starts with one control byte: chunk size and options).", "",
          "## fuzz/ (inputs saved by `make fuzz`)", "",
          "`fuzz/gunzip`, `fuzz/lines` and `fuzz/plan` hold inputs that once broke a fuzz target "
          "(libFuzzer writes its crash files there). `make test` replays every file through the "
          "same checks, so a fixed crash stays fixed.", ""]
    return "\n".join(L).encode()



# --------------------------------------------------------------------------
# codecs/: small streams of the other formats, built by hand (zstd raw and
# RLE blocks, lz4 frames with stored blocks and the lz4 legacy format with
# literal-only blocks) or with Python's lzma and bz2 modules
# --------------------------------------------------------------------------

def xxh32(data, seed=0):
    """xxHash32, for lz4's header and content checksums."""
    P1, P2, P3, P4, P5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
    M = 0xFFFFFFFF
    rotl = lambda x, r: ((x << r) | (x >> (32 - r))) & M
    n, i = len(data), 0
    if n >= 16:
        v = [(seed + P1 + P2) & M, (seed + P2) & M, seed & M, (seed - P1) & M]
        while i + 16 <= n:
            for k in range(4):
                lane = struct.unpack_from("<I", data, i + 4 * k)[0]
                v[k] = (rotl((v[k] + lane * P2) & M, 13) * P1) & M
            i += 16
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M
    else:
        h = (seed + P5) & M
    h = (h + n) & M
    while i + 4 <= n:
        h = (rotl((h + struct.unpack_from("<I", data, i)[0] * P3) & M, 17) * P4) & M
        i += 4
    while i < n:
        h = (rotl((h + data[i] * P5) & M, 11) * P1) & M
        i += 1
    h ^= h >> 15
    h = (h * P2) & M
    h ^= h >> 13
    h = (h * P3) & M
    h ^= h >> 16
    return h


def zstd_frame(blocks):
    """A zstd frame (single segment, no checksum) of ("raw", bytes) and ("rle", byte, count) blocks."""
    content = b"".join(b[1] if b[0] == "raw" else bytes([b[1]]) * b[2] for b in blocks)
    size = len(content)
    assert 256 <= size < 65536 + 256
    out = bytearray(b"\x28\xb5\x2f\xfd")
    out.append(0x60)                       # FCS 2 bytes, single segment
    out += struct.pack("<H", size - 256)
    for k, b in enumerate(blocks):
        last = 1 if k == len(blocks) - 1 else 0
        if b[0] == "raw":
            out += struct.pack("<I", last | (0 << 1) | (len(b[1]) << 3))[:3] + b[1]
        else:
            out += struct.pack("<I", last | (1 << 1) | (b[2] << 3))[:3] + bytes([b[1]])
    return bytes(out), content


def skippable_frame(payload, nibble=0):
    return struct.pack("<II", 0x184D2A50 + nibble, len(payload)) + payload


def lz4_frame(data, block=4096, content_checksum=True):
    """An lz4 frame whose blocks are stored (uncompressed), with the header checksum."""
    flg = 0x40 | 0x20 | (0x04 if content_checksum else 0)
    bd = 0x40                               # 64 KB blocks at most
    out = bytearray(b"\x04\x22\x4d\x18") + bytes([flg, bd])
    out.append((xxh32(bytes([flg, bd])) >> 8) & 0xFF)
    for i in range(0, len(data), block):
        part = data[i:i + block]
        out += struct.pack("<I", len(part) | 0x80000000) + part
    out += b"\x00\x00\x00\x00"
    if content_checksum:
        out += struct.pack("<I", xxh32(data))
    return bytes(out)


def lz4_literal_block(data):
    """An LZ4 block that is one sequence of literals."""
    n = len(data)
    out = bytearray([min(n, 15) << 4])
    if n >= 15:
        rest = n - 15
        out += b"\xff" * (rest // 255) + bytes([rest % 255])
    return bytes(out) + data


def lz4_legacy(parts):
    out = bytearray(b"\x02\x21\x4c\x18")
    for part in parts:
        block = lz4_literal_block(part)
        out += struct.pack("<I", len(block)) + block
    return bytes(out)


def codec_fixtures(lf):
    """(name, bytes, expected output, outcome, codec, fault, note) for codecs/."""
    import bz2
    import lzma
    a, b, c = lf[:3000], lf[3000:5000], lf[5000:9000]
    cases = []

    def add(name, data, expected, outcome, codec, note, fault=None):
        cases.append({"file": name, "data": data, "expected": expected, "outcome": outcome,
                      "codec": codec, "fault": fault, "note": note})

    z1, z1c = zstd_frame([("raw", a[:1000]), ("rle", 0x2d, 300), ("raw", a[1000:])])
    z2, z2c = zstd_frame([("raw", b)])
    add("zstd-raw-rle.zst", z1, z1c, "ok", "zstd", "one frame: a raw block, an RLE block of 300 '-', a raw block")
    add("zstd-skippable.zst", skippable_frame(b"meta") + z1 + skippable_frame(b"", 15) + z2, z1c + z2c, "ok", "zstd",
        "a skippable frame, a frame, an empty skippable frame (magic 5f), a frame")
    add("zstd-only-skippable.zst", skippable_frame(b"nothing else"), b"", "ok", "zstd", "only a skippable frame: no output")
    cut_skip = z1 + skippable_frame(b"0123456789")[:12]
    add("zstd-truncated-skippable.zst", cut_skip, z1c, "error", "zstd",
        "a frame, then a skippable frame cut inside its payload", {"kind": "truncated", "offset": len(cut_skip)})
    add("zstd-trailing-zeros.zst", z2 + b"\x00" * 8, z2c, "warning", "zstd",
        "a frame and 8 zero bytes, which zstd -dc refuses: a warning", {"offset": len(z2), "count": 8})

    f1 = lz4_frame(a)
    add("lz4-stored-blocks.lz4", f1, a, "ok", "lz4", "an lz4 frame of stored blocks of 4 KiB with a content checksum")
    bad = bytearray(f1)
    bad[-1] ^= 0x01
    add("lz4-bad-content-checksum.lz4", bytes(bad), a, "error", "lz4",
        "lz4-stored-blocks.lz4 with its content checksum damaged: a prefix of the content, then an error",
        {"kind": "corrupt", "prefix": True})
    leg = lz4_legacy([a[:2000], a[2000:]])
    add("lz4-legacy.lz4", leg, a, "ok", "lz4", "lz4's legacy format (lz4 -l): two literal-only blocks")
    add("lz4-legacy-then-frame.lz4", leg + lz4_frame(b, content_checksum=False) + lz4_legacy([c]), a + b + c, "ok", "lz4",
        "a legacy stream, a frame without content checksum, a legacy stream")
    add("lz4-skippable-first.lz4", skippable_frame(b"xyz", 3) + f1, a, "ok", "lz4",
        "a skippable frame, then an lz4 frame: the skippable frame says nothing of the codec")
    add("lz4-legacy-junk.lz4", leg + b"junk!", a, "warning", "lz4",
        "a legacy stream, then 5 bytes that are no block size: trailing garbage", {"offset": len(leg), "count": 5})
    first_block = 4 + 4 + len(lz4_literal_block(a[:2000]))
    add("lz4-legacy-cut.lz4", leg[:first_block + 100], a[:2000], "error", "lz4",
        "lz4-legacy.lz4 cut 100 bytes into its second block: the first block, then truncated",
        {"kind": "truncated", "offset": first_block + 100})

    xzs = [lzma.compress(part, format=lzma.FORMAT_XZ, check=check)
           for part, check in ((a, lzma.CHECK_NONE), (b, lzma.CHECK_CRC32), (c, lzma.CHECK_SHA256))]
    add("xz-checks-padding.xz", xzs[0] + b"\x00" * 4 + xzs[1] + xzs[2] + b"\x00" * 8, a + b + c, "ok", "xz",
        "three streams (checks none, CRC32, SHA-256), 4 bytes of stream padding between two, 8 at the end")
    add("xz-bad-padding.xz", xzs[0] + b"\x00" * 3 + xzs[1], a, "error", "xz",
        "a stream, 3 bytes of padding (not a multiple of 4: xz -dc says corrupt), a stream",
        {"kind": "corrupt", "offset": len(xzs[0]) + 3})
    alone = lzma.compress(c, format=lzma.FORMAT_ALONE)
    add("legacy.lzma", alone, c, "ok", "xz", "the legacy .lzma format (no magic number), which xz -dc reads")
    add("legacy-cut.lzma", alone[:len(alone) // 2], c, "error", "xz", "legacy.lzma cut in half",
        {"kind": "truncated", "offset": len(alone) // 2, "prefix": True})
    bzs = bz2.compress(a, 1) + bz2.compress(b"", 9) + bz2.compress(b, 9)
    add("bzip2-streams-garbage.bz2", bzs + b"\x00\x00trailing\n", a + b, "warning", "bzip2",
        "three bzip2 streams (the second empty), then zeros and text: bzip2 -dc warns (status 0)",
        {"offset": len(bzs), "count": 11})
    return cases


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def main():
    files = {}          # relative path -> bytes
    manifest = []
    gz_info = {}        # extra facts for README/notes

    # ---- text ----
    lf = lf_log()
    crlf = crlf_log()
    files["text/lf.log"] = lf
    files["text/crlf.log"] = crlf
    files["text/mixed.log"] = mixed_log()
    files["text/no-final-newline.log"] = (
        b"first line\nsecond line with error\nthird line\n"
        b"fourth line healthcheck ok\nfifth line without newline")
    files["text/empty.log"] = b""
    files["text/blank-lines.log"] = b"\n\n\nabc\n\n"
    files["text/non-utf8.log"] = non_utf8_log()
    files["text/nul.log"] = nul_log()
    files["text/long-line.log"] = long_line_log()

    # ---- gzip ----
    g = {}              # name -> (gz bytes, expected bytes, outcome, note)

    def add(name, gz, expected, outcome, note):
        g[name] = (gz, expected, outcome, note)

    single = gzip_member(lf, 6)
    add("single.gz", single, lf, "ok", "text/lf.log at level 6, one member")

    lf_lines = lf.splitlines(keepends=True)
    part_a = b"".join(lf_lines[0:40])
    part_b = b"".join(lf_lines[40:90])
    part_c = b"".join(lf_lines[90:130])
    m1, m2, m3 = gzip_member(part_a, 1), gzip_member(part_b, 9), \
        gzip_member(part_c, 0)
    three = m1 + m2 + m3
    add("three-members.gz", three, part_a + part_b + part_c, "ok",
        "3 members: lines 1-40 of lf.log at level 1, 41-90 at level 9, "
        "91-130 stored (level 0)")

    small_a = b"".join(lf_lines[130:150])
    small_b = b"".join(lf_lines[150:170])
    add("empty-member.gz",
        gzip_member(small_a) + gzip_member(b"") + gzip_member(small_b),
        small_a + small_b, "ok",
        "3 members: lines 131-150 of lf.log, an empty member, lines 151-170")

    add("only-empty.gz", gzip_member(b""), b"", "ok",
        "one member with empty content; output is empty")

    hf_content = b"".join(lf_lines[170:200])
    extra = (b"SL" + struct.pack("<H", 6) + b"sluice" +
             b"XY" + struct.pack("<H", 4) + b"\x01\x02\x03\x04" +
             b"ZZ" + struct.pack("<H", 0))
    hf = gzip_member(hf_content, 6, ftext=True, extra=extra,
                     name=b"original.log", comment=b"a comment", hcrc=True)
    add("header-fields.gz", hf, hf_content, "ok",
        "FLG=0x1f: FTEXT, FHCRC (valid CRC16), FEXTRA (subfields SL/6, XY/4, "
        "ZZ/0), FNAME 'original.log', FCOMMENT 'a comment'; lines 171-200 "
        "of lf.log")

    bg_content = log_blob(3003, datetime.datetime(2024, 4, 1, 0, 0, 0),
                          BGZIP_CONTENT_BYTES)
    blocks = [bgzf_block(bg_content[i:i + BGZF_BLOCK_INPUT])
              for i in range(0, len(bg_content), BGZF_BLOCK_INPUT)]
    eof_block = bgzf_block(b"")
    assert len(eof_block) == 28
    bgz = b"".join(blocks) + eof_block
    add("bgzip.gz", bgz, bg_content, "ok",
        "BGZF: %d data blocks (<= %d bytes of content each, 'BC' extra "
        "subfield with BSIZE) + the 28-byte empty EOF block"
        % (len(blocks), BGZF_BLOCK_INPUT))

    lm_content = log_blob(4004, datetime.datetime(2024, 4, 2, 0, 0, 0),
                          LARGE_MULTI_BYTES)
    r = random.Random(5005)
    cuts = sorted(r.sample(range(100, len(lm_content) - 100), 11))
    tiny = []
    for _ in range(4):                       # four tiny members: 1-3 bytes
        c = r.randrange(1000, len(lm_content) - 1000)
        n = r.randrange(1, 4)
        tiny += [c, c + n]
        cuts += [c, c + n]
    cuts = sorted(set(cuts))
    bounds = [0] + cuts + [len(lm_content)]
    pieces = [lm_content[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]
    levels = [r.choice([1, 6, 9]) for _ in pieces]
    levels[len(pieces) // 2] = 0             # one stored member
    lm = b"".join(gzip_member(p, lv) for p, lv in zip(pieces, levels))
    sizes = [len(p) for p in pieces]
    add("large-multi.gz", lm, lm_content, "ok",
        "%d members, content sizes %d..%d bytes (%d members of 1-3 bytes), "
        "levels 1/6/9 mixed, member %d stored (level 0)" % (len(pieces), min(sizes), max(sizes),
                                  sum(1 for s in sizes if s <= 3),
                                  len(pieces) // 2 + 1))
    gz_info["large-multi sizes"] = sizes

    small = b"".join(lf_lines[0:25])
    small_gz = gzip_member(small, 6)
    add("trailing-zeros.gz", small_gz + b"\x00" * 1024, small, "ok",
        "one member (lines 1-25 of lf.log) + 1024 zero bytes; zeros are "
        "ignored silently, as GNU gzip does")
    add("trailing-garbage.gz", small_gz + b"this is not gzip\n", small,
        "warning",
        "one member (lines 1-25 of lf.log) + b'this is not gzip\\n'; "
        "output the member, then warn about trailing garbage")
    add("magic-then-junk.gz", small_gz + b"\x1f\x8b\x08junkjunkjunk", small,
        "error",
        "one member (lines 1-25 of lf.log), then 1f 8b 08 + 'junkjunkjunk': "
        "a second member whose header is invalid (FLG 0x6a has reserved "
        "bits) -> error after the first member's content")

    jr = random.Random(6006)
    junk = bytes([jr.randrange(256) for _ in range(20)])
    if junk[0] == 8:        # keep the method byte invalid
        junk = bytes([junk[0] ^ 0x80]) + junk[1:]
    add("junk-after-magic.gz", b"\x1f\x8b" + junk, b"", "error",
        "1f 8b + 20 random bytes (method byte 0x%02x is not 8): invalid "
        "header, no output" % junk[0])

    add("truncated-header.gz", single[:6], b"", "error",
        "first 6 bytes of single.gz: header cut short, no output")

    cut = int(len(single) * 0.6)
    tb = single[:cut]
    d = zlib.decompressobj(31)
    tb_out = d.decompress(tb)
    assert not d.eof
    tb_flush = d.flush()
    gz_info["truncated-body flush extra"] = len(tb_flush)
    add("truncated-body.gz", tb, tb_out, "error",
        "single.gz cut at byte %d of %d (inside the deflate data); output "
        "the %d bytes decodable from the prefix (a prefix of lf.log), then "
        "report unexpected end of input" % (cut, len(single), len(tb_out)))

    add("truncated-trailer.gz", single[:-3], lf, "error",
        "single.gz minus its last 3 bytes (inside ISIZE); all content "
        "decodes, then the trailer is incomplete -> unexpected end of input")

    cut2 = len(m1) + len(m2) // 2
    smt = three[:cut2]
    d1 = zlib.decompressobj(31)
    o1 = d1.decompress(smt)
    assert d1.eof
    d2 = zlib.decompressobj(31)
    o2 = d2.decompress(d1.unused_data)
    assert not d2.eof
    add("second-member-truncated.gz", smt, o1 + o2, "error",
        "three-members.gz cut at byte %d (second member spans %d..%d); "
        "output first member (%d bytes) + %d bytes decodable from the second "
        "member's prefix, then report unexpected end of input"
        % (cut2, len(m1), len(m1) + len(m2), len(o1), len(o2)))

    # corrupt-deflate: flip bits ~40% into the deflate data until zlib reports
    # an "invalid ..." data error (rather than only a CRC mismatch).
    deflate_start = 10
    deflate_end = len(single) - 8
    start = deflate_start + int((deflate_end - deflate_start) * 0.4)
    found = None
    for off in range(start, deflate_end):
        for mask in (0xFF, 0x0F, 0xF0, 0x01, 0x80):
            bad = bytearray(single)
            bad[off] ^= mask
            try:
                zlib.decompressobj(31).decompress(bytes(bad))
            except zlib.error as e:
                if "invalid" in str(e):
                    found = (off, mask, bytes(bad))
                    break
        if found:
            break
    assert found, "no corrupting offset found"
    off, mask, bad = found
    cd_out, cd_err, cd_at, _, _ = maximal_prefix(bad)
    common = 0
    while common < len(cd_out) and cd_out[common] == lf[common]:
        common += 1
    gz_info["corrupt"] = (off, mask, cd_err, cd_at, len(cd_out), common)
    add("corrupt-deflate.gz", bad, cd_out, "error",
        "single.gz with byte %d (0-based; deflate data starts at 10) XORed "
        "with 0x%02x; zlib reports '%s' while consuming input byte %d; "
        "output the %d bytes decoded before that (the first %d equal lf.log, "
        "the rest are what the damaged bits decode to), then report a data "
        "error%s"
        % (off, mask, cd_err.split(": ", 1)[-1], cd_at, len(cd_out), common,
           "; GNU gzip does not check distances against the start of the "
           "stream and reports a CRC error instead"
           if "too far back" in cd_err else ""))

    bc = bytearray(single)
    for i in range(len(bc) - 8, len(bc) - 4):
        bc[i] ^= 0xFF
    add("bad-crc.gz", bytes(bc), lf, "error",
        "single.gz with every byte of the CRC32 field XORed with 0xff; all "
        "content is output, then a CRC mismatch is reported")

    bi = bytearray(single)
    isize = struct.unpack("<I", bytes(bi[-4:]))[0]
    bi[-4:] = struct.pack("<I", isize + 1)
    add("bad-isize.gz", bytes(bi), lf, "error",
        "single.gz with ISIZE = %d instead of %d; all content is output, "
        "then a length mismatch is reported" % (isize + 1, isize))

    not_gzip = (b"This file is plain text, not gzip.\n"
                b"2024-03-15T12:00:00.000Z INFO  [api] healthcheck ok\n"
                b"2024-03-15T12:00:01.000Z ERROR [db] connection refused\n")
    g["not-gzip.txt"] = (not_gzip, not_gzip, "ok",
                         "plain text; an auto-detecting decoder passes it "
                         "through unchanged (gzip -t/zcat reject it)")

    add("crlf.log.gz", gzip_member(crlf, 6), crlf, "ok",
        "text/crlf.log at level 6 (CRLF endings, no final newline)")

    order = ["single.gz", "three-members.gz", "empty-member.gz",
             "only-empty.gz", "header-fields.gz", "bgzip.gz",
             "large-multi.gz", "trailing-zeros.gz", "trailing-garbage.gz",
             "magic-then-junk.gz", "junk-after-magic.gz",
             "truncated-header.gz", "truncated-body.gz",
             "truncated-trailer.gz", "second-member-truncated.gz",
             "corrupt-deflate.gz", "bad-crc.gz", "bad-isize.gz",
             "not-gzip.txt", "crlf.log.gz"]
    assert sorted(order) == sorted(g)
    for name in order:
        gz, expected, outcome, note = g[name]
        exp_name = (name[:-3] if name.endswith(".gz") else name) + ".expected"
        files["gzip/" + name] = gz
        files["gzip/" + exp_name] = expected
        manifest.append({"file": name, "expected": exp_name,
                         "outcome": outcome, "note": note})
    files["gzip/manifest.json"] = (json.dumps(manifest, indent=2) +
                                   "\n").encode()

    # ---- demo ----
    r = random.Random(7007)
    clock = Clock(datetime.datetime(2024, 5, 13, 0, 0, 0), r, 0.05, 30.0)
    lines = [l.encode() for l in web_log_lines(r, clock, 5500)]
    oldest, middle, newest = lines[:2000], lines[2000:4000], lines[4000:]
    files["demo/app.log.2.gz"] = (gzip_member(b"".join(oldest[:1100])) +
                                  gzip_member(b"".join(oldest[1100:])))
    files["demo/app.log.1.gz"] = gzip_member(b"".join(middle))
    files["demo/app.log"] = b"".join(newest)

    codec_manifest = []
    for case in codec_fixtures(lf):
        files["codecs/" + case["file"]] = case["data"]
        files["codecs/" + case["file"] + ".expected"] = case["expected"]
        entry = {k: case[k] for k in ("file", "outcome", "codec", "note")}
        entry["expected"] = case["file"] + ".expected"
        if case["fault"]:
            entry["fault"] = case["fault"]
        codec_manifest.append(entry)
    files["codecs/manifest.json"] = (json.dumps(codec_manifest, indent=2) + "\n").encode()

    for rel, data in files.items():
        write(os.path.join(ROOT, rel), data)

    # ---- self-check ----
    failures = 0
    verdicts = {}
    for entry in manifest:
        gz = files["gzip/" + entry["file"]]
        want = files["gzip/" + entry["expected"]]
        out, outcome, detail = reference_decode(gz)
        verdicts[entry["file"]] = detail
        ok = out == want and outcome == entry["outcome"]
        if not ok:
            failures += 1
        print("%-30s %-7s %s %s" % (entry["file"], outcome,
                                    "OK  " if ok else "FAIL", detail))
    # truncated-body: decompress() output must also be the maximal prefix
    if maximal_prefix(tb)[0] != tb_out:
        print("truncated-body: decompress() output is not maximal")
        failures += 1
    # codecs/: what Python's lzma and bz2 modules (and, when installed, zstd and lz4) decode.
    failures += check_codec_fixtures(files, codec_manifest)
    readme = make_readme(files, manifest, verdicts, codec_manifest)
    write(os.path.join(ROOT, "README.md"), readme)
    total = sum(len(v) for v in files.values())
    print("wrote %d files, %d bytes (plus README.md and generate.py)"
          % (len(files), total))
    if failures:
        print("%d self-check failure(s)" % failures)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
