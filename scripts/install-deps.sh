#!/usr/bin/env bash
# The one set-up step (`make deps`, run first by `make demo`, `make test` and .ci/run): finds the
# Debian packages that building and testing need and are missing, installs them with apt-get
# when run as root, and otherwise stops with the exact command to run.
set -euo pipefail

# header or command that shows the package is there, then the package
checks=(
  "/usr/include/zlib.h zlib1g-dev"
  "/usr/include/pcre2.h libpcre2-dev"
  "/usr/include/zstd.h libzstd-dev"
  "/usr/include/lzma.h liblzma-dev"
  "/usr/include/bzlib.h libbz2-dev"
  "/usr/include/lz4frame.h liblz4-dev"
  "/usr/include/isa-l.h libisal-dev"
  "/usr/include/hs/hs.h libvectorscan-dev"
  "cmd:pkg-config pkg-config"
  "cmd:python3 python3"
  "cmd:grep grep"
  "cmd:gzip gzip"
  "cmd:zstd zstd"
  "cmd:xz xz-utils"
  "cmd:bzip2 bzip2"
  "cmd:lz4 lz4"
  "cmd:bgzip tabix"
  "cmd:pigz pigz"
  "cmd:pbzip2 pbzip2"
  "cmd:lbzip2 lbzip2"
  "cmd:lzip lzip"
  "cmd:compress ncompress"
  "cmd:rg ripgrep"
  "cmd:tmux tmux"
)
need=()
for entry in "${checks[@]}"; do
  what=${entry% *}; pkg=${entry##* }
  if [[ $what == cmd:* ]]; then
    command -v "${what#cmd:}" >/dev/null 2>&1 || need+=("$pkg")
  else
    [ -e "$what" ] || need+=("$pkg")
  fi
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "installing: ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "sluice needs these Debian packages; run:" >&2
  echo "  sudo apt-get install ${need[*]}" >&2
  exit 1
fi
