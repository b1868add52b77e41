"""site.yml's preflight on a fleet: a host whose settings conflict with its own state (a cache
directory that is a file, a published port another program holds, two networks with one subnet)
stops before anything changes on it, with a message naming the host and the variable; the other
hosts go on, and the summary at the end names the hosts that did not finish.

The hosts are this machine under several names (local connection), run with --check and only
the preflight step selected (`--tags preflight`; the summary always runs), so nothing here can
change the machine even if a check let a conflict through."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, ansible_playbook, current_os

ROLES = ("workstation", "docker", "python_image", "git", "dvc", "dev_container")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def held_port() -> Iterator[int]:
    """A port some other program listens on, for the length of the run."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, held_port):
    base = tmp_path_factory.mktemp("site-preflight")
    workspace = base / "workspace"
    workspace.mkdir()
    a_file = base / "not-a-directory"
    a_file.write_text("a file where the cache should go\n")
    common = {
        "ansible_connection": "local",
        "ansible_python_interpreter": "/usr/bin/python3" if Path("/usr/bin/python3").exists() else None,
        # Already root where CI runs this; sudo may not even be installed.
        "ansible_become": False,
        "workstation_user_name": "root",
        "dev_container_workspace": str(workspace),
        "dvc_cache_dir": str(base / "dvc-cache"),
        "dev_container_ports": [{"container": 8888, "host": free_port()}],
        **{f"{role}_supported_os": [current_os()] for role in ROLES},
    }
    hosts = {
        "good": {},
        "cache-is-a-file": {"dvc_cache_dir": str(a_file)},
        "port-taken": {"dev_container_ports": [{"container": 8888, "host": held_port}]},
        "one-subnet-twice": {
            "dev_container_host_networks": {
                "mlops": {"subnet": "10.199.0.0/24"},
                "scratch": {"subnet": "10.199.0.0/24"},
            }
        },
        # Accounts and groups no step of the run makes.
        "ghost-owner": {"dvc_projects": [{"path": str(workspace), "owner": "ghost-user"}]},
        "ghost-group": {"dvc_cache_shared": True, "dvc_cache_group": "ghost-group"},
    }
    inventory = base / "inventory.yml"
    inventory.write_text(
        yaml.safe_dump({"all": {"children": {"workstations": {"hosts": hosts, "vars": common}}}})
    )
    return inventory


def site(inventory: Path, *args: str) -> tuple[int, dict]:
    """site.yml in check mode on the fleet: its exit code and its JSON report."""
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(ROOT / "tests" / "ansible.cfg"),
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_NOCOLOR="1",
    )
    command = [ansible_playbook(), "-i", str(inventory), "site.yml", "--check", "--diff", *args]
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"no JSON from ansible-playbook:\n{proc.stdout}\n{proc.stderr}") from exc
    return proc.returncode, report


@pytest.fixture(scope="module")
def preflight(fleet):
    return site(fleet, "--tags", "preflight")


def results(report: dict, host: str) -> list[tuple[str, dict]]:
    return [
        (task["task"]["name"], task["hosts"][host])
        for play in report["plays"]
        for task in play["tasks"]
        if host in task["hosts"]
    ]


CONFLICTS = {
    "cache-is-a-file": ["dvc_cache_dir", "is not a directory"],
    "port-taken": ["dev_container_ports[0]", "already listens"],
    "one-subnet-twice": ["dev_container_host_networks['scratch'].subnet", "overlaps"],
    "ghost-owner": ["dvc_projects 'ghost-user'", "no such account or group"],
    "ghost-group": ["dvc_cache_group 'ghost-group' (a group)", "no such account or group"],
}


@pytest.mark.parametrize("host", CONFLICTS)
def test_a_conflict_stops_its_host_before_any_change(preflight, host):
    returncode, report = preflight
    assert returncode != 0
    tasks = results(report, host)
    stop = [result for name, result in tasks if name == "Stop this host before anything changes on it"]
    assert stop, f"{host} was not stopped: {tasks}"
    assert stop[0].get("failed")
    message = stop[0]["msg"]
    assert message.startswith(f"{host}: "), message
    for words in CONFLICTS[host]:
        assert words in message
    assert [name for name, result in tasks if result.get("changed")] == []


def test_the_other_hosts_go_on(preflight):
    dummy, report = preflight
    tasks = results(report, "good")
    assert [name for name, result in tasks if result.get("failed")] == []
    assert [name for name, result in tasks if result.get("changed")] == []
    checked = {name for name, dummy in tasks}
    for step in ("base step (workstation role)", "docker step", "dvc step", "dev_container step"):
        assert f"Check the {step}" in checked


def test_the_summary_names_each_host_that_did_not_finish(preflight):
    dummy, report = preflight
    summary = [
        result
        for host in ("good", *CONFLICTS)
        for name, result in results(report, host)
        if name == "Name the hosts that stopped, and where" and result.get("msg")
    ]
    assert len(summary) == 1
    message = summary[0]["msg"]
    for host in CONFLICTS:
        assert f"{host} (steps done: none)" in message
    assert "good" not in message.split("NOT FINISHED: ", 1)[1].split(".", 1)[0]


def test_a_step_run_without_the_preflight_still_checks(fleet):
    # --skip-tags preflight: the dvc step runs the role's own checks and stops the host with the
    # cache path at fault before the role changes anything.
    returncode, report = site(fleet, "--limit", "cache-is-a-file", "--tags", "dvc", "--skip-tags", "preflight")
    assert returncode != 0
    tasks = results(report, "cache-is-a-file")
    failed = [result for dummy, result in tasks if result.get("failed")]
    assert failed, tasks
    assert "dvc_cache_dir" in failed[0]["msg"]
    assert "is not a directory" in failed[0]["msg"]
    assert [name for name, result in tasks if result.get("changed")] == []
