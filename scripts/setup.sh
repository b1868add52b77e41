#!/usr/bin/env bash
# Create .venv with the pinned controller tools of requirements.txt. Safe to re-run: nothing
# is installed again unless requirements.txt changed since the last successful install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv=${VENV:-.venv}
python=${PYTHON:-python3}
stamp="$venv/.requirements.sha256"
wanted=$(sha256sum requirements.txt | cut -d' ' -f1)

# Earlier versions cached every host's facts here, its environment (proxy passwords) included.
rm -rf .cache/facts
# This checkout is the collection mlops.workstation (galaxy.yml): ansible.cfg's collections_path
# finds it through this link, so the roles call its modules and filters by their full names.
mkdir -p .cache/collections/ansible_collections/mlops
ln -sfn ../../../.. .cache/collections/ansible_collections/mlops/workstation

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && [ -x "$venv/bin/ansible-playbook" ]; then
  echo "[setup] $venv is up to date"
  exit 0
fi

if ! "$python" -m venv --help >/dev/null 2>&1 || ! "$python" -c 'import ensurepip' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[setup] installing python3-venv"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  else
    echo "[setup] $python cannot create virtual environments: sudo apt-get install python3-venv" >&2
    exit 1
  fi
fi

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
# pip trusts the system's CA store too, where a TLS-inspecting proxy's CA is added (an older
# pip trusts only its own bundle).
[ -n "${PIP_CERT:-}" ] || [ ! -r /etc/ssl/certs/ca-certificates.crt ] || export PIP_CERT=/etc/ssl/certs/ca-certificates.crt
echo "[setup] installing the pinned tools into $venv"
# (Some machines' pip configuration names local indexes that do not exist; pip warns once per
# package about them, which says nothing about this install.)
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt \
  2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2)
echo "$wanted" >"$stamp"
echo "[setup] done: $("$venv/bin/ansible" --version | head -n 1)"
