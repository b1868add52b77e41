#!/usr/bin/env bash
# `dvc checkout` of a 1 GiB dataset (64 files of 16 MiB) with each link type, from a cache on
# the same file system: seconds, and the disk the checkout took (df before and after).
#   dvc_checkout.sh WORK_DIR [TYPE...]    (default types: reflink hardlink symlink copy)
# Prints one line per type: "<type> <seconds> <extra MiB>", or "<type> n/a" where the file
# system cannot make that link. Run by scripts/benchmark_dvc.sh in molecule/dvc's test hosts,
# as the project owner; WORK_DIR is made and removed.
set -euo pipefail
work=$1
shift
types=("${@:-reflink hardlink symlink copy}")
read -r -a types <<<"${types[*]}"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
cd "$work"
dvc init --quiet --no-scm
dvc config --local cache.dir "$work/cache"
mkdir data
for i in $(seq 64); do head -c 16M /dev/urandom >"data/part-$i.bin"; done
dvc add --quiet data
used() { sync; df --output=used -B1M . | tail -n1; }
for type in "${types[@]}"; do
  dvc config --local cache.type "$type"
  rm -rf data
  before=$(used)
  start=$(date +%s%N)
  if dvc checkout --quiet data.dvc 2>/dev/null; then
    ms=$((($(date +%s%N) - start) / 1000000))
    printf '%s %d.%02d %d\n' "$type" $((ms / 1000)) $((ms % 1000 / 10)) $(($(used) - before))
  else
    echo "$type n/a"
  fi
done
