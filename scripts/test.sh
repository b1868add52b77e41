#!/usr/bin/env bash
# The whole test suite, or one part of it, with a summary of what ran and how long it took.
#   scripts/test.sh all                  lint, ansible-test sanity, the release check, pytest, every scenario
#   scripts/test.sh lint                 yamllint, ansible-lint, ruff, the CI files (actionlint, their schemas)
#   scripts/test.sh release              the collection builds, the changelog lints, the EE's build context
#   scripts/test.sh unit | sanity
#   scripts/test.sh molecule [scenario]  one scenario, or all of them (default last)
# Expects the tools of requirements.txt on PATH (`make` puts .venv/bin first) and the test
# images built (tests/images/build.sh). Every step runs even when an earlier one failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit

# Plain output in logs (CI); colours on a terminal.
[ -t 1 ] || export NO_COLOR=1 PY_COLORS=0 ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0

summary=()
passed=0
failed=0

step() { # name command...
  local name=$1 start rc
  shift
  printf '\n==> %s\n' "$name"
  start=$(date +%s)
  "$@"
  rc=$?
  local took=$(($(date +%s) - start))
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1))
    summary+=("$(printf 'PASS  %-28s %5ss' "$name" "$took")")
  else
    failed=$((failed + 1))
    summary+=("$(printf 'FAIL  %-28s %5ss  (exit %s)' "$name" "$took" "$rc")")
  fi
}

scenarios() {
  # Role scenarios in name order, then `default` (the whole site), which builds on them.
  find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | xargs -n1 basename |
    grep -vx default | sort
  [ -f molecule/default/molecule.yml ] && echo default
}

run_lint() {
  step yamllint yamllint --strict .
  step ansible-lint ansible-lint --profile production
  step ruff ruff check .
  step ci-files scripts/check-ci-files.sh
}

run_release() {
  step release-check scripts/release-check.sh
  step execution-environment scripts/ee.sh
}

run_unit() {
  step pytest pytest tests
}

run_sanity() {
  step ansible-test-sanity scripts/sanity.sh
}

run_molecule() {
  local scenario
  for scenario in ${1:-$(scenarios)}; do
    step "molecule $scenario" molecule test --scenario-name "$scenario"
  done
}

suite_start=$(date +%s)
case ${1:-all} in
  lint) run_lint ;;
  unit) run_unit ;;
  sanity) run_sanity ;;
  release) run_release ;;
  molecule) run_molecule "${2:-}" ;;
  all)
    run_lint
    run_sanity
    run_release
    run_unit
    run_molecule
    ;;
  *) echo "usage: $0 [all|lint|sanity|release|unit|molecule [scenario]]" >&2; exit 2 ;;
esac

printf '\n==> Summary (%ss in all)\n' "$(($(date +%s) - suite_start))"
printf '%s\n' "${summary[@]}"
printf 'steps: %s passed, %s failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
