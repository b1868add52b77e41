#!/usr/bin/env bash
# ansible-test sanity on the collection: a copy of the committed files under
# .cache/sanity/ansible_collections/mlops/workstation (ansible-test reads the namespace and the
# name from the path). Its own virtual environments live in .cache/sanity/home, bootstrapped from
# PyPI: get-pip.py comes from a host these machines cannot reach, so a stand-in installs the pip
# it pins. Arguments go to ansible-test (default: every test it has).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
work=$root/.cache/sanity
copy=$work/ansible_collections/mlops/workstation
export HOME=$work/home
python=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')

# The pip ansible-test pins for its environments (get_venv_packages).
pip_version=$(python3 -c 'import ansible_test._internal.python_requirements as r, inspect, re
print(re.search(r"pip=.([0-9.]+)", inspect.getsource(r.get_venv_packages))[1])')
cache=$HOME/.ansible/test/cache
mkdir -p "$cache"
cat >"$cache/get_pip_${pip_version//./_}.py" <<EOF
# Stands in for get-pip.py: the pip that ships with Python, upgraded from PyPI to ansible-test's.
import subprocess
import sys

subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"], check=True)
subprocess.run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "pip==$pip_version"], check=True)
EOF

# The committed files and the ones about to be: what a release would hold.
rm -rf "$copy"
mkdir -p "$copy"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -x -C "$copy"
cd "$copy"
git init -q && git add -A
exec ansible-test sanity --local --python "$python" --color no "$@"
