#!/usr/bin/env bash
# The dvc role's figures, written into docs/benchmarks.md between the DVC markers (added at the
# end when missing; scripts/benchmark.sh runs this last):
#   - converge of molecule/dvc (Debian 12 and 13 at once: venv with DVC and plugins, cache,
#     projects, remotes) and its idempotent re-run
#   - `dvc checkout` of 1 GiB with each link type against copy (tests/benchmark/dvc_checkout.sh)
#     on Debian 12's file system (overlay on the machine's disk) and on Debian 13's XFS
# Expects .venv on PATH, the test images and the XFS mount (`make images`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NO_COLOR=1 PY_COLORS=0 ANSIBLE_NOCOLOR=1
out=docs/benchmarks.md
log=.cache/benchmark-dvc.log
mkdir -p docs .cache
: >"$log"

seconds() { # command... -> elapsed seconds, output in the log
  local start ms
  start=$(date +%s%N)
  "$@" >>"$log" 2>&1
  ms=$((($(date +%s%N) - start) / 1000000))
  printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}
steps() { local step; for step in "$@"; do molecule "$step" -s dvc >>"$log" 2>&1; done; }

echo "[benchmark] dvc scenario: create, prepare" >&2
steps cleanup destroy create prepare
echo "[benchmark] dvc converge and idempotent re-run" >&2
converge_s=$(seconds molecule converge -s dvc)
rerun_s=$(seconds molecule idempotence -s dvc)

checkout() { # host work-dir types...
  local host=$1 dir=$2
  shift 2
  docker cp tests/benchmark/dvc_checkout.sh "$host:/usr/local/bin/dvc_checkout.sh" >/dev/null
  docker exec "$host" install -d -o ana "$dir"
  docker exec "$host" sudo -u ana -H /usr/local/bin/dvc_checkout.sh "$dir/bench" "$@"
}
echo "[benchmark] dvc checkout of 1 GiB per link type" >&2
rows=$(
  checkout dvc-debian-12 /home/ana/bench hardlink symlink copy | sed 's/^/Debian 12, overlay on ext4 /'
  checkout dvc-debian-13 /mnt/xfs/ana/bench reflink hardlink symlink copy | sed 's/^/Debian 13, XFS (reflink=1) /'
)
steps cleanup destroy

table=$(awk '
  { fs = $1 " " $2 " " $3 " " $4 " " $5; type = $(NF - 2); secs[fs, type] = $(NF - 1); mib[fs, type] = $NF
    if (!(fs in seen)) { seen[fs] = 1; order[++n] = fs } types[fs] = types[fs] " " type }
  END {
    for (i = 1; i <= n; i++) {
      fs = order[i]; split(types[fs], list, " ")
      for (j in list) { t = list[j]; if (t == "copy") continue
        ratio = (secs[fs, t] > 0) ? sprintf("%.0fx", secs[fs, "copy"] / secs[fs, t]) : "-"
        printf "| %s | %s | %s s | %s MiB | %s s | %s MiB | %s |\n", fs, t, secs[fs, t], mib[fs, t], secs[fs, "copy"], mib[fs, "copy"], ratio }
    }
  }' <<<"$rows")

section=$(cat <<MD
<!-- BEGIN DVC -->
## DVC role (molecule/dvc: the dvc role alone, Debian 12 and 13 at once)

| | seconds |
| --- | --- |
| converge (DVC ${DVC_VERSION:-3.67.1} with dvc-s3 and dvc-ssh into a venv, pip cache warm; cache, 3 projects, remotes) | ${converge_s} |
| idempotent re-run | ${rerun_s} |

\`dvc checkout\` of a 1 GiB dataset (64 files of 16 MiB) from a cache on the same file system
(tests/benchmark/dvc_checkout.sh), each link type against \`copy\`; extra disk is \`df\`'s
used space after the checkout minus before it.

| file system | link type | checkout | extra disk | copy: checkout | copy: extra disk | faster than copy |
| --- | --- | --- | --- | --- | --- | --- |
${table}

Types the file system cannot make are left out (reflink on overlay/ext4). \`auto\` picks the
first row of each file system: reflink on XFS; on ext4 hardlink for a cache of one user,
symlink for a shared one (molecule/dvc's Debian 12 shares its cache, so its projects use
symlinks).
<!-- END DVC -->
MD
)

if grep -q '<!-- BEGIN DVC -->' "$out" 2>/dev/null; then
  python3 - "$out" "$section" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
open(path, "w").write(re.sub(r"<!-- BEGIN DVC -->.*<!-- END DVC -->", lambda _: section, text, flags=re.S))
PY
else
  printf '\n%s\n' "$section" >>"$out"
fi
echo "[benchmark] wrote the DVC section of $out" >&2
printf '%s\n' "$section"
