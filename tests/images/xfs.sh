#!/usr/bin/env bash
# A reflink-capable filesystem for molecule/dvc: an XFS image (reflink=1) loop-mounted at
# ~/.cache/mlops-molecule/xfs, which the scenario bind-mounts into its test hosts (a loop mount
# inside a container fails: no loop devices there). Needs root and xfsprogs. Safe to re-run:
# an existing mount is kept.
set -euo pipefail
cache=$HOME/.cache/mlops-molecule
image=$cache/xfs.img
mount_point=$cache/xfs
log() { printf '[xfs] %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || { log "needs root (mkfs.xfs, mount -o loop); run: sudo $0"; exit 1; }
mkdir -p "$mount_point"
if mountpoint -q "$mount_point"; then
  log "$mount_point is mounted ($(stat -f -c %T "$mount_point"))"
  exit 0
fi
if [ ! -f "$image" ]; then
  # Made under another name and renamed once it holds a file system: a failed mkfs (no
  # xfsprogs yet) leaves no empty image behind for the next run to try to mount.
  truncate -s 4G "$image.new"
  mkfs.xfs -q -m reflink=1 "$image.new"
  mv "$image.new" "$image"
fi
mount -o loop "$image" "$mount_point"
mkdir -p "$mount_point/debian-12" "$mount_point/debian-13"
chmod 1777 "$mount_point/debian-12" "$mount_point/debian-13"
log "mounted $image at $mount_point ($(stat -f -c %T "$mount_point"))"
