#!/usr/bin/env bash
# Measure the roles on fresh test hosts and write docs/benchmarks.md:
#   - docker: converge of the docker scenario (workstation + docker roles, Debian 12 and 13 in
#     parallel) and the idempotent re-run (the warm case a user sees on every later run)
#   - python_image, per host: a cold build (base image present, no image, no build cache), the
#     no-op re-run, a rebuild after a requirements change, and the image's size
#   - git: converge of the git role on the git scenario's hosts (Debian 12 `store`, 13 `cache`)
#     and its idempotent re-run
#   - dev_container: converge of the dev_container role on its scenario's hosts (Debian 12
#     through the Docker API, 13 through Compose) and its idempotent re-run
#   - dvc: scripts/benchmark_dvc.sh (`dvc checkout` of 1 GiB per link type against copy)
#   - fleet: scripts/benchmark_fleet.sh (site.yml on 1, 4 and 8 fresh hosts at once; warm re-run)
#   - with --suite, the whole test command (scripts/test.sh all) as well
# Expects .venv on PATH and the test images (`make benchmark` sees to both).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NO_COLOR=1 PY_COLORS=0 ANSIBLE_NOCOLOR=1
suite=false
[ "${1:-}" = --suite ] && suite=true
out=docs/benchmarks.md
mkdir -p docs .cache

seconds() { # command... -> elapsed seconds, command output in .cache/benchmark.log
  local start ms
  start=$(date +%s%N)
  "$@" >>.cache/benchmark.log 2>&1
  ms=$((($(date +%s%N) - start) / 1000000))
  printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

: >.cache/benchmark.log
molecule_steps() { # scenario step... -> runs each molecule step in turn, output in the log
  local scenario=$1 step
  shift
  for step in "$@"; do
    molecule "$step" -s "$scenario" >>.cache/benchmark.log 2>&1
  done
}
# Fresh hosts for a scenario (cleanup removes the service containers some scenarios start), and
# their removal afterwards.
scenario_up() { molecule_steps "$1" cleanup destroy create prepare; }
scenario_down() { molecule_steps "$1" cleanup destroy; }
# A scenario's converge on fresh, prepared hosts and its idempotent re-run: sets $converge_s and
# $rerun_s, and leaves the hosts up (scenario_down removes them).
converge_and_rerun() {
  echo "[benchmark] $1 scenario: create, prepare" >&2
  scenario_up "$1"
  echo "[benchmark] $1 converge and idempotent re-run" >&2
  converge_s=$(seconds molecule converge -s "$1")
  rerun_s=$(seconds molecule idempotence -s "$1")
}

converge_and_rerun docker
converge=$converge_s rerun=$rerun_s
scenario_down docker

# python_image: the role alone, through the scenario's inventory, one host at a time.
echo "[benchmark] python_image scenario: create, prepare, converge" >&2
scenario_up python_image
molecule_steps python_image converge
inventory=$(find "$HOME"/.ansible/tmp -maxdepth 2 -path '*/molecule.*.python_image/inventory' | head -n1)
bench() { # host extra-args...
  local host=$1
  shift
  ANSIBLE_ROLES_PATH=roles ansible-playbook -i "$inventory" --limit "$host" tests/benchmark/python_image.yml "$@"
}
# Seconds of the `docker build` task in the log written since byte $1 (profile_tasks).
build_step() {
  tail -c +"$1" .cache/benchmark.log | grep -E 'python_image : Run docker build -+' | tail -n1 | grep -oE '[0-9.]+s$' | tr -d s
}
image_rows=""
for host in python_image-debian-12 python_image-debian-13; do
  echo "[benchmark] python_image on $host" >&2
  bench "$host" -e bench_reset=true >>.cache/benchmark.log 2>&1
  mark=$(($(stat -c %s .cache/benchmark.log) + 1))
  cold=$(seconds bench "$host")
  cold_build=$(build_step "$mark")
  noop=$(seconds bench "$host")
  mark=$(($(stat -c %s .cache/benchmark.log) + 1))
  change=$(seconds bench "$host" -e '{"bench_extra_requirements": ["more-itertools==10.7.0"]}')
  change_build=$(build_step "$mark")
  size=$(docker exec "$host" sh -c "docker image inspect -f '{{.Size}}' mlops-dev:3.9")
  engine=$(docker exec "$host" docker version --format '{{.Server.Version}}')
  ratio=$(awk -v a="$change" -v b="$cold" 'BEGIN { printf "%d", 100 * a / b }')
  build_ratio=$(awk -v a="$change_build" -v b="$cold_build" 'BEGIN { printf "%d", 100 * a / b }')
  image_rows+="| ${host#python_image-} (Docker $engine) | ${cold} s (build ${cold_build} s) | ${noop} s |"
  image_rows+=" ${change} s, ${ratio}% of cold (build ${change_build} s, ${build_ratio}%) | $((size / 1000000)) MB |"$'\n'
done
scenario_down python_image

converge_and_rerun git
git_converge=$converge_s git_rerun=$rerun_s
git_config_step=$(grep -E 'git : Set the global git configuration -+' .cache/benchmark.log | tail -n1 | grep -oE '[0-9.]+s$' | tr -d s)
scenario_down git

converge_and_rerun dev_container
dev_converge=$converge_s dev_rerun=$rerun_s
scenario_down dev_container

suite_line="not measured in this run (\`scripts/benchmark.sh --suite\`)"
if $suite; then
  echo "[benchmark] whole suite" >&2
  suite_seconds=$(seconds scripts/test.sh all)
  suite_line="${suite_seconds} s"
fi

apt_cache="$(du -sh "$HOME/.cache/mlops-molecule/apt" 2>/dev/null | cut -f1 || echo none)"
cat >"$out" <<MD
# Benchmarks

Produced by \`scripts/benchmark.sh\` (\`make benchmark\`; add \`--suite\` to time the whole test
command too). Figures from one run; expect a few seconds of noise.

## Machine

| | |
| --- | --- |
| date | $(date -u +%Y-%m-%d) |
| CPU | $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) |
| memory | $(free -g | awk '/Mem:/ {print $2}') GiB |
| OS | $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r) |
| Docker engine | $(docker info --format '{{.ServerVersion}}') ($(docker info --format '{{.Driver}}'), cgroup v$(docker info --format '{{.CgroupVersion}}')) |
| tools | $(ansible --version | head -n1), molecule $(molecule --version | head -n1 | awk '{print $2}') |
| apt cache of the test hosts | $apt_cache (warm: packages are not downloaded again) |

## Docker role (molecule/docker: workstation + docker roles, Debian 12 and 13 at once)

| What | Time |
| --- | --- |
| converge on fresh hosts (installs docker.io, writes daemon.json, restarts, users) | ${converge} s |
| idempotent re-run (changed=0) | ${rerun} s |
| whole test command (\`make test\`: lint, pytest, every scenario) | ${suite_line} |

Both hosts run in parallel on 2 cores. Through molecule every task is a \`docker exec\` per
host, which dominates the re-run; the converge is mostly apt installing docker.io from the warm
package cache. The suite time excludes building the test images (about 2 minutes, once per
machine; \`tests/images/build.sh\` reuses them while their recipe is unchanged).

## Python image (python_image role alone on a provisioned host of molecule/python_image)

Python 3.9 on a Debian 11 base (Debian 12: loaded from a \`docker save\` archive; Debian 13:
bootstrapped), the requirements of the scenario, DVC $(sed -n 's/^python_image_dvc_version: "\(.*\)"/\1/p' roles/python_image/defaults/main.yml) and its
dependencies. Each figure is the whole \`ansible-playbook\` run, start-up and facts included;
"build" is its \`docker build\` task alone.

| Host | Cold build | No-op re-run | Rebuild after a requirements change | Image size |
| --- | --- | --- | --- | --- |
${image_rows}
Cold: the base image is present, the image and BuildKit's cache are not. The no-op re-run finds
the tag of its inputs' hash and builds nothing (goal: 10 s or less). The rebuild after adding a
requirement reuses every layer before the requirements step and pip's cache mount (goal: 40% of
a cold build or less). PyPI is reached over this machine's network; downloads dominate the cold
build. The rest of each run is Ansible's tasks (about 15 on the build path), each a \`docker
exec\` of a module into the test host here at 1 to 2 s, much less over SSH with pipelining.

## Git role (molecule/git: the git role alone, Debian 12 and 13 at once)

| What | Time |
| --- | --- |
| converge on prepared hosts (installs git, settings, a token, an SSH key, pinned host keys) | ${git_converge} s |
| idempotent re-run (changed=0) | ${git_rerun} s |
| of which the settings loop (one \`git_config\` call per key, about 12 keys) | ${git_config_step} s |

The re-run is almost all \`docker exec\` round trips (about 30 tasks and 20 loop items per host);
the settings loop is the largest share because community.general.git_config takes one key a call.

## Development container (molecule/dev_container: the dev_container role alone, Debian 12 and 13 at once)

| What | Time |
| --- | --- |
| converge on prepared hosts (networks, compose.yaml, devcontainer.json, the container) | ${dev_converge} s |
| idempotent re-run (changed=0) | ${dev_rerun} s |

The host checks (engine, networks, routes, paths) are read-only commands that run on every
re-run; the container itself is compared, not recreated. Debian 12 runs it through the Docker
API, Debian 13 through \`docker compose\` (a dry run on the re-run).
MD
echo "[benchmark] wrote $out" >&2
scripts/benchmark_dvc.sh >/dev/null
scripts/benchmark_fleet.sh >/dev/null
cat "$out"
