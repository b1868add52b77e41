"""The dev_container_host_state module against a stand-in `docker` client: a script on PATH that
answers the questions the module asks from a table, and logs each one.

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
CONTAINER_FORMAT = (
    '{"ports": {{json .HostConfig.PortBindings}}, "labels": {{json .Config.Labels}}, '
    '"running": {{json .State.Running}}, "pid": {{json .State.Pid}}, "mounts": {{json .Mounts}}}'
)

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
sys.stderr.write("Cannot connect to the Docker daemon")
sys.exit(1)
"""

NETWORKS = [
    {"Name": "bridge", "Id": "a" * 64, "IPAM": {"Config": [{"Subnet": "172.17.0.0/16"}]}},
    {"Name": "mlops", "Id": "b" * 64, "IPAM": {"Config": [{"Subnet": "172.30.0.0/24"}]}},
]

ENGINE = [
    (["version"], (0, "27.5.1\n")),
    (["network", "ls"], (0, "a" * 64 + "\n" + "b" * 64 + "\n")),
    (["network", "inspect"], (0, json.dumps(NETWORKS))),
    (["compose", "version"], (0, "2.32.4\n")),
    (["info"], (0, json.dumps({"runc": {"path": "runc"}, "nvidia": {"path": "nvidia-container-runtime"}}))),
    (["image", "inspect"], (0, "sha256:" + "c" * 64 + "\n")),
    (
        ["inspect", "--type", "container"],
        (
            0,
            json.dumps(
                {
                    "ports": {"8888/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8888"}]},
                    "labels": {"org.mlops.dev-container.spec": "f" * 40},
                    "running": True,
                }
            ),
        ),
    ),
]


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


def test_an_answering_engine_is_asked_everything_in_one_call(tmp_path, docker_bin):
    result, asked = run_module(
        tmp_path, docker_bin, ENGINE, engine=True, runtimes=True, image="mlops-dev:latest", container="mlops-dev"
    )
    assert result["module_rc"] == 0, result
    assert result["changed"] is False
    assert result["engine"] == {"rc": 0, "version": "27.5.1", "stderr": ""}
    assert [n["Name"] for n in result["networks"]] == ["bridge", "mlops"]
    assert result["compose_v2"] is True
    assert sorted(result["runtimes"]) == ["nvidia", "runc"]
    assert result["image_id"] == "sha256:" + "c" * 64
    assert result["container_ports"] == {"8888/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8888"}]}
    assert result["container_labels"] == {"org.mlops.dev-container.spec": "f" * 40}
    assert result["container_running"] is True
    # Every network's id, from the list, is inspected in the same call.
    assert ["network", "inspect", "a" * 64, "b" * 64] in asked


def test_without_an_engine_nothing_else_is_asked_and_nothing_is_there(tmp_path, docker_bin):
    result, asked = run_module(
        tmp_path, docker_bin, [], engine=True, runtimes=True, image="mlops-dev:latest", container="mlops-dev"
    )
    assert result["module_rc"] == 0, result
    assert result["engine"]["rc"] == 1
    assert "Cannot connect" in result["engine"]["stderr"]
    assert result["networks"] == []
    assert result["compose_v2"] is False
    assert result["runtimes"] == {}
    assert result["image_id"] is None
    assert result["container_ports"] is None
    assert result["container_labels"] is None
    assert result["container_running"] is False
    assert asked == [["version", "--format", "{{.Server.Version}}"]]


def test_without_a_docker_client_the_engine_does_not_answer(tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    result, dummy = run_module(tmp_path, empty, [], engine=True, image="mlops-dev:latest")
    assert result["module_rc"] == 0, result
    assert result["engine"]["rc"] == 127
    assert result["image_id"] is None


def test_a_missing_image_or_container_is_null(tmp_path, docker_bin):
    answers = [a for a in ENGINE if a[0][0] not in ("image", "inspect")]
    result, dummy = run_module(tmp_path, docker_bin, answers, engine=True, image="other:1", container="other")
    assert result["image_id"] is None
    assert result["container_ports"] is None


def test_a_failing_network_inspect_fails_the_module(tmp_path, docker_bin):
    answers = [a for a in ENGINE if a[0] != ["network", "inspect"]]
    result, dummy = run_module(tmp_path, docker_bin, answers, engine=True)
    assert result["module_rc"] != 0
    assert result["failed"] is True
    assert "docker network inspect failed" in result["msg"]


def test_only_what_is_asked_for_is_asked(tmp_path, docker_bin):
    result, asked = run_module(tmp_path, docker_bin, ENGINE, container="mlops-dev")
    assert asked == [["inspect", "--type", "container", "--format", CONTAINER_FORMAT, "mlops-dev"]]
    assert "engine" not in result
    assert "networks" not in result


def test_paths_and_tables(tmp_path, docker_bin):
    (tmp_path / "workspace").mkdir()
    (tmp_path / "file").write_text("x")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "agent.sock"))
    try:
        paths = [str(tmp_path / name) for name in ("workspace", "file", "agent.sock", "missing")]
        result, asked = run_module(tmp_path, docker_bin, ENGINE, paths=paths, proc_tables=["route", "no_such_table"])
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
    assert found[str(compose)]["first_line"] == "services: {}"
    assert found[str(compose)]["mode"] == "0640"
    assert found[str(compose)]["isreg"] is True
    assert "checksum" not in found[str(tmp_path)]  # a directory has none
    assert found[str(tmp_path / "none")]["exists"] is False


def test_paths_are_keyed_as_given(tmp_path, docker_bin):
    (tmp_path / "workspace").mkdir()
    given = f"{tmp_path}//workspace/"
    result, dummy = run_module(tmp_path, docker_bin, [], paths=[given])
    assert result["paths"][given]["isdir"] is True


def test_a_stopped_container_without_labels_or_ports(tmp_path, docker_bin):
    stopped = json.dumps({"ports": None, "labels": None, "running": False})
    answers = [(["inspect", "--type", "container"], (0, stopped))]
    result, dummy = run_module(tmp_path, docker_bin, answers, container="c")
    assert result["module_rc"] == 0, result
    assert (result["container_ports"], result["container_labels"], result["container_running"]) == ({}, {}, False)


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
    inspect = (0, json.dumps({"ports": {}, "labels": {}, "running": True, "pid": os.getpid(), "mounts": mounts}))
    result, dummy = run_module(
        tmp_path, docker_bin, [(["version"], (0, "27.5.1\n")), (["inspect"], inspect)], container="c"
    )
    assert result["container_stale_mounts"] == [str(old)]
    stopped = (0, json.dumps({"ports": {}, "labels": {}, "running": False, "pid": 0, "mounts": mounts}))
    result, dummy = run_module(tmp_path, docker_bin, [(["inspect"], stopped)], container="c")
    assert result["container_stale_mounts"] == []
