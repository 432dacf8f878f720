#!/usr/bin/env bash
# The inputs of `make spark-example`, made once in the folder $1: a 1 GiB log from
# ../shared/bench/make-corpus, rotated gzip logs (one split each) and a BGZF log (split at members).
set -euo pipefail
out=$1
corpus=${SPARK_CORPUS_SIZE:-1073741824}
mkdir -p "$out/rotated"
if [ ! -s "$out/app.log" ]; then
  python3 ../shared/bench/make-corpus "$out/app.log" --size "$corpus"
fi
if [ ! -s "$out/rotated/app.log.4.gz" ]; then
  # Four rotated files of 32 MiB each, gzip -1 (plain gzip: one split per file).
  for i in 1 2 3 4; do
    dd if="$out/app.log" bs=1M skip=$(( (i - 1) * 32 )) count=32 status=none | gzip -1 > "$out/rotated/app.log.$i.gz"
  done
fi
if [ ! -s "$out/rotated/app.bgz" ]; then
  head -c 134217728 "$out/app.log" | bgzip -c > "$out/rotated/app.bgz"
fi
ls -l "$out" "$out/rotated"
