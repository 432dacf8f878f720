#!/usr/bin/env bash
# Seed corpora for `make fuzz`, made from the fixtures: usage: fuzz-seeds.sh OUT_DIR
# Each fuzz input starts with one control byte (chunk size and options), then the data.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="$1"
mkdir -p "$out/gunzip" "$out/lines" "$out/plan" "$out/fields"
control=(07 40 63 01)  # a few chunk sizes, with and without the small line limit / kept CR
i=0
for f in "$here"/gzip/*.gz; do
  c=${control[$((i % 4))]}; i=$((i + 1))
  { printf "\\x$c"; head -c 60000 "$f"; } > "$out/gunzip/$(basename "$f")"
done
# Per codec: the codec fixtures of its format, and small streams written by its tool.
mkdir -p "$out/gzip" "$out/zstd" "$out/xz" "$out/bzip2" "$out/lz4"
cp "$out"/gunzip/* "$out/gzip/"
seq 1 3000 > "$out/.text"
for spec in "zstd:zstd -q -c" "zstd:zstd -q -19 -c" "xz:xz -c" "xz:xz -0 --check=sha256 -c" "xz:xz -9 --check=none -c" "xz:xz -1 --check=crc32 -c" \
            "bzip2:bzip2 -c" "bzip2:bzip2 -1 -c" "bzip2:bzip2 -5 -c" "bzip2:bzip2 -9 -c" "bzip2:bzip2 -3 -c" "zstd:zstd -q --no-check -c" \
            "lz4:lz4 -q -c" "lz4:lz4 -q --content-size -BD -c" "gzip:gzip -c"; do
  codec=${spec%%:*}; tool=${spec#*:}
  c=${control[$((i % 4))]}; i=$((i + 1))
  if command -v "${tool%% *}" >/dev/null; then
    { printf "\\x$c"; $tool < "$out/.text"; { $tool < "$out/.text" || true; } | head -c 200; } > "$out/$codec/tool-$i"
  fi
done
for f in "$here"/codecs/*; do
  case "$f" in *.zst) codec=zstd ;; *.xz) codec=xz ;; *.bz2) codec=bzip2 ;; *.lz4) codec=lz4 ;; *.gz) codec=gzip ;; *) continue ;; esac
  c=${control[$((i % 4))]}; i=$((i + 1))
  { printf "\\x$c"; head -c 60000 "$f"; } > "$out/$codec/$(basename "$f")"
done
rm -f "$out/.text"
for f in "$here"/text/*.log "$here"/gzip/*.expected; do
  c=${control[$((i % 4))]}; i=$((i + 1))
  { printf "\\x$c"; head -c 60000 "$f"; } > "$out/lines/$(basename "$f")"
done
n=0
while IFS= read -r line; do
  n=$((n + 1))
  printf '%s' "$line" | tr ' ' '\n' > "$out/plan/seed-$n"
done <<'SEEDS'
grep -c error app.log
grep -i -E timeout|refused a.log.1.gz a.log then grep -v healthcheck then head -n 20
cat a.log then grep -n -C 2 x then count
tail -n 10 -F --retry a.log
tail -c +5 a.log then number
cat --max-line-length 1M a.log then gzip -9
grep -e -x -w -o --color=always -m 3 -A 1 -B 2 x
grep -5 -h -H -l -L -q -s --label=x --line-buffered p
head -n -3 then tail -n +2 then skip
SEEDS
# fields: an expression line, then JSON / logfmt / plain / broken lines.
body='{"ts":"2024-05-13T08:00:00Z","level":"error","status":503,"a":{"b":[1,{"c":"\u00e9"}]},"msg":"x \"y\""}
ts=2024-05-13T08:00:01Z level=info status=200 a.b=1 msg="quoted \"v\"" bare
plain text line
{"level":"err
level="unterminated
{"a":{"b":1},"a":{"c":2}}'
k=0
for expr in 'level == "error" and status >= 500' 'a.b in (1, "x") or not has(level)' 'msg ~ "q.o" and ts >= 2024-05-13T08:00:00Z' \
            'not (status < 300) || level != "info"' 'has(x) and x <= -1.5e3' 'level == ' 'msg ~ "("'; do
  k=$((k + 1))
  printf '%s\n%s\n' "$expr" "$body" > "$out/fields/seed-$k"
done
echo "seeds in $out"
