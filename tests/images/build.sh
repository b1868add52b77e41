#!/usr/bin/env bash
# Build the local images the molecule scenarios run on, without any container registry:
#   mlops-molecule:debian-12 / :debian-13  systemd + python3 test hosts (debootstrap, docker import)
#   mlops-smoke:busybox                    a 2 MB image that tests load into the inner engines
#   mlops-debootstrap:bullseye             Debian 11 minbase (Python 3.9's release), saved as the
#                                          archive the python_image scenario `docker load`s
#
# Each image carries the label mlops.recipe-sha256, a hash of the files that make it. An image
# whose label matches is reused; a changed recipe rebuilds it. Safe to re-run.
#
# Usage: tests/images/build.sh [--force] [release ...]   (releases: bookworm trixie; default both)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=$HOME/.cache/mlops-molecule
force=false
releases=()
for arg in "$@"; do
  case $arg in
    --force) force=true ;;
    bookworm | trixie) releases+=("$arg") ;;
    *) echo "build.sh: unknown argument '$arg' (releases: bookworm trixie)" >&2; exit 2 ;;
  esac
done
[ ${#releases[@]} -gt 0 ] || releases=(bookworm trixie)

log() { printf '[images] %s\n' "$*" >&2; }

version_of() {
  case $1 in
    bookworm) echo 12 ;;
    trixie) echo 13 ;;
  esac
}

# The recipe of an image: the files that make it and the release it is made from.
recipe_hash() { # name file...
  local name=$1
  shift
  { cat "$@"; echo "$name"; } | sha256sum | cut -c1-64
}

current_label() {
  docker image inspect -f '{{ index .Config.Labels "mlops.recipe-sha256" }}' "$1" 2>/dev/null || true
}

up_to_date() { # image hash
  [ "$force" = false ] && [ "$(current_label "$1")" = "$2" ]
}

build_rootfs_image() { # release -> mlops-debootstrap:<release>
  local release=$1 image="mlops-debootstrap:$1" hash rootfs
  hash=$(recipe_hash "$release" "$here/build.sh")
  if up_to_date "$image" "$hash"; then
    log "$image is current"
    return
  fi
  rootfs=$(mktemp -d)
  log "debootstrap $release into $rootfs"
  debootstrap --variant=minbase "$release" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || {
    tail -n 20 "$rootfs.log" >&2
    umount "$rootfs/proc" "$rootfs/sys" 2>/dev/null || true
    exit 1
  }
  # Point apt at the same mirror over plain http; no recommends, as in Debian's own images.
  printf 'APT::Install-Recommends "false";\n' >"$rootfs/etc/apt/apt.conf.d/90-no-recommends"
  tar -C "$rootfs" -c . | docker import \
    --change "LABEL mlops.recipe-sha256=$hash" \
    --change 'CMD ["/bin/bash"]' - "$image" >/dev/null
  rm -rf "$rootfs" "$rootfs.log"
  log "imported $image"
}

build_host_image() { # release
  local release=$1 version hash image
  version=$(version_of "$release")
  hash=$(recipe_hash "$release" "$here/build.sh" "$here/Dockerfile" "$here/proc-sys-rw.service")
  image="mlops-molecule:debian-$version"
  if up_to_date "$image" "$hash"; then
    log "$image is current"
    return
  fi
  build_rootfs_image "$release"
  log "building $image"
  docker build --quiet \
    --build-arg "BASE_IMAGE=mlops-debootstrap:$release" \
    --label "mlops.recipe-sha256=$hash" \
    --tag "$image" "$here" >/dev/null
  log "built $image"
}

# A tiny image for "a container really runs" checks inside the test hosts: busybox-static from
# Debian's archive, saved as a tarball that scenarios copy in and `docker load`.
build_smoke_image() {
  local hash image=mlops-smoke:busybox work
  hash=$(recipe_hash smoke "$here/build.sh")
  mkdir -p "$cache"
  if up_to_date "$image" "$hash" && [ -s "$cache/mlops-smoke.tar" ]; then
    log "$image is current"
    return
  fi
  work=$(mktemp -d)
  (cd "$work" && apt-get download busybox-static >/dev/null 2>&1) || {
    apt-get update -qq && (cd "$work" && apt-get download busybox-static >/dev/null)
  }
  mkdir -p "$work/rootfs/bin"
  dpkg-deb --fsys-tarfile "$work"/busybox-static_*.deb | tar -x -C "$work" ./bin/busybox
  cp "$work/bin/busybox" "$work/rootfs/bin/busybox"
  for applet in sh echo cat id ls sleep wget nc hostname; do
    ln -s busybox "$work/rootfs/bin/$applet"
  done
  tar -C "$work/rootfs" -c . | docker import \
    --change "LABEL mlops.recipe-sha256=$hash" \
    --change 'CMD ["/bin/sh"]' - "$image" >/dev/null
  docker save -o "$cache/mlops-smoke.tar" "$image"
  rm -rf "$work"
  log "built $image, saved to $cache/mlops-smoke.tar"
}

# The base a site without a registry would bring as a `docker save` tarball: bullseye, whose
# python3 is 3.9, for python_image_base_source=archive.
build_archive_base() {
  local image=mlops-debootstrap:bullseye archive="$cache/mlops-debootstrap-bullseye.tar" hash
  hash=$(recipe_hash bullseye "$here/build.sh")
  if up_to_date "$image" "$hash" && [ -s "$archive" ]; then
    log "$archive is current"
    return
  fi
  build_rootfs_image bullseye
  docker save -o "$archive" "$image"
  log "saved $image to $archive"
}

command -v debootstrap >/dev/null || { echo "build.sh: debootstrap is not installed" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "build.sh: no Docker engine answers" >&2; exit 1; }

build_smoke_image
build_archive_base
for release in "${releases[@]}"; do
  build_host_image "$release"
done
