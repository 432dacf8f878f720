#!/usr/bin/env bash
# Builds the batch job (Examples/BatchJob, a separate package with a path dependency on this
# repository) in release mode, runs it on a folder of a plain log and three gzip slices made
# from the real-log corpus, and compares its answers with the shell line in its comment.
# Run by `make test`. Needs ../shared/bench/make-corpus beside the repository.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
corpus_tool="$repo/../shared/bench/make-corpus"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/logs"
if [ -x "$corpus_tool" ] || [ -f "$corpus_tool" ]; then
    python3 "$corpus_tool" "$work/all.log" --size 8000000 --seed 7 >/dev/null 2>&1 || "$corpus_tool" "$work/all.log" --size 8000000 --seed 7 >/dev/null
else
    echo "check.sh: $corpus_tool not found" >&2; exit 2
fi
total=$(wc -l < "$work/all.log")
quarter=$((total / 4))
split -l "$quarter" -d -a 1 "$work/all.log" "$work/part."
cp "$work/part.0" "$work/logs/auth.log"
for i in 1 2 3; do gzip -c "$work/part.$i" > "$work/logs/auth.log.$i.gz"; done
[ -f "$work/part.4" ] && gzip -c "$work/part.4" > "$work/logs/auth.log.4.gz"
(cd "$here" && swift build -c release --scratch-path "$repo/.build-batch-job" >/dev/null)
bin="$repo/.build-batch-job/release/batch-job"
got=$("$bin" "$work/logs")
regex='Failed password for (invalid user )?\S+ from \S+'
count=$(zcat -f "$work"/logs/* | grep -cP "$regex")
top=$(zcat -f "$work"/logs/* | grep -oP "$regex" | awk '{print $NF}' | sort | uniq -c | sort -k1,1nr -k2,2 | head -1 | awk '{print $2}')
first=$(ls "$work/logs" | sort | head -1)
failed=$(zcat "$work/failed.gz" | wc -l)
want_failed=$(zcat -f "$work/logs/$first" | grep -cP "$regex")
echo "batch-job: $got; shell: $count $top; failed.gz: $failed lines, shell: $want_failed"
[ "$got" = "$count $top" ] || { echo "check.sh: batch-job printed '$got', the shell line '$count $top'" >&2; exit 1; }
[ "$failed" = "$want_failed" ] || { echo "check.sh: failed.gz has $failed lines, expected $want_failed" >&2; exit 1; }
[ "$count" -gt 0 ] || { echo "check.sh: no matching lines: the check would prove nothing" >&2; exit 1; }
