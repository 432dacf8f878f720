#!/usr/bin/env python3
"""Sluice as the per-split worker of a Spark job, checked against one sluice process.

    python3 Examples/Spark/sluice_job.py --sluice .build/release/sluice [--master local[2]] PATH...

PATH is a file or a folder (its regular files are read, in name order). The job plans its
tasks with `sluice splits` (one task per split of a file), runs three jobs over them, each
task a `sluice ... --split-bytes OFFSET:LENGTH FILE` subprocess on an executor:

  grep -c      `grep -c --partial --input-index I` per split, summed by `sluice combine`
               into one count per file, in input order;
  lines        the selected lines of each split, sorted by (file, split offset): the lines
               in the order one process prints them;
  count --by   `grep -P 'from (?<ip>...) port' ... then count --by ip --top N --partial`,
               combined by `sluice combine` (top N of the sums);

and compares each with one `sluice` process over the same files (same words, no split): it
prints `results equal` with both times per job, or shows the first difference and exits 1.

On a cluster, ship the binary with the job (`spark-submit --files sluice ...`, found in the
task's working directory) or install it on every node's PATH, and give paths the executors
can read (a shared file system). `--master` is spark-submit's when not given.
"""
import argparse
import json
import os
import subprocess
import sys
import time


def inputs(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, n) for n in os.listdir(p) if os.path.isfile(os.path.join(p, n)))
        else:
            files.append(p)
    return [os.path.abspath(f) for f in files]


def plan(sluice, files, size):
    """The splits of the inputs, as `sluice splits` lists them, each with its file's position."""
    out = subprocess.run([sluice, "splits", "--size", str(size)] + files, check=True, capture_output=True).stdout
    splits = [json.loads(line) for line in out.decode().splitlines()]
    position = {f: i for i, f in enumerate(files)}
    for s in splits:
        s["input"] = position[s["path"]]
    return splits


def run(sluice, words):
    """One sluice process: its output bytes; status 1 (nothing selected) is an answer too."""
    r = subprocess.run([sluice] + words, capture_output=True)
    if r.returncode not in (0, 1):
        raise RuntimeError("sluice %s failed (%d): %s" % (" ".join(words), r.returncode, r.stderr.decode(errors="replace").strip()))
    return r.returncode, r.stdout


class Job:
    """A job: the words of one task's worker (for a split), and of the single process."""

    def __init__(self, name, worker, single, combines):
        self.name, self.worker, self.single, self.combines = name, worker, single, combines


def jobs(pattern, capture, key, top, names):
    def byte_range(s):
        return ["--split-bytes", "%d:%d" % (s["offset"], s["length"])]

    return [
        Job("grep -c",
            lambda s: ["grep", "-c", "--partial", "--input-index", str(s["input"])] + byte_range(s) + ["-e", pattern, "--", s["path"]],
            lambda files: ["grep", "-c", "-e", pattern, "--"] + files, True),
        # Each task reads one file; the single process names lines when it reads several.
        Job("lines",
            lambda s: ["grep", names] + byte_range(s) + ["-e", pattern, "--", s["path"]],
            lambda files: ["grep", names, "-e", pattern, "--"] + files, False),
        Job("count --by",
            lambda s: ["grep", "-P"] + byte_range(s) + ["-e", capture, "--", s["path"],
                       "then", "count", "--by", key, "--top", str(top), "--partial", "--input-index", str(s["input"])],
            lambda files: ["grep", "-P", "-e", capture, "--"] + files + ["then", "count", "--by", key, "--top", str(top)], True),
    ]


def first_difference(a, b):
    la, lb = a.split(b"\n"), b.split(b"\n")
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return "line %d: spark %r, single process %r" % (i + 1, x[:200], y[:200])
    return "spark has %d lines, the single process %d" % (len(la) - 1, len(lb) - 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--sluice", default="sluice", help="the worker binary (path on the executors, or a name on PATH)")
    ap.add_argument("--master", help="e.g. local[2]; default: spark-submit's, else local[*]")
    ap.add_argument("--split-size", default="128M", help="bytes per split, as `sluice splits --size` takes it")
    ap.add_argument("--pattern", default="Failed password", help="the grep -c and lines jobs' pattern (BRE)")
    ap.add_argument("--capture", default=r"Failed password for .* from (?<ip>[0-9.]+) port",
                    help="the count --by job's PCRE2 pattern, with the named group --key")
    ap.add_argument("--key", default="ip")
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args()

    sluice = os.path.abspath(args.sluice) if os.sep in args.sluice else args.sluice
    files = inputs(args.paths)
    started = time.monotonic()
    splits = plan(sluice, files, args.split_size)
    planned = time.monotonic()

    from pyspark.sql import SparkSession  # imported late: `--help` works without pyspark
    builder = SparkSession.builder.master(args.master) if args.master else SparkSession.builder
    spark = (builder.appName("sluice-job")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    ready = time.monotonic()
    print("%d files, %d splits; plan %.2f s, spark start %.2f s" % (len(files), len(splits), planned - started, ready - planned))

    names = "-H" if len(files) > 1 else "-h"
    failed = False
    for job in jobs(args.pattern, args.capture, args.key, args.top, names):
        t = time.monotonic()
        worker = job.worker
        rdd = spark.sparkContext.parallelize(splits, numSlices=max(1, len(splits)))
        results = rdd.map(lambda s: ((s["input"], s["offset"]), run(sluice, worker(s))[1])).collect()
        results.sort(key=lambda r: r[0])  # by file, then split offset: the order one process reads them in
        if job.combines:
            # The partial results, in any order: combine sums them into one process's output.
            r = subprocess.run([sluice, "combine"], input=b"".join(out for _, out in reversed(results)), capture_output=True)
            status, output = r.returncode, r.stdout
            if status not in (0, 1):
                sys.exit("combine failed (%d): %s" % (status, r.stderr.decode(errors="replace")))
        else:
            output = b"".join(out for _, out in results)
            status = 0 if output else 1
        spark_time = time.monotonic() - t

        t = time.monotonic()
        single_status, single = run(sluice, job.single(files))
        single_time = time.monotonic() - t
        if output == single and status == single_status:
            print("%-10s results equal: %d lines, %d bytes; spark job %.2f s, single process %.2f s"
                  % (job.name, single.count(b"\n"), len(single), spark_time, single_time))
            if job.name == "grep -c":
                sys.stdout.write(output.decode(errors="replace"))
        else:
            failed = True
            print("%-10s DIFFERENT: %s (status: spark %d, single process %d)"
                  % (job.name, first_difference(output, single), status, single_status))
    spark.stop()
    print("all %.2f s" % (time.monotonic() - started))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
