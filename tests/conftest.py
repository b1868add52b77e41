"""Helpers for tests that run the project's roles through ansible-playbook on the controller.

Tests batch their cases as inventory hosts (all with a local connection), so one
ansible-playbook run covers many cases: its JSON report is read back host by host."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
# The checkout as the collection mlops.workstation (the link scripts/setup.sh makes), for the
# plugins that import its plugin_utils and module_utils.
sys.path.insert(0, str(ROOT / ".cache" / "collections"))


def load_script(name: str):
    """scripts/<name>.py as a module, for its tests."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class TaskResult:
    name: str
    changed: bool
    failed: bool
    msg: str
    result: dict = field(repr=False)


@dataclass
class PlaybookRun:
    returncode: int
    hosts: dict[str, list[TaskResult]]
    output: str

    def failed_task(self, host: str) -> TaskResult | None:
        return next((t for t in self.hosts.get(host, []) if t.failed), None)


def ansible_playbook() -> str:
    """The ansible-playbook next to the interpreter running pytest (the project's venv)."""
    local = Path(sys.executable).parent / "ansible-playbook"
    found = str(local) if local.exists() else shutil.which("ansible-playbook")
    if not found:
        pytest.skip("ansible-playbook is not installed")
    return found


def write_inventory(path: Path, hosts: dict[str, dict], group_vars: dict | None = None) -> Path:
    """An inventory of local-connection hosts, one per test case."""
    common = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, **(group_vars or {})}
    path.write_text(yaml.safe_dump({"all": {"vars": common, "hosts": hosts}}))
    return path


def run_playbook(playbook: str, inventory: Path, *, check: bool = False) -> PlaybookRun:
    """Run tests/playbooks/<playbook> on every host of the inventory."""
    env = dict(os.environ)
    env.update(
        # Not the project's ansible.cfg: its timing callback would print into the JSON report.
        ANSIBLE_CONFIG=str(ROOT / "tests" / "ansible.cfg"),
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_NOCOLOR="1",
    )
    command = [ansible_playbook(), "--inventory", str(inventory), str(PLAYBOOKS / playbook)]
    if check:
        command += ["--check", "--diff"]
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"no JSON from ansible-playbook:\n{proc.stdout}\n{proc.stderr}") from exc
    hosts: dict[str, list[TaskResult]] = {}
    for play in report.get("plays", []):
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                # A failed loop says "One or more items failed"; the items say why.
                messages = [str(result.get("msg", ""))] + [
                    str(item.get("msg", "")) for item in result.get("results", []) if item.get("failed")
                ]
                hosts.setdefault(host, []).append(
                    TaskResult(
                        name=task["task"]["name"],
                        changed=bool(result.get("changed")),
                        failed=bool(result.get("failed")),
                        msg="\n".join(m for m in messages if m),
                        result=result,
                    )
                )
    return PlaybookRun(proc.returncode, hosts, proc.stdout + proc.stderr)


def current_os() -> str:
    """This machine as the roles name it (Debian-12), so the OS check lets the tests through."""
    values = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
    name = values.get("NAME", "").strip('"').split()[0]
    version = values.get("VERSION_ID", "").strip('"').split(".")[0]
    return f"{name}-{version}"


def render_variants(
    base: Path, playbook: str, role: str, var_files: list[str], variants: dict[str, dict], facts: dict | None = None
) -> dict[str, Path]:
    """Render a role's templates once per variant (an inventory host each) in one playbook run.

    The role's defaults and vars files (var_files, in order) are the group vars, the variant's
    settings its host vars; each host renders into its own directory under base."""
    group_vars = dict(facts or {})
    for name in var_files:
        group_vars.update(yaml.safe_load((ROOT / "roles" / role / name).read_text()))
    hosts = {}
    for name, settings in variants.items():
        (base / name).mkdir()
        hosts[name] = {"render_dir": str(base / name), **settings}
    run = run_playbook(playbook, write_inventory(base / "inventory.yml", hosts, group_vars))
    assert run.returncode == 0, run.output
    return {name: base / name for name in variants}
