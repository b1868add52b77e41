#!/usr/bin/env bash
# Lock the development image's Python packages: a pip requirements file with every package
# pinned and hashed, resolved for the image's Python 3.9 on Debian 11 (glibc 2.31, x86_64) by
# uv, whichever Python this machine has. Point python_image_requirements_file at the lock: the
# image installs it with --require-hashes, and a changed lock is a new image tag.
#   scripts/lock.sh requirements.in [requirements.lock]     (make lock IN=... [OUT=...])
# The input names everything the venv holds, DVC (python_image_dvc_version) and its plugins too.
# uv reads no pip.conf: set UV_INDEX_URL for another index; it trusts the system's CAs.
set -euo pipefail
in=${1:?usage: scripts/lock.sh requirements.in [requirements.lock]}
out=${2:-${in%.in}.lock}
[ "$out" != "$in" ] || { echo "lock.sh: the lock would overwrite its input $in: name OUT" >&2; exit 2; }
uv pip compile "$in" --output-file "$out" --generate-hashes --native-tls --quiet \
  --python-version "${LOCK_PYTHON:-3.9}" --python-platform "${LOCK_PLATFORM:-x86_64-manylinux_2_31}" \
  --custom-compile-command "make lock IN=$in OUT=$out"
echo "[lock] $out: $(grep -c '^[A-Za-z0-9]' "$out") packages, for Python ${LOCK_PYTHON:-3.9}"
