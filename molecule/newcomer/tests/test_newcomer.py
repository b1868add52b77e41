"""What a new user has after README's quick start, run word for word on the shipped inventory
(converge.yml): a finished run and a warm one that changes nothing, a container of their own
that VS Code's client adopts, Python 3.9 and DVC in every kind of shell there, and on the
lived-in host their Docker, daemon.json and ~/.gitconfig kept."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import testinfra

# Per host: the user who ran the quick start, and the uid the container must run as.
USERS = {"debian-12": ("alice", "/home/alice"), "debian-13": ("root", "/root")}
# Each host's neighbour on the test network.
PEERS = {"debian-12": "debian-13", "debian-13": "debian-12"}
RECAP = re.compile(r"^localhost\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=0", re.MULTILINE)


@pytest.fixture(scope="module")
def user(host):
    return USERS[host.check_output("hostname")]


def log(host, name: str) -> str:
    return host.file(f"/var/log/newcomer/{name}").content_string


def test_the_cold_run_finished_and_says_how_to_use_the_workstation(host, user):
    cold = log(host, "cold.log")
    recap = RECAP.search(cold)
    assert recap, cold[-3000:]
    assert int(recap.group(1)) > 0
    assert "Development container: mlops-dev, as " + user[0] in cold
    assert "jupyter: http://127.0.0.1:8888/" in cold
    assert "tensorboard: http://127.0.0.1:6006/" in cold
    assert 'Attach: in VS Code, "Dev Containers: Attach to Running Container..."' in cold


def test_the_warm_run_changes_nothing_and_keeps_the_container(host):
    warm = log(host, "warm.log")
    recap = RECAP.search(warm)
    assert recap, warm[-3000:]
    assert recap.group(1) == "0", warm[-3000:]
    assert log(host, "container-before-cli") == log(host, "container-after")


def test_the_container_runs_as_the_user_and_their_files_stay_theirs(host, user):
    name, home = user
    made = f"{home}/workspace/made-inside"
    result = host.run(f"docker exec mlops-dev sh -c 'id -un; touch {made}'")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == name
    assert host.file(made).user == name


@pytest.mark.parametrize(
    "shell",
    [["bash", "-lic"], ["sh", "-lc"], ["sh", "-c"]],
    ids=["login interactive bash (VS Code's probe)", "login sh", "plain exec"],
)
def test_every_shell_in_the_container_finds_the_tools(host, shell):
    script = "for tool in python pip dvc git; do command -v $tool || exit 1; done; python --version"
    result = host.run("docker exec mlops-dev " + " ".join(shell) + f" '{script}'")
    assert result.rc == 0, result.stdout + result.stderr
    lines = result.stdout.split()
    assert lines[:3] == ["/opt/venv/bin/python", "/opt/venv/bin/pip", "/opt/venv/bin/dvc"]
    assert lines[3].endswith("/git")
    assert "Python 3.9." in result.stdout


def test_the_dev_containers_cli_adopts_the_container(host, user):
    """`devcontainer up` on the written files finds the role's container (same id), and `exec`
    runs in it as the user with the probed environment: DVC and the venv's Python 3.9."""
    up = json.loads(log(host, "cli-up.json"))
    assert up["outcome"] == "success", log(host, "cli-up.err")[-2000:]
    assert "control manifest" not in log(host, "cli-up.err")  # nothing fetched from outside
    assert up["containerId"] == log(host, "container-before-cli").strip()
    assert "DVC version: 3." in log(host, "cli-dvc-doctor.log")
    name, prefix, version = log(host, "cli-exec.log").split("\n")[-4:-1]
    assert (name, prefix) == (user[0], "/opt/venv")
    assert version.startswith("Python 3.9.")


@pytest.fixture(scope="module")
def lived_in(host):
    if host.check_output("hostname") != "debian-13":
        pytest.skip("the fresh host has nothing of its own to keep")


def test_the_users_docker_is_kept_and_configured(host, lived_in):
    assert host.package("docker-ce").is_installed
    assert host.package("docker-ce").version == "5:27.3.1-1~debian.13~trixie"
    assert host.package("containerd.io").is_installed
    assert host.check_output("docker info --format '{{.DockerRootDir}}'") == "/srv/docker"
    assert "theirs:latest" in host.check_output("docker images --format '{{.Repository}}:{{.Tag}}'").split()


def test_the_users_daemon_json_stays_beneath_the_roles_layers(host, lived_in):
    config = json.loads(host.file("/etc/docker/daemon.json").content_string)
    assert config["data-root"] == "/srv/docker"
    assert config["insecure-registries"] == ["registry.lan:5000"]
    assert config["runtimes"]["nvidia"]["path"] == "/usr/bin/nvidia-container-runtime"
    assert config["live-restore"] is True
    assert config["log-opts"] == {"max-size": "10m", "max-file": "3"}
    copies = host.run("ls /etc/docker/daemon.json.orig-*").stdout.split()
    assert len(copies) == 1
    assert json.loads(host.file(copies[0]).content_string)["data-root"] == "/srv/docker"
    assert "live-restore" not in json.loads(host.file(copies[0]).content_string)


def test_the_users_gitconfig_is_kept(host, lived_in):
    def get(key):
        return host.run(f"git config --global --get-all {key}").stdout.split("\n")[:-1]

    assert get("user.name") == ["Root Person"]
    assert get("user.email") == ["root@example.com"]
    assert get("credential.helper") == ["!pass-helper"]
    assert get("safe.directory") == ["/srv/theirs", "/root/workspace"]
    assert get("core.editor") == ["vim"]
    assert get("alias.st") == ["status"]


def test_another_engine_is_refused_before_anything_changes(host, lived_in):
    assert log(host, "replace.rc").strip() != "0"
    output = log(host, "replace.log")
    assert "docker_replace_engine: true" in output
    assert "Nothing was changed on localhost" in output
    assert host.package("docker-ce").is_installed


# molecule/shared/find_secret.py: files holding a secret, with their mode and owner.
FIND_SECRET = (Path(__file__).parents[2] / "shared" / "find_secret.py").read_text()


def test_a_password_in_the_users_environment_is_written_nowhere(host, user):
    """No fact cache (nor anything else) keeps the environment the runs were started from."""
    profile = f"{user[1]}/.profile"
    canary = re.search(r"http://ada:(env-canary-\w+)@", host.file(profile).content_string).group(1)
    result = host.run(f"python3 -c {shlex.quote(FIND_SECRET)} {canary.encode().hex()}")
    assert result.rc == 0, result.stderr
    found = [line.split()[0] for line in result.stdout.splitlines() if not line.startswith("/var/log/newcomer/")]
    assert found == [profile]  # the search finds it where the user put it, and nowhere else


def test_a_second_run_at_once_stops_naming_the_first_and_changes_nothing(host):
    if host.check_output("hostname") != "debian-12":
        pytest.skip("run on the fresh host only (converge.yml)")
    second = log(host, "second.log")
    assert log(host, "second.rc").strip() != "0"
    assert "another run is provisioning this host: alice on debian-12" in " ".join(second.split())
    recap = re.search(r"^localhost\s+:\s+ok=\d+\s+changed=(\d+)", second, re.MULTILINE)
    assert recap, second[-3000:]
    assert recap.group(1) == "0"
    assert log(host, "first.rc").strip() == "0", log(host, "first.log")[-3000:]
    assert log(host, "lock-after.json") == ""  # released at the end of the first run


def probe(neighbour, target: str, dest: str, port: int) -> dict:
    """What answers when `neighbour` sends a SYN to the target's MAC addressed to dest:port."""
    return json.loads(neighbour.check_output(f"python3 /usr/local/lib/loopback_probe.py {target} {dest} {port}"))


def test_ports_published_on_loopback_stay_off_the_network(host):
    """moby/moby#45610: an engine before 28 (20.10 and 26.1 here) forwards a packet addressed to
    127.0.0.1 from a neighbour to the ports published there. The docker role's guard drops it:
    stopped, the neighbour's crafted SYN gets the development container's answer; running, none."""
    neighbour = testinfra.get_host("docker://newcomer-" + PEERS[host.check_output("hostname")])
    address = host.check_output("ip -4 -o addr show dev eth0").split()[3].split("/")[0]
    assert probe(neighbour, address, address, 9)["reply"] == "R"  # the probe reaches this host
    try:
        host.check_output("systemctl stop docker-loopback-guard.service")
        exposed = probe(neighbour, address, "127.0.0.1", 8888)
    finally:
        host.check_output("systemctl start docker-loopback-guard.service")
    assert exposed.get("reply_from") == "127.0.0.1", exposed
    for port in (8888, 6006):
        assert probe(neighbour, address, "127.0.0.1", port)["reply"] is None, port
