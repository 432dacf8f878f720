#!/usr/bin/env python3
"""Sluice as the per-split worker of a Spark job: `grep -c PATTERN` over a big file or a
folder of rotated logs, planned with `sluice splits`, one Spark task per split, each running
`sluice grep -c PATTERN --split-bytes OFFSET:LENGTH FILE` on an executor, summed by Spark.

    python3 Examples/Spark/sluice_grep_count.py --sluice .build/release/sluice PATTERN PATH...

PATH is a file or a folder (its regular files are read, in name order). Prints the total and,
with --per-file, one `path:count` line per file, as `sluice grep -c PATTERN FILE...` does;
--check also runs that single process and exits 1 when the answers differ.

On a cluster, ship the binary with the job (`spark-submit --files sluice ...`, found in the
task's working directory) or install it on every node's PATH, and give paths the executors
can read (a shared file system). `--master` is spark-submit's when not given (local[*] when run
with python directly).
"""
import argparse
import json
import os
import subprocess
import sys
import time


def plan(sluice, paths, size):
    """The splits of the inputs, as `sluice splits` lists them (JSON Lines)."""
    out = subprocess.run([sluice, "splits", "--size", str(size)] + paths, check=True,
                         capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def inputs(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, n) for n in os.listdir(p) if os.path.isfile(os.path.join(p, n)))
        else:
            files.append(p)
    return [os.path.abspath(f) for f in files]


def count_split(sluice, pattern, split):
    """One task: the matching lines of one split (status 1, no match, is a count of 0)."""
    r = subprocess.run([sluice, "grep", "-c", "-h", "--split-bytes", "%d:%d" % (split["offset"], split["length"]),
                        "-e", pattern, "--", split["path"]],
                       capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise RuntimeError("sluice failed on %s: %s" % (split, r.stderr.strip()))
    return split["path"], int(r.stdout.strip())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pattern")
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--sluice", default="sluice", help="the worker binary (path on the executors, or a name on PATH)")
    ap.add_argument("--master", help="e.g. local[2]; default: spark-submit's, else local[*]")
    ap.add_argument("--split-size", default="128M", help="bytes per split, as `sluice splits --size` takes it")
    ap.add_argument("--per-file", action="store_true", help="print path:count per file too")
    ap.add_argument("--check", action="store_true", help="compare with one `sluice grep -c` process over the same files")
    args = ap.parse_args()

    sluice = os.path.abspath(args.sluice) if os.sep in args.sluice else args.sluice
    files = inputs(args.paths)
    started = time.monotonic()
    splits = plan(sluice, files, args.split_size)
    planned = time.monotonic()

    from pyspark.sql import SparkSession  # imported late: `--help` works without pyspark
    builder = SparkSession.builder.master(args.master) if args.master else SparkSession.builder
    spark = (builder.appName("sluice-grep-count")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    ready = time.monotonic()
    pattern = args.pattern
    rdd = spark.sparkContext.parallelize(splits, numSlices=max(1, len(splits)))
    per_file = dict(rdd.map(lambda s: count_split(sluice, pattern, s)).reduceByKey(lambda a, b: a + b).collect())
    done = time.monotonic()
    spark.stop()

    total = sum(per_file.values())
    if args.per_file:
        for f in files:
            print("%s:%d" % (f, per_file.get(f, 0)))
    print("total %d" % total)
    print("splits %d, plan %.2f s, spark start %.2f s, job %.2f s" % (len(splits), planned - started, ready - planned, done - ready),
          file=sys.stderr)

    if args.check:
        t = time.monotonic()
        r = subprocess.run([sluice, "grep", "-c", "-H", "-e", pattern, "--"] + files, capture_output=True, text=True)
        single_time = time.monotonic() - t
        if r.returncode not in (0, 1):
            sys.exit("single sluice failed: " + r.stderr)
        single = {}
        for line in r.stdout.splitlines():
            path, _, n = line.rpartition(":")
            single[path] = int(n)
        if single != {f: per_file.get(f, 0) for f in files}:
            for f in files:
                if single.get(f) != per_file.get(f, 0):
                    print("first difference: %s: spark %d, single process %s" % (f, per_file.get(f, 0), single.get(f)), file=sys.stderr)
                    break
            sys.exit(1)
        print("results equal: spark job %.2f s (%.2f s without start-up), single process %.2f s"
              % (done - started, done - ready, single_time))


if __name__ == "__main__":
    main()
