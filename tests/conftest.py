"""Helpers for tests that run the project's roles through ansible-playbook on the controller."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"


@dataclass
class TaskResult:
    name: str
    changed: bool
    failed: bool
    skipped: bool
    msg: str
    result: dict = field(repr=False)


@dataclass
class PlaybookRun:
    returncode: int
    tasks: list[TaskResult]
    stderr: str

    @property
    def failed_task(self) -> TaskResult | None:
        return next((t for t in self.tasks if t.failed), None)

    @property
    def changed_tasks(self) -> list[TaskResult]:
        return [t for t in self.tasks if t.changed]


def ansible_playbook() -> str:
    """The ansible-playbook next to the interpreter running pytest (the project's venv)."""
    local = Path(sys.executable).parent / "ansible-playbook"
    found = str(local) if local.exists() else shutil.which("ansible-playbook")
    if not found:
        pytest.skip("ansible-playbook is not installed")
    return found


def run_playbook(playbook: str, extra_vars: dict, *, check: bool = False) -> PlaybookRun:
    """Run tests/playbooks/<playbook> against localhost and return its results task by task."""
    env = dict(os.environ)
    env.update(
        # Not the project's ansible.cfg: its timing callback would print into the JSON report.
        ANSIBLE_CONFIG=str(ROOT / "tests" / "ansible.cfg"),
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_NOCOLOR="1",
    )
    command = [
        ansible_playbook(),
        "--inventory", "localhost,",
        "--connection", "local",
        "--extra-vars", json.dumps({"ansible_python_interpreter": sys.executable, **extra_vars}),
        str(PLAYBOOKS / playbook),
    ]
    if check:
        command.append("--check")
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"no JSON from ansible-playbook:\n{proc.stdout}\n{proc.stderr}") from exc
    tasks = []
    for play in report.get("plays", []):
        for task in play["tasks"]:
            result = task["hosts"].get("localhost", {})
            # A failed loop reports "One or more items failed"; the items say why.
            messages = [str(result.get("msg", ""))] + [
                str(item.get("msg", "")) for item in result.get("results", []) if item.get("failed")
            ]
            tasks.append(
                TaskResult(
                    name=task["task"]["name"],
                    changed=bool(result.get("changed")),
                    failed=bool(result.get("failed")),
                    skipped=bool(result.get("skipped")),
                    msg="\n".join(m for m in messages if m),
                    result=result,
                )
            )
    return PlaybookRun(proc.returncode, tasks, proc.stderr)


def current_os() -> str:
    """This machine as the roles name it (Debian-12), so the OS check lets the tests through."""
    values = dict(
        line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line
    )
    name = values.get("NAME", "").strip('"').split()[0]
    version = values.get("VERSION_ID", "").strip('"').split(".")[0]
    return f"{name}-{version}"
