#!/usr/bin/env bash
# `dvc checkout` of a 1 GiB dataset (64 files of 16 MiB) with each link type, from a cache on
# the same file system: seconds, and the disk the checkout took (df before and after). The cache's
# files are evicted from the page cache before each checkout (posix_fadvise DONTNEED: a cold
# read of the data, as after a reboot; DVC's own code stays warm). First line: a checkout with
# nothing to do, DVC's fixed cost.
#   dvc_checkout.sh WORK_DIR [TYPE...]    (default types: reflink hardlink symlink copy)
# Prints one line per type: "<type> <seconds> <extra MiB>", or "<type> n/a" where the file
# system cannot make that link. Run by scripts/benchmark_dvc.sh; WORK_DIR is made and removed.
set -euo pipefail
work=$(realpath -m "$1")
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
cold() {
  sync
  python3 -c 'import os, sys
for root, _, files in os.walk(sys.argv[1]):
    for name in files:
        fd = os.open(os.path.join(root, name), os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)' "$work/cache"
}
cold
start=$(date +%s%N)
dvc checkout --quiet data.dvc
ms=$((($(date +%s%N) - start) / 1000000))
printf 'none %d.%02d 0\n' $((ms / 1000)) $((ms % 1000 / 10))
for type in "${types[@]}"; do
  dvc config --local cache.type "$type"
  rm -rf data
  before=$(used)
  cold
  start=$(date +%s%N)
  if dvc checkout --quiet data.dvc 2>/dev/null; then
    ms=$((($(date +%s%N) - start) / 1000000))
    printf '%s %d.%02d %d\n' "$type" $((ms / 1000)) $((ms % 1000 / 10)) $(($(used) - before))
  else
    echo "$type n/a"
  fi
done
