"""The site_lock module (plugins/modules), run as Ansible runs it: a separate Python process given
its arguments in a file. Two runs of site.yml never hold one host at once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT

MODULE = ROOT / "plugins" / "modules" / "site_lock.py"
ME = {"id": "laptop-100-5", "controller": "laptop", "pid": 100, "user": "ada"}
OTHER = {"id": "desk-200-7", "controller": "desk", "pid": 200, "user": "ben"}


def run_module(tmp_path: Path, check_mode: bool = False, **params) -> dict:
    args = {"path": str(tmp_path / "lock.json"), **params}
    if check_mode:
        args["_ansible_check_mode"] = True
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    proc = subprocess.run(
        [sys.executable, str(MODULE), str(args_file)], capture_output=True, text=True, timeout=60, check=False
    )
    return json.loads(proc.stdout)


def holder(tmp_path: Path) -> dict | None:
    text = (tmp_path / "lock.json").read_text()
    return json.loads(text) if text else None


def test_a_free_host_is_taken_and_released_by_its_run(tmp_path):
    taken = run_module(tmp_path, run=ME)
    assert taken["changed"]
    assert taken["holder"] is None
    assert {k: v for k, v in holder(tmp_path).items() if k != "taken"} == ME
    assert run_module(tmp_path, run=ME)["changed"] is False  # the run's own lock, again
    assert run_module(tmp_path, run=OTHER, state="absent")["changed"] is False  # not the other's to release
    assert holder(tmp_path)["id"] == ME["id"]
    assert run_module(tmp_path, run=ME, state="absent")["changed"] is True
    assert holder(tmp_path) is None


def test_a_second_run_waits_then_stops_naming_the_first(tmp_path):
    run_module(tmp_path, run=OTHER)
    start = time.monotonic()
    result = run_module(tmp_path, run=ME, controller_pids=[1, 100], wait=2)
    assert time.monotonic() - start >= 2
    assert result["failed"]
    assert "another run is provisioning this host: ben on desk (ansible-playbook pid 200" in result["msg"]
    assert holder(tmp_path)["id"] == OTHER["id"]  # nothing changed


def test_a_run_that_is_gone_from_this_controller_is_taken_over(tmp_path):
    run_module(tmp_path, run={**ME, "id": "laptop-99-4", "pid": 99})
    result = run_module(tmp_path, run=ME, controller_pids=[1, 100])
    assert result["changed"]
    assert result["taken_over"] == "gone"
    assert holder(tmp_path)["id"] == ME["id"]


def test_a_live_run_from_this_controller_is_waited_for(tmp_path):
    run_module(tmp_path, run={**ME, "id": "laptop-99-4", "pid": 99})
    assert run_module(tmp_path, run=ME, controller_pids=[1, 99, 100])["failed"]


def test_a_stale_lock_is_taken_over(tmp_path):
    (tmp_path / "lock.json").write_text(json.dumps({**OTHER, "taken": time.time() - 7200}))
    result = run_module(tmp_path, run=ME, stale_after=3600)
    assert result["changed"]
    assert result["taken_over"] == "stale"


def test_a_run_released_before_the_wait_ends_lets_the_next_one_in(tmp_path):
    run_module(tmp_path, run=OTHER)
    args = tmp_path / "release.json"
    args.write_text(
        json.dumps({"ANSIBLE_MODULE_ARGS": {"path": str(tmp_path / "lock.json"), "run": OTHER, "state": "absent"}})
    )
    release = subprocess.Popen(["sh", "-c", f"sleep 1; {sys.executable} {MODULE} {args}"], stdout=subprocess.DEVNULL)
    result = run_module(tmp_path, run=ME, wait=10)
    release.wait(timeout=30)
    assert result["changed"]
    assert result["holder"] is None
    assert holder(tmp_path)["id"] == ME["id"]


def test_check_mode_writes_nothing(tmp_path):
    assert run_module(tmp_path, check_mode=True, run=ME)["changed"] is True
    assert not (tmp_path / "lock.json").exists()
    run_module(tmp_path, run=OTHER)
    result = run_module(tmp_path, check_mode=True, run=ME)
    assert not result.get("failed")
    assert result["holder"]["id"] == OTHER["id"]
    assert holder(tmp_path)["id"] == OTHER["id"]
