#!/usr/bin/env bash
# What a release needs, checked: the collection builds (galaxy.yml's version, its build_ignore)
# and the changelog's fragments and changelogs/changelog.yaml pass antsibull-changelog's lint.
# `make release-check` runs it; `make test` too. A release itself: add a release_summary fragment,
# raise galaxy.yml's version, then `antsibull-changelog release` writes CHANGELOG.rst.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
version=$(python -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["version"])')
rm -rf .cache/release
mkdir -p .cache/release
ansible-galaxy collection build --output-path .cache/release
test -s ".cache/release/mlops-workstation-$version.tar.gz"
antsibull-changelog lint
antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
echo "[release-check] mlops.workstation $version: the collection builds and the changelog is sound"
