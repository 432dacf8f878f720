#!/usr/bin/env python3
"""Benchmark harness for the sluice CLI (standard library only).

Runs sluice and reference tools ("anchors") alternately on a large log corpus,
reports median wall time, sluice peak RSS, ratios against the anchors and
whether the project's targets are met. See bench/README.md.
"""
import argparse
import datetime
import gzip
import json
import os
import random
import re
import select
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30

CORPUS_SIZE = GiB
HEAD_SIZE = 100 * MiB
HUGE_LINE = 300 * MiB
RSS_LIMIT_MIB = 32
HUGE_RSS_LIMIT_MIB = 300 + 64
TAIL_TIME_LIMIT = 0.010
TAIL_READ_LIMIT = MiB
FOLLOW_LINES = 2000
FOLLOW_INTERVAL_MS = 1.0
FOLLOW_P99_LIMIT_MS = 2.0
RUN_TIMEOUT = 900  # seconds; a single run taking longer is killed

LIT = "Failed password"          # a few % of the lines of the real-log corpus
FREQ = "INFO"                    # selects many lines
REGEX = r"(error|fail(ed|ure)?)[^ ]* [0-9]+"

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CORPUS_TOOL = os.path.join(REPO, "..", "shared", "bench", "make-corpus")
TIME_BIN = "/usr/bin/time"

ROW_NAMES = [
    "grep-c-literal", "grep-ci-literal", "grep-ci-literal-utf8", "grep-c-bre-alternation", "grep-c-regex",
    "grep-n-frequent",
    "grep-c-gzip", "cat-gzip", "count-plain", "count-gzip", "tail-10",
    "follow-latency", "lib-lines", "lib-lines-main", "lib-batches", "growth", "huge-line",
    # issue 14: pattern lists (files built from the corpus by pattern_file)
    "grep-F-f-1k", "grep-F-f-10k", "grep-F-f-100k", "grep-Fi-f-1k", "grep-E-f-50", "grep-e-three",
    "grep-E-f-50-gzip", "grep-e-three-gzip", "grep-F-f-1k-gzip", "grep-F-f-100k-gzip", "grep-Fi-f-1k-gzip",
    "grep-F-f-10k-gzip",
    "time-window", "time-window-gzip", "time-window-bgzf", "grep-records", "lib-logtime",
    "grep-c-zst", "grep-c-xz", "grep-c-bz2", "grep-c-lz4", "grep-c-4gz", "gzip-1", "zstd-3",
    # issue 12: grep -r over a copy of /usr/share/doc (about 4,000 files, 1,700 of them .gz)
    "grep-r-doc", "grep-r-doc-raw",
    # issue 18: structured logs (1 GiB JSON Lines and logfmt logs from make-timed-log)
    "where-json", "where-logfmt", "count-by-json", "fields-json", "count-by-capture",
    # issue 19: line-aligned splits
    "grep-c-split", "split-overhead", "grep-c-combine",
    # issue 16: one event loop; 1,000 followed files; streams read on the loop
    "follow-latency-1000", "cat-pipe", "lib-pipe", "lib-pipe-dispatchio",
    # issue 17: merge of four logs in four formats (one gzip) against sort -m on a sortable prefix
    "merge-4",
    # issue 11: a verb added as one file (uniq -c over the corpus, against GNU uniq)
    "uniq-c",
]
DOC_TREE = "/tmp/doc-tree"
DOC_PATTERN = "GNU"
WHERE = 'level == "error" and status >= 500'
JQ_WHERE = 'select(.level=="error" and .status>=500)'
FOLLOW_MANY = 1000  # files followed by follow-latency-1000 (one written, the others idle)
PATTERN_ROWS = {"grep-F-f-1k": ("F", 1000, []), "grep-F-f-10k": ("F", 10000, []),
                "grep-F-f-100k": ("F", 100000, []), "grep-Fi-f-1k": ("F", 1000, ["-i"]),
                "grep-F-f-1k-gzip": ("G", 1000, []), "grep-F-f-10k-gzip": ("G", 10000, []),
                "grep-F-f-100k-gzip": ("G", 100000, []), "grep-Fi-f-1k-gzip": ("G", 1000, ["-i"])}
PATTERN_RSS_LIMIT_MIB = 128
TIMED_LOG_TOOL = os.path.join(REPO, "..", "shared", "bench", "make-timed-log")
# A ~1 MiB window of the 1 GiB ISO log make-timed-log writes (from 2024-05-13T00:00:00Z, 200 lines/s).
WINDOW = ("2024-05-13T04:00:00.000Z", "2024-05-13T04:00:26.999Z")
# The same window by awk over the whole file: a stamped line starts a record, the others continue it.
AWK_WINDOW = '/^[0-9][0-9][0-9][0-9]-/ { keep = ($1 >= a && $1 <= b) } keep'


# The compressed copies of the corpus that the codec rows read: suffix -> (tool argv, decoder).
CODEC_COPIES = {
    "zst": (["zstd", "-q", "-3", "-T1", "-c"], "zstd"),
    "xz": (["xz", "-1", "-T1", "-c"], "xz"),
    "bz2": (["bzip2", "-9", "-c"], "bzip2"),
    "lz4": (["lz4", "-q", "-1", "-c"], "lz4"),
}
ROTATED_SIZE = 100 * MiB  # each of the four rotated .gz files of grep-c-4gz

# Tools the anchors need, with the Debian/Ubuntu package that provides each.
APT_PACKAGES = {
    "rg": "ripgrep", "ugrep": "ugrep", "hyperfine": "hyperfine",
    "pigz": "pigz", TIME_BIN: "time", "strace": "strace",
}

# Child environment: drop settings that would change the anchors' behaviour.
CHILD_ENV = {k: v for k, v in os.environ.items()
             if k not in ("RIPGREP_CONFIG_PATH", "GREP_OPTIONS")}

LIVE = set()  # long-running children (followers) to kill on exit


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


class HarnessError(Exception):
    pass


# --------------------------------------------------------------------------
# tools

def have(tool):
    if tool.startswith("/"):
        return os.access(tool, os.X_OK)
    return shutil.which(tool) is not None


def ensure_tools():
    missing = [t for t in APT_PACKAGES if not have(t)]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        log(f"missing tools (not installing, not root or no apt-get): {' '.join(missing)}")
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    log(f"installing missing tools: {' '.join(missing)}")
    try:
        subprocess.run(["apt-get", "update"], stdout=sys.stderr, stderr=sys.stderr,
                       env=env, timeout=600)
    except (OSError, subprocess.SubprocessError) as e:
        log(f"apt-get update failed: {e}")
    for tool in missing:  # one by one: one unknown package must not block the others
        try:
            subprocess.run(["apt-get", "install", "-y", "--no-install-recommends",
                            APT_PACKAGES[tool]], stdout=sys.stderr, stderr=sys.stderr,
                           env=env, timeout=900)
        except (OSError, subprocess.SubprocessError) as e:
            log(f"apt-get install {APT_PACKAGES[tool]} failed: {e}")
        if not have(tool):
            log(f"still missing: {tool}")


def gnu_time_works():
    """True if /usr/bin/time is GNU time (supports -f %M -o FILE)."""
    if not have(TIME_BIN):
        return False
    with tempfile.NamedTemporaryFile(suffix=".rss") as tf:
        try:
            r = subprocess.run([TIME_BIN, "-f", "%M", "-o", tf.name, "true"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=30)
        except (OSError, subprocess.SubprocessError):
            return False
        return r.returncode == 0 and parse_time_file(tf.name) is not None


def parse_time_file(path):
    try:
        with open(path) as f:
            lines = [ln.strip() for ln in f if ln.strip()]
    except OSError:
        return None
    if lines and lines[-1].isdigit():
        return int(lines[-1])
    return None


def tool_version(argv):
    try:
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=10, env=CHILD_ENV)
        first = r.stdout.decode(errors="replace").strip().splitlines()
        return first[0] if first else "?"
    except (OSError, subprocess.SubprocessError):
        return "missing"


# --------------------------------------------------------------------------
# inputs

class Manifest:
    """Remembers where derived inputs came from, so stale ones get rebuilt."""

    def __init__(self, d):
        self.path = os.path.join(d, ".inputs.json")
        try:
            with open(self.path) as f:
                self.data = json.load(f)
        except (OSError, ValueError):
            self.data = {}

    @staticmethod
    def identity(src):
        st = os.stat(src)
        return {"src": os.path.realpath(src), "src_size": st.st_size,
                "src_mtime_ns": st.st_mtime_ns}

    def fresh(self, path, src, size):
        rec = self.data.get(os.path.basename(path))
        if not rec or not os.path.isfile(path) or os.path.getsize(path) != size:
            return False
        want = self.identity(src) if src else {}
        return all(rec.get(k) == v for k, v in want.items()) and rec.get("size") == size

    def record(self, path, src, **extra):
        rec = self.identity(src) if src else {}
        rec["size"] = os.path.getsize(path)
        rec.update(extra)
        self.data[os.path.basename(path)] = rec
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.data, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    def get(self, path, key):
        return self.data.get(os.path.basename(path), {}).get(key)


def gzip_matches(gz, src):
    """The .gz is newer than src and its trailer length equals src's size."""
    try:
        if os.path.getmtime(gz) < os.path.getmtime(src) or os.path.getsize(gz) < 20:
            return False
        with open(gz, "rb") as f:
            if f.read(2) != b"\x1f\x8b":
                return False
            f.seek(-4, os.SEEK_END)
            isize = int.from_bytes(f.read(4), "little")
        return isize == os.path.getsize(src) % (1 << 32)
    except OSError:
        return False


def make_gzip(src, dst):
    log(f"compressing {os.path.basename(src)} -> {dst} (gzip -6)")
    tmp = dst + ".tmp"
    with open(tmp, "wb") as out:
        subprocess.run(["gzip", "-6", "-c", src], stdout=out, check=True)
    os.replace(tmp, dst)


# Fallback corpus: synthetic log lines in a few common formats.
_USERS = ["root", "admin", "test", "oracle", "guest", "ubuntu", "git", "deploy", "alice", "bob"]
_PATHS = ["/", "/index.html", "/api/v1/items", "/login", "/static/app.js", "/health",
          "/images/logo.png", "/api/v1/users/42", "/search?q=logs", "/favicon.ico"]
_CLASSES = ["org.example.server.RequestHandler", "org.example.store.BlockManager",
            "com.acme.sched.TaskRunner", "com.acme.net.ConnectionPool",
            "io.sample.cache.LruCache", "io.sample.auth.TokenService"]
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _ip(r):
    return f"{r.randint(1, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"


def _syslog_ts(r):
    return f"{r.choice(_MONTHS)} {r.randint(1, 28):2d} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"


def _iso_ts(r):
    return (f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} "
            f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d},{r.randint(0, 999):03d}")


def synth_line(r):
    x = r.random()
    if x < 0.03:
        return (f"{_syslog_ts(r)} gw{r.randint(1, 9)} sshd[{r.randint(1000, 65000)}]: Failed password for "
                f"{'invalid user ' if r.random() < 0.5 else ''}{r.choice(_USERS)} from {_ip(r)} "
                f"port {r.randint(1024, 65535)} ssh2")
    if x < 0.08:
        msg = r.choice([
            f"Accepted publickey for {r.choice(_USERS)} from {_ip(r)} port {r.randint(1024, 65535)} ssh2",
            f"Connection closed by {_ip(r)} [preauth]",
            f"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh rhost={_ip(r)}",
            f"Received disconnect from {_ip(r)}: 11: Bye Bye [preauth]",
        ])
        return f"{_syslog_ts(r)} gw{r.randint(1, 9)} sshd[{r.randint(1000, 65000)}]: {msg}"
    if x < 0.30:
        msg = r.choice([
            f"served request id={r.randint(1, 10**9)} in {r.randint(1, 900)} ms",
            f"block blk_{r.randint(10**12, 10**13)} stored on {_ip(r)}:{r.randint(1024, 65535)} size {r.randint(1, 1 << 26)}",
            f"task attempt_{r.randint(1, 99999):05d}_{r.randint(0, 9)} finished, progress {r.random():.3f}",
            f"cache hit ratio {r.random():.4f} after {r.randint(1, 10**6)} lookups",
        ])
        return f"{_iso_ts(r)} INFO [worker-{r.randint(0, 31)}] {r.choice(_CLASSES)}: {msg}"
    if x < 0.36:
        level = r.choice(["WARN", "ERROR"])
        msg = r.choice([
            f"write failed: {r.randint(1, 9)} retries left",
            f"upstream returned error {r.choice([500, 502, 503, 504])} for {r.choice(_PATHS)}",
            f"connection failure {r.randint(1, 200)} to {_ip(r)}",
            f"slow response {r.randint(1000, 9000)} ms from {_ip(r)}",
        ])
        return f"{_iso_ts(r)} {level} [worker-{r.randint(0, 31)}] {r.choice(_CLASSES)}: {msg}"
    if x < 0.66:
        return (f'{_ip(r)} - - [{r.randint(1, 28):02d}/{r.choice(_MONTHS)}/2024:{r.randint(0, 23):02d}:'
                f'{r.randint(0, 59):02d}:{r.randint(0, 59):02d} +0000] "{r.choice(["GET", "GET", "POST", "HEAD"])} '
                f'{r.choice(_PATHS)} HTTP/1.1" {r.choice([200, 200, 200, 301, 304, 404, 500])} {r.randint(0, 90000)}')
    if x < 0.998:
        msg = r.choice([
            f"[{r.randint(0, 99999)}.{r.randint(0, 999999):06d}] eth{r.randint(0, 3)}: link up, {r.choice([100, 1000, 10000])} Mbps",
            f"[{r.randint(0, 99999)}.{r.randint(0, 999999):06d}] usb {r.randint(1, 4)}-{r.randint(1, 9)}: new device number {r.randint(1, 120)}",
            f"CRON[{r.randint(1000, 65000)}]: ({r.choice(_USERS)}) CMD (run-parts /etc/cron.hourly)",
            f"systemd[1]: Started Session {r.randint(1, 99999)} of user {r.choice(_USERS)}.",
        ])
        return f"{_syslog_ts(r)} host{r.randint(1, 9)} {msg}"
    # rare long line (a few KiB), like stack dumps or block lists
    return f"{_iso_ts(r)} DEBUG dump " + " ".join(f"blk_{r.randint(10**12, 10**13)}" for _ in range(r.randint(50, 200)))


def synth_corpus(out, size, seed=20240501):
    log(f"generating synthetic corpus {out} ({size} bytes, fallback generator)")
    r = random.Random(seed)
    pool = [(synth_line(r) + "\n").encode() for _ in range(40000)]
    tmp = out + ".tmp"
    n = 0
    with open(tmp, "wb") as o:
        while n < size:
            r.shuffle(pool)
            chunk = b"".join(pool)
            o.write(chunk)
            n += len(chunk)
    os.replace(tmp, out)


def corpus_ok(path):
    return os.path.isfile(path) and CORPUS_SIZE <= os.path.getsize(path) < CORPUS_SIZE + 64 * MiB


def line_cut(path, limit):
    """Largest offset <= limit that ends a line (just after a newline)."""
    size = os.path.getsize(path)
    if size <= limit:
        return size
    with open(path, "rb") as f:
        pos = limit
        while pos > 0:
            start = max(0, pos - MiB)
            f.seek(start)
            i = f.read(pos - start).rfind(b"\n")
            if i >= 0:
                return start + i + 1
            pos = start
    raise HarnessError(f"{path}: no newline in the first {limit} bytes")


def line_cut_from(path, start, limit):
    """The length of the longest run of whole lines starting at start within limit bytes."""
    with open(path, "rb") as f:
        f.seek(start + limit)
        f.readline()
        end = min(f.tell(), os.path.getsize(path))
    return end - start


def isal_floor_binary(tmpdir):
    """bench/isal_floor.c compiled for this run (the cat-gzip floor), or None."""
    out = os.path.join(tmpdir, "isal-floor")
    src = os.path.join(REPO, "bench", "isal_floor.c")
    r = subprocess.run(["cc", "-O2", "-o", out, src, "-lisal"], stdout=sys.stderr, stderr=sys.stderr)
    return out if r.returncode == 0 else None


def simdjson_where_binary(tmpdir):
    """bench/simdjson_where.cpp compiled for this run (where-json's simdjson anchor), or None
    when libsimdjson-dev is missing."""
    out = os.path.join(tmpdir, "simdjson-where")
    src = os.path.join(REPO, "bench", "simdjson_where.cpp")
    if not shutil.which("g++"):
        return None
    r = subprocess.run(["g++", "-O3", "-march=native", "-std=c++17", "-o", out, src, "-lsimdjson"],
                       stdout=sys.stderr, stderr=sys.stderr)
    return out if r.returncode == 0 else None


def copy_prefix(src, dst, n):
    tmp = dst + ".tmp"
    with open(src, "rb") as fi, open(tmp, "wb") as fo:
        left = n
        while left > 0:
            try:
                k = os.copy_file_range(fi.fileno(), fo.fileno(), min(left, 64 * MiB))
            except (AttributeError, OSError):
                k = fo.write(fi.read(min(left, 8 * MiB)))
            if k <= 0:
                raise HarnessError(f"short copy from {src}")
            left -= k
    os.replace(tmp, dst)


def make_huge_line(path):
    log(f"writing {path} (one {HUGE_LINE}-byte line)")
    unit = b"the quick brown fox jumps over the lazy dog 0123456789 "
    block = (unit * (MiB // len(unit) + 1))[:MiB]
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        for _ in range(HUGE_LINE // MiB):
            f.write(block)
        f.write(block[:HUGE_LINE % MiB])
        f.write(b"\n")
    os.replace(tmp, path)


def pattern_file(corpus, n, directory, seed=14, sample_bytes=20 * MiB):
    """A -F -f file of n distinct literals: IPs and words drawn from the corpus (a quarter of
    n at most each, words capped at 300 so that not every line matches), then random IPs and
    request ids that never occur. Deterministic for a corpus; cached in directory."""
    path = os.path.join(directory, f"patterns-{n}.txt")
    if os.path.isfile(path) and os.path.getmtime(path) >= os.path.getmtime(corpus):
        return path
    rng = random.Random(seed)
    with open(corpus, "rb") as f:
        text = f.read(sample_bytes).decode("latin-1")
    ips = sorted(set(re.findall(r"\b\d{1,3}(?:\.\d{1,3}){3}\b", text)))
    words = sorted(set(re.findall(r"[A-Za-z_][A-Za-z0-9_=.-]{5,}", text)))
    rng.shuffle(ips)
    rng.shuffle(words)
    out, seen = [], set()
    for p in ips[: n // 4] + words[: min(n // 4, 300)]:
        if p not in seen:
            seen.add(p)
            out.append(p)
    while len(out) < n:
        if rng.random() < 0.5:
            p = "%d.%d.%d.%d" % (rng.randrange(1, 255), rng.randrange(256), rng.randrange(256),
                                 rng.randrange(256))
        else:
            p = "req-%012x" % rng.getrandbits(48)
        if p not in seen:
            seen.add(p)
            out.append(p)
    rng.shuffle(out)
    with open(path, "w", encoding="latin-1") as f:
        f.write("\n".join(out) + "\n")
    return path


def regex_file(directory):
    """50 -E regexes that GNU ERE, PCRE2 and Rust's regex read alike."""
    path = os.path.join(directory, "regexes-50.txt")
    words = ["error", "fail(ed|ure)?", "timeout", "refused", "denied", "invalid user [a-z]+",
             "session (opened|closed)", "port [0-9]{4,5}", "blk_-?[0-9]+", "[0-9]+ms",
             "Exception", "WARN(ING)?", "Received disconnect", "authentication failure",
             "uid=[0-9]+", "BLOCK\\* NameSystem", "workerEnv\\.init", "mod_jk", "jk2_init",
             "PacketResponder [0-9]+", "Served block", "Deleting block", "Verification succeeded",
             "Receiving block", "10\\.251\\.[0-9]+\\.[0-9]+", "Package_for_KB[0-9]+",
             "CBS +Loaded", "Snapshotting", "QuorumPeer", "getRunningAppProcesses",
             "DisplayPowerController", "calculateCaloriesWithCache", "totalCalories=[0-9]+",
             "Step_[A-Za-z]+", "LeaseRenewer", "DFSClient_[A-Z_]+", "preauth", "Bye Bye",
             "rhost=[^ ]+", "user=[a-z]+", "sshd\\[[0-9]+\\]", "kernel: ", "CPU[0-9]+",
             "ActivityManager", "PowerManagerService", "HBM brightness", "notice\\]",
             "\\[error\\]", "Failed password for (invalid user )?[a-z]+", "connection (reset|closed)"]
    assert len(words) == 50, len(words)
    with open(path, "w") as f:
        f.write("\n".join(words) + "\n")
    return path


def prepare_inputs(args, need):
    d = args.dir
    os.makedirs(d, exist_ok=True)
    man = Manifest(d)
    inp = {"origin": None, "dir": d}
    if need & {"F", "G", "head"}:
        if args.corpus:
            F = os.path.abspath(args.corpus)
            if not os.path.isfile(F):
                raise HarnessError(f"--corpus {F}: no such file")
            inp["origin"] = f"user file {os.path.basename(F)}"
            G = None
            for cand in (os.path.join(d, os.path.basename(F) + ".gz"), F + ".gz"):
                if os.path.isfile(cand) and gzip_matches(cand, F):
                    G = cand
                    break
            if G is None and "G" in need:
                G = os.path.join(d, os.path.basename(F) + ".gz")
                make_gzip(F, G)
        else:
            F = os.path.join(d, "corpus.log")
            G = F + ".gz"
            if corpus_ok(F):
                log(f"reusing {F}")
            else:
                tool = os.environ.get("CORPUS_TOOL")
                tool = os.path.abspath(tool) if tool else os.path.normpath(DEFAULT_CORPUS_TOOL)
                made = False
                if os.path.isfile(tool):
                    argv = [tool] if os.access(tool, os.X_OK) else [sys.executable, tool]
                    log(f"building corpus with {os.path.basename(tool)} (this takes a while)")
                    r = subprocess.run(argv + [F, "--size", str(CORPUS_SIZE), "--gzip"],
                                       stdout=sys.stderr, stderr=sys.stderr)
                    made = r.returncode == 0 and corpus_ok(F)
                    if made:
                        man.record(F, None, origin="make-corpus")
                    else:
                        log(f"corpus tool failed (rc={r.returncode}); using the fallback generator")
                else:
                    log("corpus tool not found; using the fallback generator")
                if not made:
                    synth_corpus(F, CORPUS_SIZE)
                    man.record(F, None, origin="synthetic")
            inp["origin"] = man.get(F, "origin") or "existing corpus.log"
            if not gzip_matches(G, F):
                make_gzip(F, G)
        inp["F"], inp["G"] = F, G
        if "head" in need:
            size = os.path.getsize(F)
            if size >= 2 * HEAD_SIZE:
                limit, name = HEAD_SIZE, "corpus-100m.log"
            else:  # small test corpus: a tenth of it
                limit, name = max(size // 10, 1), "corpus-head.log"
            H = os.path.join(d, name)
            cut = line_cut(F, limit)
            if man.fresh(H, F, cut):
                log(f"reusing {H}")
            else:
                log(f"writing {H} ({cut} bytes)")
                copy_prefix(F, H, cut)
                man.record(H, F)
            inp["head"] = H
    for ext, (argv, _) in CODEC_COPIES.items():
        if ext in need:
            C = inp["F"] + "." + ext
            if os.path.isfile(C) and man.fresh(C, inp["F"], os.path.getsize(C)):
                log(f"reusing {C}")
            else:
                log(f"compressing {os.path.basename(inp['F'])} -> {C} ({' '.join(argv[:-1])})")
                with open(C + ".tmp", "wb") as out:
                    subprocess.run(argv + [inp["F"]], stdout=out, check=True)
                os.replace(C + ".tmp", C)
                man.record(C, inp["F"])
            inp[ext] = C
    if "doc" in need:
        # A copy of /usr/share/doc, made once (kept between runs).
        if not os.path.isdir(DOC_TREE):
            log(f"copying /usr/share/doc to {DOC_TREE}")
            subprocess.run(["cp", "-a", "/usr/share/doc", DOC_TREE], check=True)
        inp["doc"] = DOC_TREE
    if "rotated" in need:
        # Four 100 MB slices of the corpus, each gzip -6, as rotated logs are: consecutive on a
        # corpus of 400 MB or more, else starting evenly spread (overlapping, so that each is a
        # real 100 MB slice; on the 200 MB corpus, at 0, 1/3, 2/3 and the last 100 MB).
        paths, size = [], os.path.getsize(inp["F"])
        slice_size = min(ROTATED_SIZE, size)
        for k in range(4):
            R = os.path.join(d, f"rotated.{k + 1}.log.gz")
            start = k * slice_size if size >= 4 * slice_size else k * (size - slice_size) // 3
            if start > 0:  # from the start of the next line
                with open(inp["F"], "rb") as f:
                    f.seek(start - 1)
                    f.readline()
                    start = f.tell()
            cut = line_cut_from(inp["F"], start, slice_size)
            if not (os.path.isfile(R) and man.fresh(R, inp["F"], os.path.getsize(R))):
                log(f"writing {R}")
                with open(inp["F"], "rb") as src, open(R + ".tmp", "wb") as out:
                    src.seek(start)
                    z = subprocess.Popen(["gzip", "-6", "-c"], stdin=subprocess.PIPE, stdout=out)
                    left = cut
                    while left > 0:
                        block = src.read(min(left, 4 * MiB))
                        z.stdin.write(block)
                        left -= len(block)
                    z.stdin.close()
                    if z.wait() != 0:
                        raise HarnessError("gzip failed")
                os.replace(R + ".tmp", R)
                man.record(R, inp["F"])
            paths.append(R)
        inp["rotated"] = paths
    if "huge" in need:
        P = os.path.join(d, "one-line-300m.log")
        if os.path.isfile(P) and os.path.getsize(P) == HUGE_LINE + 1:
            log(f"reusing {P}")
        else:
            make_huge_line(P)
        inp["huge"] = P
    # Time-ordered logs with multi-line records (ISO, plain and gzip; mixed formats), made once.
    for key, fmt, gz in (("timed", "iso", False), ("timed-gz", "iso", True), ("timed-mixed", "mixed", False),
                         ("json", "json", False), ("logfmt", "logfmt", False)):
        if key not in need:
            continue
        T = os.path.join(d, f"timed-{fmt}-1g.log" + (".gz" if gz else ""))
        if os.path.isfile(T):
            log(f"reusing {T}")
        else:
            records = ["--records", "20"] if key.startswith("timed") else []
            # With --gzip, make-timed-log writes OUT and OUT.gz: it is given the plain name.
            argv = [TIMED_LOG_TOOL, T[:-3] if gz else T, "--format", fmt, "--size", str(1 << 30)] + records
            if gz:
                argv.append("--gzip")
            log("making " + T)
            subprocess.run(argv, check=True, env=dict(CHILD_ENV, TZ="UTC"), stdout=subprocess.DEVNULL)
        inp[key] = T
    if "timed-bgzf" in need:
        # The ISO log in BGZF (bgzip, from tabix): gzip members of 64 KiB of text with their sizes.
        plain = os.path.join(d, "timed-iso-1g.log")
        B = plain + ".bgz"
        if not (os.path.isfile(B) and man.fresh(B, plain, os.path.getsize(B))):
            if not have("bgzip"):
                raise HarnessError("bgzip (tabix) missing")
            log("writing " + B)
            with open(B + ".tmp", "wb") as out:
                subprocess.run(["bgzip", "-c", plain], stdout=out, check=True)
            os.replace(B + ".tmp", B)
            man.record(B, plain)
        inp["timed-bgzf"] = B
    if "merge" in need:
        inp["merge"], inp["merge-keyed"] = make_merge_inputs(d, man)
    return inp


# The four logs of merge-4 (format, gzip, seed) and the sortable key of each format's timestamp.
MERGE_LOGS = (("iso", False, 11), ("hadoop", False, 12), ("clf", False, 13), ("epoch", True, 14))
MERGE_SIZE = 100 * 1000 * 1000
_MONTHS = {m: i + 1 for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}
_MERGE_TS = {
    "iso": re.compile(rb"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})Z"),
    "hadoop": re.compile(rb"^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3})"),
    "clf": re.compile(rb"^\S+ \S+ \S+ \[(\d\d)/(\w{3})/(\d{4}):(\d\d):(\d\d):(\d\d) \+0000\]"),
    "epoch": re.compile(rb"^(\d{10})\.(\d{3}) "),
}


def merge_key(fmt, line):
    """Milliseconds since the epoch (UTC) of a line's timestamp, or None for a continuation line.
    Written independently of Sluice's LogTime: the oracle side of merge-4."""
    m = _MERGE_TS[fmt].match(line)
    if not m:
        return None
    g = m.groups()
    if fmt == "epoch":
        return int(g[0]) * 1000 + int(g[1])
    if fmt == "clf":
        y, mo, d, hh, mi, ss, ms = int(g[2]), _MONTHS[g[1].decode()], int(g[0]), int(g[3]), int(g[4]), int(g[5]), 0
    else:
        y, mo, d, hh, mi, ss, ms = (int(x) for x in g)
    days = (datetime.date(y, mo, d) - datetime.date(1970, 1, 1)).days
    return ((days * 24 + hh) * 60 + mi) * 60000 + ss * 1000 + ms


def make_merge_inputs(d, man):
    """Four time-ordered logs for merge-4 and, for sort -m, each with its records' times as a
    fixed-width prefix (continuation lines take their record's key; lines before the first
    timestamp key 0), so that sort -m -s on the prefix gives merge's order."""
    logs, keyed = [], []
    for fmt, gz, seed in MERGE_LOGS:
        L = os.path.join(d, f"merge-{fmt}-100m.log" + (".gz" if gz else ""))
        K = os.path.join(d, f"merge-{fmt}-100m.keyed")
        if not os.path.isfile(L):
            log("making " + L)
            # With --gzip, make-timed-log writes OUT and OUT.gz: it is given the plain name.
            argv = [TIMED_LOG_TOOL, L[:-3] if gz else L, "--format", fmt, "--size", str(MERGE_SIZE), "--records", "20",
                    "--seed", str(seed)] + (["--gzip"] if gz else [])
            subprocess.run(argv, check=True, env=dict(CHILD_ENV, TZ="UTC"), stdout=subprocess.DEVNULL)
        if not (os.path.isfile(K) and man.fresh(K, L, os.path.getsize(K))):
            log("writing " + K)
            opener = gzip.open if gz else open
            with opener(L, "rb") as src, open(K + ".tmp", "wb") as out:
                key = b"%015d" % 0
                for line in src:
                    k = merge_key(fmt, line)
                    if k is not None:
                        key = b"%015d" % k
                    out.write(key + b"\t" + line)
            os.replace(K + ".tmp", K)
            man.record(K, L)
        logs.append(L)
        keyed.append(K)
    return logs, keyed


def warm_cache(paths):
    for p in paths:
        log(f"warming page cache: cat {os.path.basename(p)} > /dev/null")
        subprocess.run(["cat", p], stdout=subprocess.DEVNULL, check=True)


# --------------------------------------------------------------------------
# running commands

class Cmd:
    def __init__(self, label, stages, *, stdin=None, sluice=False, ok_rc=(0,),
                 cmp=None, target=None, need=(), expect=None):
        self.label = label
        self.stages = stages            # list of argv lists, chained with pipes
        self.stdin = stdin              # file fed to the first stage's stdin
        self.sluice = sluice            # a sluice process: peak RSS is reported
        self.ok_rc = ok_rc              # accepted exit codes of the last stage
        self.cmp = cmp                  # "count" / "bytes" / "lines" (any order) / None: compare with sluice
        self.target = target            # ratio sluice/this <= target
        self.need = list(need)          # tools that must exist
        self.expect = expect            # expected count printed (sluice only)
        self.missing = None             # reason it cannot run
        self.walls = []
        self.once = False               # timed once (a slow anchor): see measure_row
        self.rss = []                   # KiB
        self.rss_exact = True
        self.out = None                 # (length, crc32, head bytes) from the warm-up
        self.failed = None
        self.stderr = ""                # standard error of the last run

    def shell(self):
        s = " | ".join(shlex.join(a) for a in self.stages)
        return s + (f" < {shlex.quote(self.stdin)}" if self.stdin else "")

    def median(self):
        return statistics.median(self.walls) if self.walls else None


class RunResult:
    pass


def run_once(cmd, capture, rss_wrap, tmpdir):
    """Run cmd once; stdout of the last stage goes to a pipe drained here."""
    res = RunResult()
    rss_file = os.path.join(tmpdir, "rss.txt") if rss_wrap else None
    if rss_file and os.path.exists(rss_file):
        os.unlink(rss_file)
    errs = [tempfile.TemporaryFile(dir=tmpdir) for _ in cmd.stages]
    stdin = open(cmd.stdin, "rb") if cmd.stdin else subprocess.DEVNULL
    procs = []
    buf = bytearray(MiB)
    view = memoryview(buf)
    total = 0
    crc = 0
    head = bytearray()
    killed = []

    def watchdog():
        killed.append(True)
        for p in procs:
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    timer = threading.Timer(RUN_TIMEOUT, watchdog)
    t0 = time.perf_counter()
    try:
        prev = stdin
        for i, argv in enumerate(cmd.stages):
            if cmd.sluice and rss_wrap and i == 0:
                argv = [TIME_BIN, "-f", "%M", "-o", rss_file] + argv
            last = i == len(cmd.stages) - 1
            p = subprocess.Popen(argv, stdin=prev, stdout=subprocess.PIPE, stderr=errs[i],
                                 env=CHILD_ENV, bufsize=0 if last else -1)
            if i > 0:
                prev.close()  # the parent's copy of the previous stage's stdout
            prev = p.stdout
            procs.append(p)
        timer.start()
        out = procs[-1].stdout
        while True:
            n = out.readinto(buf)
            if not n:
                break
            total += n
            if capture:
                crc = zlib.crc32(view[:n], crc)
                if len(head) < 64 * KiB:
                    head += view[:min(n, 64 * KiB - len(head))]
        out.close()
        timer.cancel()
        rcs, rus = [], []
        for p in procs:
            _, status, ru = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            rcs.append(p.returncode)
            rus.append(ru)
        res.wall = time.perf_counter() - t0
    finally:
        timer.cancel()
        if stdin is not subprocess.DEVNULL:
            stdin.close()
        for p in procs:
            if p.returncode is None:
                try:
                    p.kill()
                    p.wait()
                except OSError:
                    pass
    res.rcs = rcs
    res.ok = (not killed and all(rc == 0 for rc in rcs[:-1]) and rcs[-1] in cmd.ok_rc)
    res.timeout = bool(killed)
    res.length, res.crc, res.head = total, crc, bytes(head)
    res.rss_kib, res.rss_exact = None, False
    if cmd.sluice:
        if rss_wrap:
            res.rss_kib, res.rss_exact = parse_time_file(rss_file), True
        else:  # includes the harness's own peak RSS (exec keeps the spawner's high-water mark)
            res.rss_kib = rus[0].ru_maxrss
    res.stderr = ""
    for e in errs:
        e.seek(0)
        res.stderr += e.read(2000).decode(errors="replace")
        e.close()
    return res


def ints(data):
    nums = [int(x) for x in re.findall(rb"\d+", data)]
    return nums or [0]  # rg -c prints nothing when there is no match


def first_line(s):
    s = s.strip().splitlines()
    return s[0][:160] if s else ""


# --------------------------------------------------------------------------
# rows

class Row:
    def __init__(self, name, inputs, cmds=(), *, rss_limit=RSS_LIMIT_MIB, rss_every_run=True,
                 kind="std"):
        self.name = name
        self.inputs = inputs            # list of input paths (for the table and warming)
        self.cmds = list(cmds)          # cmds[0] is sluice
        self.rss_limit = rss_limit
        self.rss_every_run = rss_every_run
        self.kind = kind
        self.skip = None                # "bench binary missing" etc.
        self.notes = []
        self.checks = []                # (name, status)
        self.mismatch = []
        self.cells = {}

    def input_label(self):
        parts = []
        for p in self.inputs:
            try:
                parts.append(f"{os.path.basename(p)} ({os.path.getsize(p) / MiB:.0f} MiB)")
            except OSError:
                parts.append(os.path.basename(p))
        if self.kind == "follow":
            many = getattr(self, "many", 0)
            return f"temp file, {FOLLOW_LINES} lines" + (f", among {many} followed files" if many else "")
        return " + ".join(parts) if parts else "-"


def build_rows(names, S, B, inp):
    F, G, H, P = inp.get("F"), inp.get("G"), inp.get("head"), inp.get("huge")
    grep_rc = (0, 1)
    rows = []
    for name in names:
        if name == "grep-c-literal":
            r = Row(name, [F], [
                Cmd("sluice", [[S, "grep", "-c", LIT, F]], sluice=True, ok_rc=grep_rc, cmp="count"),
                Cmd("grep", [["grep", "-c", LIT, F]], ok_rc=grep_rc, cmp="count", target=0.5),
                Cmd("rg", [["rg", "--no-mmap", "-c", LIT, F]], ok_rc=grep_rc, cmp="count",
                    target=1.5, need=["rg"]),
                Cmd("rg mmap", [["rg", "-c", LIT, F]], ok_rc=grep_rc, cmp="count", target=1.0, need=["rg"])])
        elif name == "grep-c-split":
            # Two workers, each on its half of the file (--split 1/2, 2/2), counts summed, as a
            # Spark job on two cores would run them; against one process and GNU grep.
            halves = " & ".join(shlex.join([S, "grep", "-c", "--split", f"{i}/2", LIT, F]) for i in (1, 2))
            r = Row(name, [F], [
                Cmd("sluice 2 splits", [["sh", "-c", f"({halves}; wait) | awk '{{s += $1}} END {{print s}}'"]],
                    sluice=True, cmp="count"),
                Cmd("sluice", [[S, "grep", "-c", LIT, F]], ok_rc=grep_rc, cmp="count"),
                Cmd("grep", [["grep", "-c", LIT, F]], ok_rc=grep_rc, cmp="count")])
        elif name == "split-overhead":
            # What one split costs beyond its bytes: a process, the seek, the partial first line
            # (one 1/4096 split of the file, about 256 KiB), against the same process on an empty file.
            r = Row(name, [F], [
                Cmd("sluice --split 2048/4096", [[S, "grep", "-c", "--split", "2048/4096", LIT, F]], sluice=True,
                    ok_rc=grep_rc),
                Cmd("sluice /dev/null", [[S, "grep", "-c", LIT, "/dev/null"]], ok_rc=grep_rc)])
        elif name == "grep-c-combine":
            # The same two workers writing partial results, added up by `sluice combine` (which
            # checks that the splits tile the file): the cost of --partial and combine.
            halves = " & ".join(shlex.join([S, "grep", "-c", "--partial", "--split", f"{i}/2", LIT, F]) for i in (1, 2))
            r = Row(name, [F], [
                Cmd("sluice 2 partials + combine", [["sh", "-c", f"({halves}; wait) | {shlex.quote(S)} combine"]],
                    sluice=True, ok_rc=grep_rc, cmp="count"),
                Cmd("sluice", [[S, "grep", "-c", LIT, F]], ok_rc=grep_rc, cmp="count")])
        elif name == "grep-ci-literal":
            r = Row(name, [F], [
                Cmd("sluice", [[S, "grep", "-ci", LIT, F]], sluice=True, ok_rc=grep_rc, cmp="count"),
                Cmd("rg -i", [["rg", "--no-mmap", "-ci", LIT, F]], ok_rc=grep_rc, cmp="count",
                    target=1.5, need=["rg"]),
                Cmd("rg -i mmap", [["rg", "-ci", LIT, F]], ok_rc=grep_rc, cmp="count", target=1.0, need=["rg"]),
                Cmd("grep -i", [["grep", "-ci", LIT, F]], ok_rc=grep_rc, cmp="count")])
        elif name == "grep-ci-literal-utf8":
            # -i in a UTF-8 locale: the literal keeps the SIMD prefilter (U+017F and U+0131,
            # which fold to s and i as GNU grep folds, send only the lines holding them to PCRE2).
            u = ["env", "LC_ALL=C.UTF-8"]
            r = Row(name, [F], [
                Cmd("sluice", [u + [S, "grep", "-ci", LIT, F]], sluice=True, ok_rc=grep_rc, cmp="count"),
                Cmd("rg -i", [u + ["rg", "--no-mmap", "-ci", LIT, F]], ok_rc=grep_rc, cmp="count",
                    target=1.5, need=["rg"]),
                Cmd("grep -i", [u + ["grep", "-ci", LIT, F]], ok_rc=grep_rc, cmp="count")])
        elif name == "grep-c-bre-alternation":
            # A BRE alternation of three literals (GNU's \|), against rg -e a -e b -e c.
            alts = [LIT, "Accepted", "session opened"]
            r = Row(name, [F], [
                Cmd("sluice", [[S, "grep", "-c", "\\|".join(alts), F]], sluice=True, ok_rc=grep_rc, cmp="count"),
                Cmd("rg -e -e -e", [["rg", "--no-mmap", "-c"] + [a for x in alts for a in ("-e", x)] + [F]],
                    ok_rc=grep_rc, cmp="count", target=1.5, need=["rg"]),
                Cmd("rg mmap", [["rg", "-c"] + [a for x in alts for a in ("-e", x)] + [F]],
                    ok_rc=grep_rc, cmp="count", target=1.0, need=["rg"]),
                Cmd("grep", [["grep", "-c", "\\|".join(alts), F]], ok_rc=grep_rc, cmp="count")])
        elif name == "grep-c-regex":
            r = Row(name, [F], [
                Cmd("sluice", [[S, "grep", "-c", "-E", REGEX, F]], sluice=True, ok_rc=grep_rc,
                    cmp="count"),
                Cmd("rg", [["rg", "--no-mmap", "-c", REGEX, F]], ok_rc=grep_rc, cmp="count",
                    target=2.0, need=["rg"]),
                Cmd("rg mmap", [["rg", "-c", REGEX, F]], ok_rc=grep_rc, cmp="count", target=1.0, need=["rg"])])
        elif name == "grep-n-frequent":
            r = Row(name, [F], [
                Cmd("sluice", [[S, "grep", "-n", FREQ, F]], sluice=True, ok_rc=grep_rc, cmp="bytes"),
                Cmd("grep", [["grep", "-n", FREQ, F]], ok_rc=grep_rc, cmp="bytes", target=0.5),
                Cmd("rg", [["rg", "--no-mmap", "-n", FREQ, F]], ok_rc=grep_rc, cmp="bytes",
                    need=["rg"])])
        elif name == "grep-c-gzip":
            r = Row(name, [G], [
                Cmd("sluice", [[S, "grep", "-c", LIT, G]], sluice=True, ok_rc=grep_rc, cmp="count"),
                Cmd("zcat|grep", [["zcat", G], ["grep", "-c", LIT]], ok_rc=grep_rc, cmp="count",
                    target=0.55),
                Cmd("ugrep -z", [["ugrep", "-z", "-c", LIT, G]], ok_rc=grep_rc, cmp="count",
                    target=0.9, need=["ugrep"]),
                Cmd("rg -z", [["rg", "-z", "-c", LIT, G]], ok_rc=grep_rc, cmp="count",
                    need=["rg"])])
        elif name == "cat-gzip":
            floor = inp.get("isal-floor")
            r = Row(name, [G], [
                Cmd("sluice", [[S, "cat", G]], sluice=True, cmp="bytes"),
                Cmd("C isal_inflate", [[floor or "isal-floor", G]], cmp="bytes", target=1.15,
                    need=[floor] if floor else ["isal-floor"]),
                Cmd("gzip -dc", [["gzip", "-dc", G]], cmp="bytes", target=0.55),
                Cmd("pigz -dc", [["pigz", "-dc", G]], cmp="bytes", need=["pigz"])])
        elif name in ("grep-c-zst", "grep-c-xz", "grep-c-bz2", "grep-c-lz4"):
            ext = name.rsplit("-", 1)[1]
            C, tool = inp[ext], CODEC_COPIES[ext][1]
            r = Row(name, [C], [
                Cmd("sluice", [[S, "grep", "-c", LIT, C]], sluice=True, ok_rc=grep_rc, cmp="count"),
                Cmd("ugrep -z", [["ugrep", "-z", "-c", LIT, C]], ok_rc=grep_rc, cmp="count",
                    target=1.0, need=["ugrep"]),
                Cmd(f"{tool} -dc|grep", [[tool, "-dc", C], ["grep", "-c", LIT]], ok_rc=grep_rc,
                    cmp="count"),
                Cmd(f"{tool} -dc|wc -l", [[tool, "-dc", C], ["wc", "-l"]], target=1.1)])
        elif name == "grep-c-4gz":
            R = inp["rotated"]
            r = Row(name, R, [
                Cmd("sluice", [[S, "grep", "-c", LIT] + R], sluice=True, ok_rc=grep_rc, cmp="bytes"),
                Cmd("ugrep -z", [["ugrep", "-z", "-c", LIT] + R], ok_rc=grep_rc, cmp="lines",
                    target=0.6, need=["ugrep"])])
        elif name == "gzip-1":
            r = Row(name, [F], [
                Cmd("sluice", [[S, "cat", F, "then", "gzip", "-1"]], sluice=True),
                Cmd("gzip -1", [["gzip", "-1", "-c", F]], target=0.5)])
        elif name == "zstd-3":
            r = Row(name, [F], [
                Cmd("sluice", [[S, "cat", F, "then", "zstd", "-3"]], sluice=True),
                Cmd("zstd -3", [["zstd", "-q", "-3", "-T1", "-c"]], stdin=F, target=1.0)])
        elif name == "count-plain":
            r = Row(name, [F], [
                Cmd("sluice", [[S, "cat", F, "then", "count"]], sluice=True, cmp="count"),
                Cmd("wc -l", [["wc", "-l"]], stdin=F, cmp="count", target=1.5)])
        elif name == "uniq-c":
            r = Row(name, [F], [
                Cmd("sluice", [[S, "uniq", "-c", F]], sluice=True, cmp="bytes"),
                Cmd("uniq -c", [["uniq", "-c", F]], cmp="bytes", target=1.0)])
        elif name == "count-gzip":
            r = Row(name, [G], [
                Cmd("sluice", [[S, "cat", G, "then", "count"]], sluice=True, cmp="count"),
                Cmd("zcat|wc", [["zcat", G], ["wc", "-l"]], cmp="count", target=0.55)])
        elif name == "tail-10":
            r = Row(name, [F], [
                Cmd("sluice", [[S, "tail", "-n", "10", F]], sluice=True, cmp="bytes"),
                Cmd("tail", [["tail", "-n", "10", F]], cmp="bytes")],
                rss_every_run=False, kind="tail")
        elif name == "follow-latency":
            r = Row(name, [], [
                Cmd("sluice", [[S, "tail", "-F"]], sluice=True),
                Cmd("tail", [["tail", "-F"]])], kind="follow")
        elif name == "follow-latency-1000":
            # The written file among 999 idle ones, under ulimit -n 1100 (rss: the follower's peak).
            u = ["sh", "-c", 'ulimit -n 1100 && exec "$@"', "sh"]
            r = Row(name, [], [
                Cmd("sluice", [u + [S, "tail", "-F"]], sluice=True),
                Cmd("tail", [u + ["tail", "-F"]])], kind="follow", rss_limit=64)
            r.many = FOLLOW_MANY
        elif name == "cat-pipe":
            # A stream read on the event loop: the corpus through a pipe into sluice cat, into a pipe.
            r = Row(name, [F], [
                Cmd("sluice", [["cat", F], [S, "cat"]], sluice=True),
                Cmd("cat|wc -c", [["cat", F], ["wc", "-c"]], target=1 / 0.9)])
        elif name in ("lib-pipe", "lib-pipe-dispatchio"):
            sub = {"lib-pipe": "stdin-bytes", "lib-pipe-dispatchio": "stdin-bytes-dispatchio"}[name]
            r = Row(name, [F], [
                Cmd("sluice-bench", [["cat", F], [B, sub, "-"]], sluice=True, cmp="count"),
                Cmd("cat|wc -c", [["cat", F], ["wc", "-c"]], cmp="count",
                    target=1 / 0.9 if sub == "stdin-bytes" else None)])
            if not os.access(B, os.X_OK):
                r.skip = "bench binary missing"
        elif name in ("lib-lines", "lib-lines-main", "lib-batches"):
            # lib-lines: the loop in a worker task, as a batch job runs it; lib-lines-main: the
            # same loop in top-level code on the main actor.
            sub = {"lib-lines": "lines-task", "lib-lines-main": "lines", "lib-batches": "batches"}[name]
            r = Row(name, [F], [
                Cmd("sluice-bench", [[B, sub, F]], sluice=True, cmp="count"),
                Cmd("wc -l", [["wc", "-l"]], stdin=F, cmp="count",
                    target=1.5 if sub == "batches" else 3.0)])
            if not os.access(B, os.X_OK):
                r.skip = "bench binary missing"
                r.notes.append(f"{name}: bench binary not found at {B}")
        elif name == "growth":
            r = Row(name, [H, F], [
                Cmd("sluice", [[S, "grep", "-c", LIT, F]], sluice=True, ok_rc=grep_rc),
                Cmd(f"sluice@{os.path.basename(H)}", [[S, "grep", "-c", LIT, H]], sluice=True,
                    ok_rc=grep_rc)], kind="growth")
        elif name == "huge-line":
            r = Row(name, [P], [
                Cmd("sluice", [[S, "cat", "--max-line-length", "512M", P, "then", "count"]],
                    sluice=True, expect=1)], rss_limit=HUGE_RSS_LIMIT_MIB)
        elif name in PATTERN_ROWS:
            which, n, extra = PATTERN_ROWS[name]
            pats = pattern_file(F, n, inp["dir"])
            X = inp[which]
            if which == "G":  # matching should hide behind inflating
                r = Row(name, [X], [
                    Cmd("sluice", [[S, "grep", "-c", "-F"] + extra + ["-f", pats, X]], sluice=True,
                        ok_rc=grep_rc, cmp="count"),
                    Cmd("sluice cat", [[S, "cat", X, "then", "count"]], target=1.05),
                    Cmd("zcat|grep", [["zcat", X], ["grep", "-c", "-F"] + extra + ["-f", pats]],
                        ok_rc=grep_rc, cmp="count")], rss_limit=PATTERN_RSS_LIMIT_MIB)
            else:
                tgt_rg, tgt_ug = {1000: (0.8, 1.0), 10000: (0.8, 1.0), 100000: (1.0, 1.0)}[n]
                if extra:
                    tgt_rg, tgt_ug = 1.0, None
                r = Row(name, [X], [
                    Cmd("sluice", [[S, "grep", "-c", "-F"] + extra + ["-f", pats, X]], sluice=True,
                        ok_rc=grep_rc, cmp="count"),
                    Cmd("grep", [["grep", "-c", "-F"] + extra + ["-f", pats, X]], ok_rc=grep_rc,
                        cmp="count", target=1.0 if n == 100000 else None),
                    Cmd("rg", [["rg", "--no-mmap", "-c", "-F"] + extra + ["-f", pats, X]],
                        ok_rc=grep_rc, cmp="count", target=tgt_rg, need=["rg"]),
                    Cmd("ugrep", [["ugrep", "-c", "-F"] + extra + ["-f", pats, X]], ok_rc=grep_rc,
                        cmp="count", target=tgt_ug, need=["ugrep"])],
                    rss_limit=PATTERN_RSS_LIMIT_MIB)
        elif name == "grep-E-f-50":
            pats = regex_file(inp["dir"])
            r = Row(name, [F], [
                Cmd("sluice", [[S, "grep", "-c", "-E", "-f", pats, F]], sluice=True, ok_rc=grep_rc,
                    cmp="count"),
                Cmd("grep -E", [["grep", "-c", "-E", "-f", pats, F]], ok_rc=grep_rc, cmp="count"),
                Cmd("rg", [["rg", "--no-mmap", "-c", "-f", pats, F]], ok_rc=grep_rc, cmp="count",
                    target=1.5, need=["rg"])], rss_limit=PATTERN_RSS_LIMIT_MIB)
        elif name == "grep-r-doc":
            # Every file decoded in-process (1,700 .gz) against ugrep -z; output into a pipe.
            D = inp.get("doc")
            r = Row(name, [], [
                Cmd("sluice", [[S, "grep", "-r", "-c", DOC_PATTERN, D]], sluice=True, ok_rc=(0, 1, 2)),
                Cmd("ugrep -z", [["ugrep", "-z", "-r", "-c", DOC_PATTERN, D]], ok_rc=(0, 1, 2), target=0.8,
                    need=["ugrep"]),
                Cmd("rg -z", [["rg", "-uuu", "-z", "-c", DOC_PATTERN, D]], ok_rc=(0, 1, 2), need=["rg"])])
        elif name == "grep-r-doc-raw":
            # The same tree with --no-decompress: bytes as they are, as grep -r and rg -uuu read them.
            D = inp.get("doc")
            r = Row(name, [], [
                Cmd("sluice", [[S, "grep", "-r", "-c", "--no-decompress", DOC_PATTERN, D]], sluice=True, ok_rc=(0, 1, 2)),
                Cmd("rg -uuu", [["rg", "-uuu", "-c", DOC_PATTERN, D]], ok_rc=(0, 1, 2), target=1.5, need=["rg"]),
                Cmd("grep -r", [["grep", "-r", "-c", DOC_PATTERN, D]], ok_rc=(0, 1, 2), target=1.0)])
        elif name in ("grep-E-f-50-gzip", "grep-e-three-gzip"):
            # matching should hide behind inflating
            args = (["-E", "-f", regex_file(inp["dir"])] if name == "grep-E-f-50-gzip"
                    else ["-e", LIT, "-e", "refused", "-e", "timeout"])
            r = Row(name, [G], [
                Cmd("sluice", [[S, "grep", "-c"] + args + [G]], sluice=True, ok_rc=grep_rc, cmp="count"),
                Cmd("sluice cat", [[S, "cat", G, "then", "count"]], target=1.05),
                Cmd("zcat|grep", [["zcat", G], ["grep", "-c"] + args], ok_rc=grep_rc, cmp="count")],
                rss_limit=PATTERN_RSS_LIMIT_MIB)
        elif name == "grep-e-three":
            three = ["-e", LIT, "-e", "refused", "-e", "timeout"]
            r = Row(name, [F], [
                Cmd("sluice", [[S, "grep", "-c"] + three + [F]], sluice=True, ok_rc=grep_rc, cmp="count"),
                Cmd("grep", [["grep", "-c"] + three + [F]], ok_rc=grep_rc, cmp="count"),
                Cmd("rg", [["rg", "--no-mmap", "-c"] + three + [F]], ok_rc=grep_rc, cmp="count",
                    target=1.2, need=["rg"])])
        elif name in ("time-window", "time-window-gzip"):
            T = inp.get("timed" if name == "time-window" else "timed-gz")
            cat = [] if name == "time-window" else [["zcat", T]]
            r = Row(name, [T], [
                Cmd("sluice", [[S, "since", WINDOW[0], T, "then", "until", WINDOW[1]]], sluice=True, cmp="bytes"),
                Cmd("awk", cat + [["awk", "-v", f"a={WINDOW[0]}", "-v", f"b={WINDOW[1]}", AWK_WINDOW] + ([] if cat else [T])],
                    cmp="bytes")])
        elif name == "time-window-bgzf":
            # issue 17: the same window on a bgzip'd copy, bisected by BGZF block, against zcat | awk.
            T = inp.get("timed-bgzf")
            r = Row(name, [T], [
                Cmd("sluice", [[S, "since", WINDOW[0], T, "then", "until", WINDOW[1]]], sluice=True, cmp="bytes"),
                Cmd("zcat|awk", [["zcat", T], ["awk", "-v", f"a={WINDOW[0]}", "-v", f"b={WINDOW[1]}", AWK_WINDOW]],
                    cmp="bytes", need=["bgzip"])])
        elif name == "grep-records":
            T = inp.get("timed")
            r = Row(name, [T], [
                Cmd("sluice", [[S, "grep", "--records", "-c", "Exception", T]], sluice=True, ok_rc=grep_rc),
                Cmd("sluice grep -c", [[S, "grep", "-c", "Exception", T]], ok_rc=grep_rc, target=1.5)])
        elif name == "lib-logtime":
            T = inp.get("timed-mixed")
            r = Row(name, [T], [
                Cmd("sluice-bench", [[B, "logtime", T]], sluice=True),
                Cmd("wc -l", [["wc", "-l"]], stdin=T)])
            # The issue's target: lines of the file (wc -l's count) per second of the whole
            # sluice-bench process (reading, splitting and parsing every line).
            r.lines_floor = 10e6
            if not os.access(B, os.X_OK):
                r.skip = "bench binary missing"
        elif name in ("where-json", "where-logfmt"):
            # Lines counted by wc -l on both sides: jq 1.6 rewrites numbers (2.0 as 2), so the
            # bytes differ; FieldsCLITests compares the lines themselves with jq's.
            T = inp.get(name.split("-")[1])
            cmds = [Cmd("sluice", [[S, "where", WHERE, T], ["wc", "-l"]], sluice=True, cmp="count")]
            if name == "where-json":
                cmds.append(Cmd("jq", [["jq", "-c", JQ_WHERE, T], ["wc", "-l"]], cmp="count", target=0.1, need=["jq"]))
                # The same job on simdjson's On-Demand API, every line parsed: the library the
                # hand-written field scanner is measured against (no target: information).
                sj = inp.get("simdjson-where")
                cmds.append(Cmd("C++ simdjson", [[sj or "simdjson-where", T], ["wc", "-l"]], cmp="count",
                                need=[sj] if sj else ["simdjson-where"]))
                cmds.append(Cmd("rg -c", [["rg", "--no-mmap", "-c", '"level":"error"', T]], target=3, need=["rg"]))
            else:
                cmds.append(Cmd("rg -c", [["rg", "--no-mmap", "-c", "level=error", T]], target=3, need=["rg"]))
            r = Row(name, [T], cmds)
        elif name == "count-by-json":
            T = inp.get("json")
            r = Row(name, [T], [
                Cmd("sluice", [[S, "count", "--by", "status", T], ["sort"]], sluice=True, cmp="bytes"),
                Cmd("jq|sort|uniq -c", [["jq", "-r", ".status", T], ["sort"], ["uniq", "-c"], ["sort"]], cmp="bytes",
                    target=0.1, need=["jq"])])
        elif name == "fields-json":
            T = inp.get("json")
            r = Row(name, [T], [
                Cmd("sluice", [[S, "fields", "--json", "ts,level,msg", T]], sluice=True, cmp="bytes"),
                Cmd("jq -c", [["jq", "-c", "{ts,level,msg}", T]], cmp="bytes", target=0.1, need=["jq"])])
        elif name == "count-by-capture":
            T = inp.get("logfmt")
            r = Row(name, [T], [
                Cmd("sluice", [[S, "grep", "-P", "(?<user>user=\\S+)", T, "then", "count", "--by", "user"], ["sort"]],
                    sluice=True, cmp="bytes"),
                Cmd("grep -oP|sort|uniq -c", [["grep", "-oP", "user=\\S+", T], ["sort"], ["uniq", "-c"], ["sort"]],
                    cmp="bytes", target=1.5)])
        elif name == "merge-4":
            # sort -m -s on the keyed copies (preparation not timed), its output with the key cut
            # off compared byte for byte with merge's (that check is timed too, no target).
            L, K = inp.get("merge"), inp.get("merge-keyed")
            sort_m = ["env", "LC_ALL=C", "sort", "-m", "-s", "-t", "\t", "-k1,1"] + K
            r = Row(name, L + K, [
                Cmd("sluice", [[S, "merge"] + L], sluice=True, cmp="bytes"),
                Cmd("sort -m", [sort_m], target=0.5),
                Cmd("sort -m|cut (check)", [sort_m, ["cut", "-f2-"]], cmp="bytes")])
            r.throughput_floor = 400  # MB/s of merged output
        else:
            raise HarnessError(f"unknown row {name}")
        for c in r.cmds:
            miss = [t for t in c.need if not have(t)]
            if miss:
                c.missing = f"{' '.join(miss)} missing"
        rows.append(r)
    return rows


SLOW_ANCHOR_S = 30.0


def measure_row(row, runs, time_ok, tmpdir):
    cmds = [c for c in row.cmds if not c.missing]
    sl = row.cmds[0]
    rounds = runs + 1
    for rnd in range(rounds):
        warm = rnd == 0
        for c in cmds:
            if c.failed or (not warm and c.once):
                continue
            wrap = c.sluice and time_ok and (warm or row.rss_every_run)
            res = run_once(c, capture=warm, rss_wrap=wrap, tmpdir=tmpdir)
            tag = "warm-up" if warm else f"run {rnd}/{runs}"
            if not res.ok:
                why = "timed out" if res.timeout else f"exit status {res.rcs}"
                c.failed = f"{why}: {first_line(res.stderr)}"
                log(f"{row.name}: {c.label} failed ({c.failed})")
                if c is sl:
                    return  # nothing to compare against: skip the rest of the row
                continue
            if warm:
                c.out = (res.length, res.crc, res.head)
                if not c.sluice and res.wall > SLOW_ANCHOR_S:
                    # An anchor this slow (GNU grep -Fi -f takes about 4 minutes on the corpus,
                    # jq several) is timed once: its warm-up is its one timed run.
                    c.walls.append(res.wall)
                    c.once = True
            else:
                c.walls.append(res.wall)
            c.stderr = res.stderr
            if c.sluice and res.rss_kib is not None and (wrap or not time_ok):
                c.rss.append(res.rss_kib)
                c.rss_exact = c.rss_exact and res.rss_exact
            log(f"{row.name}: {tag} {c.label} {res.wall:.4f}s")


def compare_outputs(row):
    sl = row.cmds[0]
    if sl.failed or sl.out is None:
        return
    if sl.expect is not None and ints(sl.out[2]) != [sl.expect]:
        row.mismatch.append(f"expected {sl.expect}")
        row.notes.append(f"{row.name}: sluice printed {sl.out[2][:80]!r}, expected {sl.expect}")
    for c in row.cmds[1:]:
        if not c.cmp or c.failed or c.out is None:
            continue
        if c.cmp == "count":
            same = ints(sl.out[2]) == ints(c.out[2])
        elif c.cmp == "lines":
            # The same lines in any order (ugrep -z searches files in threads and prints each
            # file's count as it finishes); both outputs are whole in the 64 KiB head.
            same = (sl.out[0] == c.out[0] == len(c.out[2])
                    and sorted(sl.out[2].splitlines()) == sorted(c.out[2].splitlines()))
        else:
            same = sl.out[:2] == c.out[:2]
        if not same:
            row.mismatch.append(c.label)
            if c.cmp == "count":
                row.notes.append(f"{row.name}: MISMATCH sluice {sl.out[2][:80]!r} vs {c.label} "
                                 f"{c.out[2][:80]!r}")
            else:
                row.notes.append(f"{row.name}: MISMATCH sluice {sl.out[0]} bytes crc {sl.out[1]:08x} "
                                 f"vs {c.label} {c.out[0]} bytes crc {c.out[1]:08x}")


def fmt_s(x):
    if x is None:
        return "-"
    return f"{x:.4f}" if x < 0.1 else f"{x:.3f}"


def rss_cell(cmds, time_ok):
    vals = [max(c.rss) for c in cmds if c.rss]
    if not vals:
        return "-", None
    exact = all(c.rss_exact for c in cmds if c.rss)
    peak = max(vals) / KiB
    text = " / ".join(f"{v / KiB:.1f}" for v in vals) if len(vals) > 1 else f"{peak:.1f}"
    return (text if exact else f"<={text}*"), peak


def finish_std_row(row, time_ok):
    """Fill cells and checks of a row measured by measure_row."""
    sl = row.cmds[0]
    cells = row.cells
    compare_outputs(row)
    if sl.failed:
        cells["sluice"] = "failed"
        row.notes.append(f"{row.name}: sluice failed: {sl.failed}")
    else:
        cells["sluice"] = fmt_s(sl.median())
    targets = []
    anchors = row.cmds[1:]
    for i, c in enumerate(anchors[:3]):
        if c.missing:
            cells[f"a{i}"] = f"{c.label}: missing"
        elif c.failed:
            cells[f"a{i}"] = f"{c.label}: failed"
            if not sl.failed:
                row.notes.append(f"{row.name}: anchor {c.label} failed: {c.failed}")
        else:
            cells[f"a{i}"] = f"{c.label} {fmt_s(c.median())}"
        ratio = None
        if sl.median() is not None and c.median():
            ratio = sl.median() / c.median()
            cells[f"r{i}"] = f"{ratio:.2f}"
        if c.target is not None:
            targets.append(f"{c.label}<={c.target:g}")
            if c.missing or (c.failed and not sl.failed):
                st = "anchor missing"
            elif sl.failed:
                st = "failed"
            elif c.label in row.mismatch:
                st = "MISMATCH"
            else:
                st = "yes" if ratio is not None and ratio <= c.target else "NO"
            row.checks.append((c.label, st))
    floor = getattr(row, "throughput_floor", None)
    if floor is not None:
        targets.append(f"output>={floor}MB/s")
        if sl.failed or sl.out is None or not sl.median():
            row.checks.append(("output MB/s", "failed"))
        else:
            rate = sl.out[0] / sl.median() / 1e6
            row.notes.append(f"{row.name}: sluice output {rate:.0f} MB/s")
            row.checks.append(("output MB/s", "yes" if rate >= floor else "NO"))
    lines_floor = getattr(row, "lines_floor", None)
    if lines_floor is not None:
        targets.append(f"lines>={lines_floor / 1e6:g}M/s")
        wc = next((c for c in anchors if c.label == "wc -l"), None)
        if sl.failed or not sl.median() or wc is None or wc.failed or wc.out is None:
            row.checks.append(("lines/s", "failed"))
        else:
            rate = ints(wc.out[2])[0] / sl.median()
            own = first_line(sl.stderr)
            row.notes.append(f"{row.name}: {rate / 1e6:.2f} M lines/s over the whole process; its own report: {own}")
            row.checks.append(("lines/s", "yes" if rate >= lines_floor else "NO"))
    sluices = [c for c in row.cmds if c.sluice]
    cells["rss"], peak = rss_cell(sluices, time_ok)
    targets.append(f"rss<={row.rss_limit}")
    if sl.failed:
        row.checks.append(("rss", "failed"))
    elif peak is not None:
        row.checks.append(("rss", "yes" if peak <= row.rss_limit else "NO"))
    row.targets = targets


def finish_growth(row, time_ok):
    big, small = row.cmds[0], row.cmds[1]
    compare_outputs(row)
    cells = row.cells
    failed = big.failed or small.failed
    cells["sluice"] = "failed" if failed else fmt_s(big.median())
    cells["a0"] = f"{os.path.basename(row.inputs[0])}: " + ("failed" if failed else fmt_s(small.median()))
    size_ratio = os.path.getsize(row.inputs[1]) / os.path.getsize(row.inputs[0])
    if not failed and small.median():
        tr = big.median() / small.median()
        cells["r0"] = f"x{tr:.1f}"
        row.notes.append(
            f"growth: {os.path.basename(row.inputs[0])} {small.median():.3f}s "
            f"(peak RSS {max(small.rss) / KiB if small.rss else float('nan'):.1f} MiB), "
            f"{os.path.basename(row.inputs[1])} {big.median():.3f}s "
            f"(peak RSS {max(big.rss) / KiB if big.rss else float('nan'):.1f} MiB); "
            f"time x{tr:.2f} for size x{size_ratio:.2f}")
    for c in (big, small):
        if c.failed:
            row.notes.append(f"growth: {c.label} failed: {c.failed}")
    cells["rss"], peak = rss_cell([big, small], time_ok)
    row.targets = [f"time ratio ~{size_ratio:.1f} (info)", f"rss<={row.rss_limit}"]
    if failed:
        row.checks.append(("rss", "failed"))
    elif peak is not None:
        row.checks.append(("rss", "yes" if peak <= row.rss_limit else "NO"))


# --- tail -n 10: time + bytes read

def strace_reads(argv, target):
    """Sum of read/pread64 return values of argv and its children (via strace)."""
    with tempfile.NamedTemporaryFile(suffix=".strace") as tf:
        subprocess.run(["strace", "-f", "-qq", "-s", "0", "-y", "-e", "trace=read,pread64",
                        "-o", tf.name] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=CHILD_ENV, timeout=RUN_TIMEOUT)
        with open(tf.name, errors="replace") as f:
            text = f.read()
    call = re.compile(r"^(?:(\d+) +)?(?:read|pread64)\(\d+(?:<(.*?)>)?,")
    resumed = re.compile(r"^(?:(\d+) +)?<\.\.\. (?:read|pread64) resumed>")
    ret = re.compile(r"\)\s+=\s+(-?\d+)")
    total = on_target = 0
    pending = {}
    real_target = os.path.realpath(target)
    for line in text.splitlines():
        m = call.match(line)
        if m:
            pid, path = m.group(1), m.group(2)
            if "<unfinished" in line:
                pending[pid] = path
                continue
        else:
            m = resumed.match(line)
            if not m:
                continue
            pid = m.group(1)
            path = pending.pop(pid, None)
        rets = ret.findall(line)
        if not rets:
            continue
        n = int(rets[-1])
        if n > 0:
            total += n
            if path and os.path.realpath(path) == real_target:
                on_target += n
    return total, on_target


def finish_tail(row, time_ok, have_strace):
    finish_std_row(row, time_ok)
    sl = row.cmds[0]
    row.targets.insert(0, f"time<={TAIL_TIME_LIMIT:g}s")
    row.targets.insert(1, "read<=1MiB")
    if sl.failed:
        row.checks.insert(0, ("time", "failed"))
        row.checks.insert(1, ("read", "failed"))
        return
    row.checks.insert(0, ("time", "yes" if sl.median() <= TAIL_TIME_LIMIT else "NO"))
    if not have_strace:
        row.checks.insert(1, ("read", "strace missing"))
        row.notes.append("tail-10: strace missing, bytes read not measured")
        return
    F = row.inputs[0]
    s_total, s_file = strace_reads(sl.stages[0], F)
    row.checks.insert(1, ("read", "yes" if s_total <= TAIL_READ_LIMIT else "NO"))
    note = (f"tail-10: bytes read (strace): sluice {s_total / KiB:.1f} KiB in all "
            f"({s_file / KiB:.1f} KiB from {os.path.basename(F)})")
    anchor = row.cmds[1]
    if not anchor.missing:
        a_total, a_file = strace_reads(anchor.stages[0], F)
        note += f"; GNU tail {a_total / KiB:.1f} KiB in all ({a_file / KiB:.1f} KiB from the file)"
    row.notes.append(note)


# --- tail -F latency

WRITER = r"""
import os, sys, time
path, n, interval_ns = sys.argv[1], int(sys.argv[2]), int(float(sys.argv[3]) * 1e6)
fd = os.open(path, os.O_WRONLY | os.O_APPEND)
pad = b"x" * 48
t0 = time.perf_counter_ns()
for i in range(n):
    wait = t0 + i * interval_ns - time.perf_counter_ns()
    if wait > 0:
        time.sleep(wait / 1e9)
    os.write(fd, b"%d seq=%d %s\n" % (time.perf_counter_ns(), i, pad))
os.close(fd)
"""


def vm_hwm_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def stop(p):
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout=3)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
    LIVE.discard(p)


def follow_once(argv, workdir, many=0):
    """Start a follower on a fresh file (among `many` - 1 idle ones), append stamped lines,
    return latencies (ms)."""
    fd, path = tempfile.mkstemp(prefix="follow-", suffix=".log", dir=workdir)
    os.close(fd)
    idle_dir = None
    idle = []
    if many > 1:
        idle_dir = tempfile.mkdtemp(prefix="follow-many-", dir=workdir)
        for i in range(many - 1):
            q = os.path.join(idle_dir, f"idle{i:04d}.log")
            with open(q, "w") as f:
                f.write(f"idle {i}\n")
            idle.append(q)
    err = tempfile.TemporaryFile(dir=workdir)
    out = {"lat": [], "received": 0, "rss_kib": None, "exited": None, "stderr": ""}
    p = subprocess.Popen(argv + [path] + idle, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=err, env=CHILD_ENV, bufsize=0, start_new_session=True)
    LIVE.add(p)
    writer = None
    try:
        deadline = time.monotonic() + (0.5 if many <= 1 else 3.0)
        while time.monotonic() < deadline:
            if p.poll() is not None:
                break
            time.sleep(0.02)
        if p.poll() is not None:
            out["exited"] = p.returncode
            return out
        writer = subprocess.Popen([sys.executable, "-c", WRITER, path, str(FOLLOW_LINES),
                                   str(FOLLOW_INTERVAL_MS)], start_new_session=True)
        LIVE.add(writer)
        rfd = p.stdout.fileno()
        pending = b""
        done_at = None
        while out["received"] < FOLLOW_LINES:
            ready, _, _ = select.select([rfd], [], [], 0.1)
            if ready:
                data = os.read(rfd, 1 << 16)
                now = time.perf_counter_ns()
                if not data:
                    out["exited"] = p.wait()
                    break
                lines = (pending + data).split(b"\n")
                pending = lines.pop()
                for ln in lines:
                    m = re.match(rb"(\d+) seq=", ln)
                    if m:
                        out["lat"].append((now - int(m.group(1))) / 1e6)
                        out["received"] += 1
            if writer.poll() is not None:
                done_at = done_at or time.monotonic()
                if time.monotonic() - done_at > 2.0:
                    break
        out["rss_kib"] = vm_hwm_kib(p.pid)
    finally:
        if writer is not None:
            stop(writer)
        stop(p)
        err.seek(0)
        out["stderr"] = err.read(2000).decode(errors="replace")
        err.close()
        os.unlink(path)
        if idle_dir:
            shutil.rmtree(idle_dir, ignore_errors=True)
    return out


def pct(xs, q):
    s = sorted(xs)
    return s[max(0, min(len(s) - 1, int(len(s) * q + 0.999999) - 1))]


def measure_follow(row, runs, workdir):
    sl, anchor = row.cmds
    res = {sl: [], anchor: []}
    lost = {sl: 0, anchor: 0}
    rss = []
    for rnd in range(runs + 1):
        for c in (sl, anchor):
            if c.failed or c.missing:
                continue
            o = follow_once(c.stages[0], workdir, getattr(row, "many", 0))
            if c is sl and o["rss_kib"]:
                rss.append(o["rss_kib"])
            if o["exited"] is not None and o["received"] < FOLLOW_LINES:
                c.failed = f"exited with status {o['exited']} {first_line(o['stderr'])}".strip()
                log(f"follow-latency: {c.label} {c.failed}")
                continue
            if rnd > 0:
                res[c].extend(o["lat"])
                lost[c] += FOLLOW_LINES - o["received"]
            lat = sorted(o["lat"])
            log(f"follow-latency: {'warm-up' if rnd == 0 else f'run {rnd}/{runs}'} {c.label} "
                f"{o['received']} lines, p50 {pct(lat, 0.5) if lat else float('nan'):.2f} ms")
        if sl.failed:
            break
    cells = row.cells
    row.targets = [f"p99<={FOLLOW_P99_LIMIT_MS:g}ms", f"rss<={row.rss_limit}"]
    if sl.failed:
        row.skip = "not implemented"
        row.notes.append(f"follow-latency: sluice tail -F {sl.failed}")
        cells["sluice"] = "not implemented"
        row.checks += [("p99", "not implemented"), ("rss", "not implemented")]
    else:
        xs = res[sl]
        p50, p99 = (pct(xs, 0.5), pct(xs, 0.99)) if xs else (None, None)
        cells["sluice"] = f"p50 {p50:.2f}ms p99 {p99:.2f}ms" if xs else "no lines"
        ok = xs and p99 <= FOLLOW_P99_LIMIT_MS and lost[sl] == 0
        row.checks.append(("p99", "yes" if ok else "NO"))
        if lost[sl]:
            row.notes.append(f"follow-latency: sluice lost {lost[sl]} of {FOLLOW_LINES * runs} lines")
        if rss:
            cells["rss"] = f"{max(rss) / KiB:.1f}"
            row.checks.append(("rss", "yes" if max(rss) / KiB <= row.rss_limit else "NO"))
    ys = res[anchor]
    if ys:
        cells["a0"] = f"tail -F p50 {pct(ys, 0.5):.2f}ms p99 {pct(ys, 0.99):.2f}ms"
        if res[sl]:
            cells["r0"] = f"{pct(res[sl], 0.99) / pct(ys, 0.99):.2f}"
        if lost[anchor]:
            row.notes.append(f"follow-latency: GNU tail lost {lost[anchor]} lines")
    elif anchor.failed:
        cells["a0"] = "tail -F: failed"
    row.notes.append(f"follow-latency: {FOLLOW_LINES} lines at {FOLLOW_INTERVAL_MS:g} ms per line, "
                     f"{runs} timed runs each, latency = read time - write stamp")


# --------------------------------------------------------------------------
# report

HEADERS = ["row", "input", "sluice median (s)",
           "anchor 1 median (s)", "ratio 1", "anchor 2 median (s)", "ratio 2",
           "anchor 3 median (s)", "ratio 3", "target", "met", "sluice peak RSS (MiB)"]


def met_cell(row):
    if row.skip:
        return row.skip
    parts = []
    mism = list(dict.fromkeys(row.mismatch + [n for n, s in row.checks if s == "MISMATCH"]))
    if mism:
        parts.append("MISMATCH: " + ",".join(mism))
    bad = [n for n, s in row.checks if s in ("NO", "failed")]
    if bad:
        parts.append("NO: " + ",".join(bad))
    if not parts:
        parts.append("yes" if any(s == "yes" for _, s in row.checks) else "-")
    other = {}
    for n, s in row.checks:
        if s not in ("yes", "NO", "failed", "MISMATCH"):
            other.setdefault(s, []).append(n)
    for s, ns in other.items():
        parts.append(f"{s}: {','.join(ns)}")
    return "; ".join(parts)


def table_rows(rows):
    out = []
    for r in rows:
        c = r.cells
        out.append([r.name, r.input_label(), c.get("sluice", "-"),
                    c.get("a0", ""), c.get("r0", ""), c.get("a1", ""), c.get("r1", ""),
                    c.get("a2", ""), c.get("r2", ""), " ".join(getattr(r, "targets", [])),
                    met_cell(r), c.get("rss", "-")])
    return out


def render_text(body):
    widths = [max(len(x) for x in col) for col in zip(HEADERS, *body)]
    keep = [i for i, w in enumerate(widths) if any(row[i] for row in body) or i < 3]
    lines = ["  ".join(HEADERS[i].ljust(widths[i]) for i in keep).rstrip(),
             "  ".join("-" * widths[i] for i in keep)]
    for row in body:
        lines.append("  ".join(row[i].ljust(widths[i]) for i in keep).rstrip())
    return "\n".join(lines)


def render_md(body):
    esc = lambda s: s.replace("|", "\\|")
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for row in body:
        lines.append("| " + " | ".join(esc(x) if x else " " for x in row) + " |")
    return "\n".join(lines)


def summary(rows):
    met = evaluated = 0
    skipped = {}
    for r in rows:
        for n, s in r.checks:
            if s in ("yes", "NO", "failed", "MISMATCH"):
                evaluated += 1
                met += s == "yes"
            else:
                skipped[s] = skipped.get(s, 0) + 1
    line = f"targets met: {met} of {evaluated}"
    if skipped:
        line += " (not evaluated: " + ", ".join(f"{v} {k}" for k, v in skipped.items()) + ")"
    return line


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description="Benchmark the sluice CLI against standard tools.")
    ap.add_argument("--sluice", help="sluice binary (default .build/release/sluice in the repo)")
    ap.add_argument("--bench-lib", help="library bench binary (default .build/release/sluice-bench)")
    ap.add_argument("--corpus", default=os.environ.get("CORPUS") or None,
                    help="use this plain log file instead of the generated 1 GiB corpus (env CORPUS)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per command (default 5)")
    ap.add_argument("--rows", help="comma-separated subset of: " + ",".join(ROW_NAMES))
    ap.add_argument("--dir", help="inputs and results directory (default .bench in the repo)")
    ap.add_argument("--prepare", action="store_true",
                    help="make the inputs the chosen rows need, and time nothing (so that the timed "
                         "runs can come later, on a quiet machine)")
    args = ap.parse_args()

    if args.runs < 1:
        ap.error("--runs must be >= 1")
    names = ROW_NAMES
    if args.rows:
        names = [n.strip() for n in args.rows.split(",") if n.strip()]
        bad = [n for n in names if n not in ROW_NAMES]
        if bad:
            ap.error(f"unknown row(s): {','.join(bad)}; valid: {','.join(ROW_NAMES)}")
    S = os.path.abspath(args.sluice) if args.sluice else os.path.join(REPO, ".build", "release", "sluice")
    B = (os.path.abspath(args.bench_lib) if args.bench_lib
         else os.path.join(REPO, ".build", "release", "sluice-bench"))
    args.dir = os.path.abspath(args.dir) if args.dir else os.path.join(REPO, ".bench")

    if any(n not in ("lib-lines", "lib-lines-main", "lib-batches") for n in names) and not os.access(S, os.X_OK):
        print(f"bench: sluice binary not found or not executable: {S}\n"
              f"       build it (swift build -c release) or pass --sluice PATH", file=sys.stderr)
        return 2

    ensure_tools()
    time_ok = gnu_time_works()
    if not time_ok:
        log("GNU time not available: sluice peak RSS comes from wait4 and includes the "
            "harness's own peak RSS (marked with *)")
    have_strace = have("strace")

    need = set()
    for n in names:
        need |= {"grep-c-gzip": {"G"}, "cat-gzip": {"G"}, "count-gzip": {"G"},
                 "follow-latency": set(), "follow-latency-1000": set(), "growth": {"F", "head"},
                 "huge-line": {"huge"}, "grep-F-f-10k-gzip": {"F", "G"}, "grep-F-f-1k-gzip": {"F", "G"},
                 "grep-F-f-100k-gzip": {"F", "G"}, "grep-Fi-f-1k-gzip": {"F", "G"}, "grep-E-f-50-gzip": {"G"},
                 "grep-e-three-gzip": {"G"}, "time-window": {"timed"}, "time-window-gzip": {"timed-gz"}, "time-window-bgzf": {"timed", "timed-bgzf"},
                 "grep-records": {"timed"}, "lib-logtime": {"timed-mixed"}, "grep-c-zst": {"F", "zst"}, "grep-c-xz": {"F", "xz"},
                 "grep-c-bz2": {"F", "bz2"}, "grep-c-lz4": {"F", "lz4"},
                 "grep-c-4gz": {"F", "rotated"}, "grep-r-doc": {"doc"}, "grep-r-doc-raw": {"doc"},
                 "where-json": {"json"}, "where-logfmt": {"logfmt"},
                 "count-by-json": {"json"}, "fields-json": {"json"}, "count-by-capture": {"logfmt"},
                 "merge-4": {"merge"}}.get(n, {"F"})
    inp = prepare_inputs(args, need)
    if "cat-gzip" in names:
        floor_dir = os.path.join(args.dir, "bin")
        os.makedirs(floor_dir, exist_ok=True)
        inp["isal-floor"] = isal_floor_binary(floor_dir)
    if "where-json" in names:
        bin_dir = os.path.join(args.dir, "bin")
        os.makedirs(bin_dir, exist_ok=True)
        inp["simdjson-where"] = simdjson_where_binary(bin_dir)
    rows = build_rows(names, S, B, inp)  # (also writes the pattern files)
    if args.prepare:
        log(f"inputs ready in {args.dir}; nothing timed (--prepare)")
        return 0
    warm_cache(sorted({p for r in rows for p in r.inputs if p}))

    started = time.strftime("%Y-%m-%d %H:%M:%S")
    finished, interrupted = [], False
    with tempfile.TemporaryDirectory(prefix="run-", dir=args.dir) as tmpdir:
        try:
            for r in rows:
                log(f"=== {r.name}")
                if r.kind == "follow":
                    measure_follow(r, args.runs, tmpdir)
                    finished.append(r)
                    continue
                if not r.skip:
                    measure_row(r, args.runs, time_ok, tmpdir)
                if r.kind == "tail":
                    finish_tail(r, time_ok, have_strace)
                elif r.kind == "growth":
                    finish_growth(r, time_ok)
                else:
                    finish_std_row(r, time_ok)
                if r.skip:  # nothing ran: every target of the row is "not evaluated"
                    r.checks = [(t, r.skip) for t in r.targets]
                    r.cells = {"sluice": "-", "rss": "-"}
                finished.append(r)
        except KeyboardInterrupt:
            # Stopped (Ctrl-C, SIGTERM): the rows finished so far are still reported and written.
            log(f"interrupted: reporting the {len(finished)} rows finished")
            interrupted = True
    rows = finished

    body = table_rows(rows)
    notes = [n for r in rows for n in r.notes]
    if not time_ok:
        notes.append("* RSS from wait4: includes the harness's own peak RSS, true value may be lower")
    final = summary(rows)
    print(render_text(body))
    if notes:
        print()
        for n in notes:
            print(f"- {n}")
    print()
    print(final)

    uname = os.uname()
    info = [
        f"# sluice benchmark results", "",
        f"- started {started}, {args.runs} timed runs per command (after 1 warm-up), medians; an anchor slower than {SLOW_ANCHOR_S:.0f} s in its warm-up is timed once",
        f"- machine: {uname.sysname} {uname.release} {uname.machine}, {os.cpu_count()} CPUs, "
        f"locale LANG={os.environ.get('LANG', '')} LC_ALL={os.environ.get('LC_ALL', '')}",
        f"- corpus: {inp.get('origin') or '-'}",
        f"- sluice: {S}",
        "- tools: " + "; ".join(tool_version(a) for a in (
            ["grep", "--version"], ["rg", "--version"], ["ugrep", "--version"],
            ["gzip", "--version"], ["pigz", "--version"], ["tail", "--version"])),
        f"- peak RSS: {'GNU time -f %M around the sluice process' if time_ok else 'wait4 ru_maxrss (upper bound)'}",
        "", render_md(body), "",
    ]
    info += [f"- {n}" for n in notes] + ["", final, "", "## commands", ""]
    for r in rows:
        for c in r.cmds:
            shown = c.shell() + (" FILE" if r.kind == "follow" else "")
            info.append(f"- {r.name} / {c.label}: `{shown}`" + (f" ({c.missing})" if c.missing else ""))
    with open(os.path.join(args.dir, "results.md"), "w") as f:
        f.write("\n".join(info) + "\n")
    log(f"wrote {os.path.join(args.dir, 'results.md')}")
    return 130 if interrupted else 0


def cleanup():
    for p in list(LIVE):
        try:
            stop(p)
        except Exception:
            pass


def _on_signal(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    for _sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(_sig, _on_signal)  # so that followers started here get stopped
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
    except HarnessError as e:
        print(f"bench: {e}", file=sys.stderr)
        sys.exit(2)
    finally:
        cleanup()
