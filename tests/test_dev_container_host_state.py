"""The dev_container_host_state module: the host's /proc tables and paths, the container's stale
single-file mounts, and whether Compose v2 runs, asked of a stand-in `docker` client (a script
on PATH that answers from a table and logs each question). The engine's networks, image and
container are community.docker's to read.

The module runs as Ansible runs it: a separate Python process given its arguments in a file."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

MODULE = ROOT / "plugins" / "modules" / "dev_container_host_state.py"

FAKE_DOCKER = """#!{python}
import json, os, sys
argv = sys.argv[1:]
with open(os.environ["FAKE_DOCKER_LOG"], "a") as log:
    log.write(json.dumps(argv) + "\\n")
answers = json.load(open(os.environ["FAKE_DOCKER_ANSWERS"]))
for prefix, (rc, out) in answers:
    if argv[:len(prefix)] == prefix:
        sys.stdout.write(out)
        sys.exit(rc)
sys.stderr.write("docker: 'compose' is not a docker command.")
sys.exit(1)
"""


@pytest.fixture
def docker_bin(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(FAKE_DOCKER.format(python=sys.executable))
    docker.chmod(0o755)
    return bin_dir


def run_module(tmp_path: Path, bin_dir: Path, answers: list, **params) -> tuple[dict, list[list[str]]]:
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": params}))
    (tmp_path / "answers.json").write_text(json.dumps(answers))
    log = tmp_path / "docker.log"
    log.write_text("")
    env = {
        **os.environ,
        # Only the stand-in: the machine's own docker (in /usr/bin) must not answer.
        "PATH": str(bin_dir),
        "FAKE_DOCKER_ANSWERS": str(tmp_path / "answers.json"),
        "FAKE_DOCKER_LOG": str(log),
    }
    proc = subprocess.run(
        [sys.executable, str(MODULE), str(args_file)], capture_output=True, text=True, timeout=60, check=False, env=env
    )
    result = json.loads(proc.stdout)
    result["module_rc"] = proc.returncode
    return result, [json.loads(line) for line in log.read_text().splitlines()]


def test_compose_v2_is_asked_of_the_client_only_when_asked_for(tmp_path, docker_bin):
    result, asked = run_module(tmp_path, docker_bin, [(["compose", "version"], (0, "2.32.4\n"))], compose=True)
    assert result["module_rc"] == 0, result
    assert result["changed"] is False
    assert result["compose_v2"] is True
    assert asked == [["compose", "version", "--short"]]
    result, asked = run_module(tmp_path, docker_bin, [(["compose", "version"], (0, "2.32.4\n"))])
    assert (result["compose_v2"], asked) == (False, [])


def test_a_client_without_compose_v2_or_no_client_at_all(tmp_path, docker_bin):
    assert run_module(tmp_path, docker_bin, [], compose=True)[0]["compose_v2"] is False
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    result, dummy = run_module(tmp_path, empty, [], compose=True)
    assert result["module_rc"] == 0, result
    assert result["compose_v2"] is False


def test_paths_and_tables(tmp_path, docker_bin):
    (tmp_path / "workspace").mkdir()
    (tmp_path / "file").write_text("x")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "agent.sock"))
    try:
        paths = [str(tmp_path / name) for name in ("workspace", "file", "agent.sock", "missing")]
        result, asked = run_module(tmp_path, docker_bin, [], paths=paths, proc_tables=["route", "no_such_table"])
    finally:
        sock.close()
    assert asked == []
    state = result["paths"]
    assert state[paths[0]]["isdir"] is True
    assert state[paths[1]] == {**state[paths[1]], "exists": True, "isdir": False, "issock": False}
    assert state[paths[2]]["issock"] is True
    assert state[paths[3]] == {
        "exists": False,
        "isdir": False,
        "isreg": False,
        "issock": False,
        "pw_name": None,
        "mode": None,
    }
    assert "checksum" not in state[paths[1]]  # only files asked for as files are read
    # A table the host lacks is left out; the one it has comes whole, header first.
    assert list(result["proc_tables"]) == ["route"]
    assert result["proc_tables"]["route"].startswith("Iface")


def test_files_are_checksummed_as_ansible_does(tmp_path, docker_bin):
    compose = tmp_path / "compose.yaml"
    compose.write_text("services: {}\n")
    compose.chmod(0o640)
    result, dummy = run_module(tmp_path, docker_bin, [], files=[str(compose), str(tmp_path), str(tmp_path / "none")])
    found = result["paths"]
    assert found[str(compose)]["checksum"] == hashlib.sha1(b"services: {}\n").hexdigest()
    assert found[str(compose)]["marked"] is False  # no marker asked for: no line is looked at
    assert found[str(compose)]["mode"] == "0640"
    assert found[str(compose)]["isreg"] is True
    assert "checksum" not in found[str(tmp_path)]  # a directory has none
    assert found[str(tmp_path / "none")]["exists"] is False


def test_a_file_is_known_by_its_marker_and_none_of_its_lines_leave_the_host(tmp_path, docker_bin):
    ours = tmp_path / "devcontainer.json"
    ours.write_text("// Written by the role: change the inventory\n{}\n")
    theirs = tmp_path / "theirs.json"
    theirs.write_text('{"containerEnv": {"TOKEN": "s3cret-canary"}}\n')
    result, dummy = run_module(tmp_path, docker_bin, [], files=[str(ours), str(theirs)], marker="Written by the role")
    assert result["paths"][str(ours)]["marked"] is True
    assert result["paths"][str(theirs)]["marked"] is False
    assert "s3cret-canary" not in json.dumps(result)


def test_paths_are_keyed_as_given(tmp_path, docker_bin):
    (tmp_path / "workspace").mkdir()
    given = f"{tmp_path}//workspace/"
    result, dummy = run_module(tmp_path, docker_bin, [], paths=[given])
    assert result["paths"][given]["isdir"] is True


def test_a_single_file_mount_replaced_on_the_host_is_stale(tmp_path, docker_bin):
    """The container's view is /proc/<pid>/root: this process stands in for it (its root is /), so a
    mount's destination that is another file than its source is what the container would see."""
    current = tmp_path / "gitconfig"
    current.write_text("[user]\n\tname = Kim\n")
    old = tmp_path / "gitconfig-before-rename"
    old.write_text("[user]\n\tname = Old\n")
    mounts = [
        {"Type": "bind", "Source": str(current), "Destination": str(old)},  # replaced: stale
        {"Type": "bind", "Source": str(current), "Destination": str(current)},  # the same file
        {"Type": "bind", "Source": str(tmp_path), "Destination": "/nonexistent"},  # a directory
        {"Type": "volume", "Source": str(current), "Destination": str(old)},  # not a bind mount
    ]
    result, dummy = run_module(tmp_path, docker_bin, [], container_pid=os.getpid(), container_mounts=mounts)
    assert result["container_stale_mounts"] == [str(old)]
    # A stopped container (no process) sees nothing: it mounts the current files when it starts.
    result, dummy = run_module(tmp_path, docker_bin, [], container_pid=0, container_mounts=mounts)
    assert result["container_stale_mounts"] == []
