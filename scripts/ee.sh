#!/usr/bin/env bash
# The execution environment's build context in .cache/ee: this checkout built as the collection
# mlops.workstation, then `ansible-builder create` (it writes the Containerfile and the context;
# it builds no image and pulls nothing). `make ee` runs it; `make test` too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rm -rf .cache/ee .cache/ee-collection
mkdir -p .cache/ee-collection
ansible-galaxy collection build --output-path .cache/ee-collection >/dev/null
# execution-environment.yml names the file without its version.
mv .cache/ee-collection/mlops-workstation-*.tar.gz .cache/ee-collection/mlops-workstation.tar.gz
ansible-builder create --file execution-environment.yml --context .cache/ee
