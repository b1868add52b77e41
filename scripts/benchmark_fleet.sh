#!/usr/bin/env bash
# The whole site (site.yml) on a fleet: N fresh workstations at once (Debian 12 systemd
# containers, as molecule's), for each N given (default 1 4 8), wall time of the cold run per N;
# then, on the N=1 host, three warm re-runs (changed=0 expected) and their median, from here over
# `docker exec` and as a user runs it on the workstation itself (a local connection, inside the
# host: the project and this .venv mounted in). Writes the fleet section of docs/benchmarks.md.
#   scripts/benchmark_fleet.sh [N ...]
# FLEET_KEEP=1 leaves the last N's hosts running afterwards (fleet-01 ...), to look at or to
# re-run site.yml on: ansible-playbook -i .cache/fleet/inventory/hosts.yml site.yml
# FLEET_MODE=pull: a registry host and a builder first (playbooks/registry.yml, publish.yml,
# timed once), then the workstations pull the published image (python_image_source: pull)
# instead of building it; writes the FLEET_PULL section, without the warm re-runs.
# Expects .venv on PATH and the test images (`make benchmark` sees to both). Each host gets
# its own apt and pip caches, hard-linked from the warm ones the test suite keeps (shared
# packages without one host's apt lock holding up the others).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NO_COLOR=1 PY_COLORS=0 ANSIBLE_NOCOLOR=1 ANSIBLE_PIPELINING=1
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1 4 8)
mode=${FLEET_MODE:-build}
case $mode in build | pull) ;; *) echo "FLEET_MODE must be build or pull" >&2; exit 2 ;; esac
network=mlops-benchmark
registry=registry.benchmark.test:5000
out=docs/benchmarks.md
cache=${HOME}/.cache/mlops-molecule
work=.cache/fleet
log=.cache/benchmark-fleet.log
image=mlops-molecule:debian-12
venv_home=$(sed -n 's/^home = //p' .venv/pyvenv.cfg)
mkdir -p "$work" docs
: >"$log"

# The test hosts' capabilities (instead of --privileged), as molecule gives them: one list, in
# .config/molecule/config.yml.
read -r -a caps <<<"$(python -c 'import yaml
config = yaml.safe_load(open(".config/molecule/config.yml"))
print(" ".join(config["platforms"][0]["capabilities"]))')"

hosts_of() { # n -> names
  local i
  for i in $(seq 1 "$1"); do printf 'fleet-%02d\n' "$i"; done
}

remove_hosts() { # [label]: the workstations (fleet), or the registry and builder (fleet-infra)
  local label=${1:-fleet}
  docker ps -aq --filter "label=mlops-benchmark=$label" | xargs -r docker rm -f >/dev/null
  [ "$label" = fleet-infra ] || rm -rf "$work"/hosts
}

start_hosts() { # n | names..., with HOST_LABEL and HOST_ALIAS (for one host) in the environment
  local name args cap names
  mkdir -p "$work/hosts"
  if [[ $1 =~ ^[0-9]+$ ]]; then names=$(hosts_of "$1"); else names="$*"; fi
  docker network inspect "$network" >/dev/null 2>&1 || docker network create "$network" >/dev/null
  for name in $names; do
    mkdir -p "$work/hosts/$name"
    # Hard links: the packages are shared on disk, each host has its own directory and its own
    # lock file (a hard-linked lock would be one lock for every host).
    cp -al "$cache/apt/debian-12" "$work/hosts/$name/apt"
    rm -rf "$work/hosts/$name/apt/lock" "$work/hosts/$name/apt/partial"
    mkdir -p "$work/hosts/$name/apt/partial"
    cp -al "$cache/pip/debian-12" "$work/hosts/$name/pip" 2>/dev/null || mkdir -p "$work/hosts/$name/pip"
    args=(--detach --name "$name" --hostname "$name" --label "mlops-benchmark=${HOST_LABEL:-fleet}"
      --network "$network" ${HOST_ALIAS:+--network-alias "$HOST_ALIAS"}
      --cgroupns host --volume /sys/fs/cgroup:/sys/fs/cgroup:rw
      --tmpfs /run --tmpfs /run/lock --tmpfs "/var/lib/docker:rw,exec,dev,suid,size=8g"
      --volume "$PWD/$work/hosts/$name/apt:/var/cache/apt/archives:rw"
      --volume "$PWD/$work/hosts/$name/pip:/root/.cache/pip:rw"
      --volume "$cache/mlops-debootstrap-bullseye.tar:/opt/molecule/mlops-debootstrap-bullseye.tar:ro"
      --volume "$PWD/$work/project:/opt/project:rw" --volume "$PWD/.venv:$PWD/.venv:ro"
      --security-opt seccomp=unconfined --security-opt apparmor=unconfined)
    # The venv's Python, when it is not the system's (pyenv, a custom build).
    case $venv_home in
      /usr/* | /bin | /bin/*) ;;
      *) args+=(--volume "${venv_home%/bin}:${venv_home%/bin}:ro") ;;
    esac
    for cap in "${caps[@]}"; do args+=(--cap-add "$cap"); done
    docker run "${args[@]}" "$image" /lib/systemd/systemd >/dev/null
  done
}

# The project as committed, with the controller's extra CAs beside it, for the local runs.
copy_project() {
  rm -rf "$work/project"
  mkdir -p "$work/project/.ca"
  git archive HEAD | tar -x -C "$work/project"
  # The link scripts/setup.sh makes: ansible.cfg finds the collection through it.
  mkdir -p "$work/project/.cache/collections/ansible_collections/mlops"
  ln -sfn ../../../.. "$work/project/.cache/collections/ansible_collections/mlops/workstation"
  cp /usr/local/share/ca-certificates/*.crt "$work/project/.ca/" 2>/dev/null || true
  [ "$mode" = pull ] || return 0
  # The registry's CA and certificate, for its name on the benchmark's network.
  mkdir -p "$work/project/.registry"
  (
    cd "$work/project/.registry"
    openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=benchmark registry CA" \
      -addext "basicConstraints=critical,CA:TRUE" -keyout ca.key -out ca.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=${registry%:*}" -keyout registry.key -out registry.csr 2>/dev/null
    printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "${registry%:*}" >registry.ext
    openssl x509 -req -in registry.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 7 \
      -extfile registry.ext -out registry.pem 2>/dev/null
  )
}

group_vars() { # directory-holding-the-CAs [path-of-that-directory-on-the-host]
  local ca
  echo "        workstation_user_name: alice"
  echo "        python_image_base_source: archive"
  echo "        python_image_base_image: mlops-debootstrap:bullseye"
  echo "        python_image_base_archive: /opt/molecule/mlops-debootstrap-bullseye.tar"
  echo "        python_image_base_archive_remote_src: true"
  echo "        python_image_requirements: [toolz==1.0.0]"
  echo "        workstation_ca_certificates: ["
  for ca in "$1"/*.crt; do
    [ -e "$ca" ] || continue
    echo "          {name: controller-$(basename "$ca" .crt), src: ${2:-$1}/$(basename "$ca")},"
  done
  echo "        ]"
  [ "$mode" = pull ] || return 0
  local dir=${2:-$1}
  dir=${dir%/.ca}/.registry
  echo "        python_image_source: pull"
  echo "        python_image_registry: $registry"
  echo "        python_image_registry_username: bench"
  echo "        python_image_registry_password: bench-password"
  echo "        python_image_digest_file: $dir/python-image.digest"
  echo "        docker_registry_ca_certificates:"
  echo "          $registry: \"{{ lookup('ansible.builtin.file', '$dir/ca.pem') }}\""
  echo "        python_image_user_name: alice"
  echo "        python_image_user_uid: 1000"
  echo "        python_image_user_gid: 1000"
}

# The inventory a user of the workstation itself would have (inside the host). Group vars go
# in group_vars/workstations.yml: in the inventory file itself they would rank below the
# project's group_vars/all.yml.
write_local_inventory() {
  mkdir -p "$work/project/local/group_vars"
  {
    echo "all:"
    echo "  children:"
    echo "    workstations:"
    echo "      hosts:"
    echo "        localhost: {ansible_connection: local, ansible_python_interpreter: /usr/bin/python3}"
  } >"$work/project/local/hosts.yml"
  group_vars "$work/project/.ca" /opt/project/.ca | sed 's/^        //' >"$work/project/local/group_vars/workstations.yml"
}

write_inventory() { # n
  local name
  rm -rf "$work/inventory"
  mkdir -p "$work/inventory/group_vars"
  {
    echo "all:"
    echo "  children:"
    echo "    workstations:"
    echo "      hosts:"
    for name in $(hosts_of "$1"); do echo "        $name: {}"; done
    if [ "$mode" = pull ]; then
      echo "    image_registries:"
      echo "      hosts: {fleet-registry: {}}"
      echo "    image_builders:"
      echo "      hosts: {fleet-builder: {}}"
    fi
  } >"$work/inventory/hosts.yml"
  {
    echo "ansible_connection: community.docker.docker"
    echo "ansible_python_interpreter: /usr/bin/python3"
    group_vars "$PWD/$work/project/.ca" | sed 's/^        //'
  } >"$work/inventory/group_vars/workstations.yml"
  [ "$mode" = pull ] || return 0
  {
    echo "ansible_connection: community.docker.docker"
    echo "ansible_python_interpreter: /usr/bin/python3"
    group_vars "$PWD/$work/project/.ca" | sed 's/^        //' | grep -v '^python_image_source:'
  } >"$work/inventory/group_vars/image_builders.yml"
  {
    echo "ansible_connection: community.docker.docker"
    echo "ansible_python_interpreter: /usr/bin/python3"
    echo "registry_tls_certificate: \"{{ lookup('ansible.builtin.file', '$PWD/$work/project/.registry/registry.pem') }}\""
    echo "registry_tls_private_key: \"{{ lookup('ansible.builtin.file', '$PWD/$work/project/.registry/registry.key') }}\""
    echo "registry_users: [{name: bench, password: bench-password}]"
  } >"$work/inventory/group_vars/image_registries.yml"
}

seconds_of() { # command... -> prints elapsed seconds; output to the log
  local start ms
  start=$(date +%s%N)
  "$@" >>"$log" 2>&1
  ms=$((($(date +%s%N) - start) / 1000000))
  printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

# Busy CPU time of the whole machine so far, in clock ticks (user, nice, system, irq, softirq,
# steal of /proc/stat): what the hosts, their engines and the controller used together.
cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
hz=$(getconf CLK_TCK)
cores=$(nproc)

site() { ansible-playbook -i "$work/inventory/hosts.yml" --forks 10 site.yml; }
# What one module call costs on fleet-01 over docker exec: twenty stat calls, as a floor for
# the warm re-run (each of its module tasks costs at least this).
module_floor() {
  cat >"$work/floor.yml" <<'YAML'
- name: Time module calls
  hosts: fleet-01
  gather_facts: false
  tasks:
    - name: Stat a path twenty times
      ansible.builtin.stat:
        path: /
      loop: "{{ range(20) | list }}"
YAML
  ansible-playbook -i "$work/inventory/hosts.yml" "$work/floor.yml"
}
# site.yml on fleet-01 itself, with a local connection, as its user would run it there.
site_local() {
  docker exec -w /opt/project -e ANSIBLE_PIPELINING=1 -e ANSIBLE_NOCOLOR=1 fleet-01 \
    "$PWD/.venv/bin/ansible-playbook" -i local/hosts.yml site.yml
}

median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }

# Sums of the PLAY RECAP since byte $1 of the log: "ok changed failed unreachable".
recap_since() {
  tail -c +"$1" "$log" | awk '/PLAY RECAP/ { recap = 1; next }
    recap && /ok=/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); s[kv[1]] += kv[2] } }
    END { printf "%d %d %d %d\n", s["ok"], s["changed"], s["failed"], s["unreachable"] }'
}

cleanup() {
  [ "${FLEET_KEEP:-}" = 1 ] || remove_hosts
  remove_hosts fleet-infra
}
trap cleanup EXIT
copy_project
write_local_inventory
rows=""
one_host=""
publish=""
if [ "$mode" = pull ]; then
  echo "[fleet] pull mode: the registry and the builder, then publish" >&2
  remove_hosts fleet-infra
  HOST_LABEL=fleet-infra HOST_ALIAS=${registry%:*} start_hosts fleet-registry
  HOST_LABEL=fleet-infra start_hosts fleet-builder
  write_inventory 1
  sleep 3
  publish=$(seconds_of ansible-playbook -i "$work/inventory/hosts.yml" playbooks/registry.yml playbooks/publish.yml)
  [ -s "$work/project/.registry/python-image.digest" ] || { echo "[fleet] publishing failed: see $log" >&2; exit 1; }
fi
for n in "${sizes[@]}"; do
  echo "[fleet] N=$n: fresh hosts" >&2
  remove_hosts
  start_hosts "$n"
  write_inventory "$n"
  sleep 3 # systemd comes up
  mark=$(($(stat -c %s "$log") + 1))
  echo "[fleet] N=$n: site.yml, cold" >&2
  ticks=$(cpu_ticks)
  took=$(seconds_of site) || true
  busy=$(awk -v t="$(($(cpu_ticks) - ticks))" -v hz="$hz" 'BEGIN { printf "%.0f", t / hz }')
  read -r _ _ failed unreachable <<<"$(recap_since "$mark")"
  [ "$n" = 1 ] && one_host=$took && one_host_busy=$busy
  ratio=""
  [ -n "$one_host" ] && ratio=$(awk -v t="$took" -v o="$one_host" 'BEGIN { printf "%.2fx", t / o }')
  cores_busy=$(awk -v b="$busy" -v t="$took" 'BEGIN { printf "%.2f", b / t }')
  # The least time N hosts can take here if each needs what one host needed: N times its CPU
  # time on this machine's cores (never less than one host's wall time).
  least=""
  [ -n "$one_host" ] && least=$(awk -v n="$n" -v b="$one_host_busy" -v c="$cores" -v o="$one_host" \
    'BEGIN { f = n * b / c / o; printf "%.2fx", f < 1 ? 1 : f }')
  rows+="| $n | ${took} s | ${ratio} | ${busy} s, ${cores_busy} of ${cores} cores | ${least} |"
  rows+=" ${failed} failed, ${unreachable} unreachable |"$'\n'
  if [ "$n" = 1 ] && [ "$mode" = build ]; then
    # Three warm re-runs of each kind, the median reported: the first after a cold run also
    # carries the host settling (its engine, its timers).
    warm_runs=() local_runs=() warm_changed=0 warm_failed=0 local_changed=0 local_failed=0
    for run in 1 2 3; do
      echo "[fleet] N=1: warm re-run $run of 3" >&2
      mark=$(($(stat -c %s "$log") + 1))
      warm_runs+=("$(seconds_of site || true)")
      read -r _ changed failed _ <<<"$(recap_since "$mark")"
      warm_changed=$((warm_changed + changed)) warm_failed=$((warm_failed + failed))
      warm_profile=$(tail -c +"$mark" "$log" | python3 scripts/site_profile.py /dev/stdin --top 10)
      echo "[fleet] N=1: warm re-run $run of 3 on the host itself (local connection)" >&2
      mark=$(($(stat -c %s "$log") + 1))
      local_runs+=("$(seconds_of site_local || true)")
      read -r _ changed failed _ <<<"$(recap_since "$mark")"
      local_changed=$((local_changed + changed)) local_failed=$((local_failed + failed))
    done
    warm="$(median "${warm_runs[@]}") s (runs: ${warm_runs[*]})"
    local_warm="$(median "${local_runs[@]}") s (runs: ${local_runs[*]})"
    mark=$(($(stat -c %s "$log") + 1))
    seconds_of module_floor >/dev/null || true
    floor=$(tail -c +"$mark" "$log" | awk '/^Stat a path twenty times -+ / { sub("s$", "", $NF); printf "%.2f", $NF / 20 }')
  fi
done

if [ "$mode" = pull ]; then
  section=$(
    cat <<MD
<!-- BEGIN FLEET_PULL -->
## The fleet pulling one published image (FLEET_MODE=pull scripts/benchmark_fleet.sh)

The same fleet, but the image is built once: a registry host (playbooks/registry.yml, Debian's
docker-registry) and a builder (playbooks/publish.yml: Docker, the build, the push) first, on
the same machine, then N fresh workstations run site.yml with \`python_image_source: pull\`:
each logs in, pulls the published digest and tags it, instead of building. Columns as above.

Registry and builder, once (install, build, push): ${publish} s.

| hosts (N) | cold run, wall time | time / time of 1 host | CPU used (all processes) | CPU-bound least ratio | outcome |
| --- | --- | --- | --- | --- | --- |
${rows%$'\n'}

Goals: 8 hosts in 2.5 times one host's time or less; a cold workstation to a running
development container in 90 s or less (the N=1 row).
<!-- END FLEET_PULL -->
MD
  )
  printf '%s\n' "$section" | python3 scripts/doc_section.py FLEET_PULL "$out"
  echo "[fleet] wrote the fleet-pull section of $out" >&2
  printf '%s\n' "$section"
  exit 0
fi

section=$(
  cat <<MD
<!-- BEGIN FLEET -->
## The whole site on a fleet (scripts/benchmark_fleet.sh)

\`ansible-playbook site.yml\` on N fresh Debian 12 workstations at once (systemd containers on
this machine, reached with \`docker exec\`; forks 10, pipelining, the linear strategy). Every
host installs Docker, builds the Python 3.9 image in its own engine, sets up git and DVC and
starts the development container. Each host has its own apt and pip caches hard-linked from
the suite's warm ones, so no package is downloaded and no host waits on another's apt lock.
"CPU used" is the machine's busy CPU time during the run (/proc/stat: the hosts, their engines
and the controller together); "CPU-bound least ratio" is N times one host's CPU time over this
machine's cores, divided by one host's wall time: what N hosts cannot beat here when each needs
the CPU one host needed.

| hosts (N) | cold run, wall time | time / time of 1 host | CPU used (all processes) | CPU-bound least ratio | outcome |
| --- | --- | --- | --- | --- | --- |
${rows%$'\n'}

Warm re-run of site.yml on the provisioned host (N=1), changed=0 expected (the median of three
runs of each kind; changed and failed summed over the three):

| how | wall time | changed | failed |
| --- | --- | --- | --- |
| on the workstation itself (local connection, as a user runs it) | ${local_warm:-?} | ${local_changed:-?} | ${local_failed:-?} |
| from this controller over \`docker exec\` (as the fleet runs above) | ${warm:-?} | ${warm_changed:-?} | ${warm_failed:-?} |

Where the last warm re-run over \`docker exec\` spends its time (profile_tasks, through
\`scripts/site_profile.py\`); one module call costs ${floor:-?} s here at least (twenty \`stat\`
calls on the same host):

${warm_profile:-}

Goals: 8 hosts in 2.5 times one host's time or less; the warm re-run changed=0 in 30 s or less;
a cold fresh host to a ready development container in 4 minutes or less (the N=1 row).
<!-- END FLEET -->
MD
)
printf '%s\n' "$section" | python3 scripts/doc_section.py FLEET "$out"
echo "[fleet] wrote the fleet section of $out" >&2
printf '%s\n' "$section"
