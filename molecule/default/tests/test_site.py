"""site.yml on two workstations: each host's overrides land on that host only, and the
workstation user can run containers."""

from __future__ import annotations

import json

import pytest

# What molecule.yml's host_vars set on each host; the other host must keep the defaults.
EXPECTED = {
    "debian-12": {"user": "alice", "uid": 2001, "other": "bob", "max_size": "50m"},
    "debian-13": {"user": "bob", "uid": 2002, "other": "alice", "max_size": "10m"},
}


@pytest.fixture(scope="module")
def expected(host):
    return EXPECTED[host.check_output("hostname")]


def test_workstation_user_is_this_hosts_own(host, expected):
    user = host.user(expected["user"])
    assert user.exists
    assert user.uid == expected["uid"]
    assert not host.user(expected["other"]).exists


def test_daemon_json_carries_this_hosts_override(host, expected):
    config = json.loads(host.file("/etc/docker/daemon.json").content_string)
    assert config["log-opts"]["max-size"] == expected["max_size"]
    assert config["live-restore"] is True


def test_workstation_user_runs_a_container(host, expected):
    assert host.run("docker load -i /opt/molecule/mlops-smoke.tar").rc == 0
    result = host.run(f"su -s /bin/sh {expected['user']} -c 'docker run --rm mlops-smoke:busybox id -u'")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "0"


def test_the_development_image_runs_as_this_hosts_workstation_user(host, expected):
    """group_vars map the image's user onto the workstation user of each host."""
    result = host.run(
        f"su -s /bin/sh {expected['user']} -c "
        '\'docker run --rm mlops-dev:3.9 sh -c "id -un; id -u; python --version; python -c \\"import toolz\\""\''
    )
    assert result.rc == 0, result.stderr
    name, uid, version = result.stdout.split("\n")[:3]
    assert (name, int(uid)) == (expected["user"], expected["uid"])
    assert version.startswith("Python 3.9.")


def test_git_is_set_up_for_this_hosts_workstation_user(host, expected):
    """The git step configures the workstation user (not root), and the container's mounts point
    at the image user's home, which is that same user."""
    user = expected["user"]
    result = host.run(f"su - {user} -c 'git config --global user.email; git config --global safe.directory'")
    assert result.rc == 0, result.stderr
    assert result.stdout.split() == [f"{user}@example.com", f"/home/{user}/workspace"]
    fact = json.loads(host.file("/etc/ansible/facts.d/git.fact").content_string)
    assert fact["account"] == user
    assert fact["container_home"] == f"/home/{user}"


def test_the_development_container_runs_the_image_on_the_workspace(host, expected):
    """The dev_container step runs the image python_image built, as the workstation user, with
    the user's workspace at the same path, git's configuration read-only, ports on loopback."""
    user, workspace = expected["user"], f"/home/{expected['user']}/workspace"
    info = json.loads(host.check_output("docker inspect mlops-dev"))[0]
    assert info["State"]["Running"]
    assert info["Config"]["Image"] == "mlops-dev:3.9"
    assert "mlops" in info["NetworkSettings"]["Networks"]
    assert info["HostConfig"]["PortBindings"]["8888/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": "8888"}]
    script = f"id -un; python --version; touch {workspace}/from-container; git config --global user.email"
    result = host.run(f"docker exec mlops-dev sh -c '{script}'")
    assert result.rc == 0, result.stderr
    name, version, email = result.stdout.split("\n")[:3]
    assert name == user
    assert version.startswith("Python 3.9.")
    assert email == f"{user}@example.com"
    assert host.file(f"{workspace}/from-container").user == user
    assert host.file(f"{workspace}/.devcontainer/devcontainer.json").user == user


def test_dvc_runs_for_this_hosts_workstation_user(host, expected):
    result = host.run(f"sudo -u {expected['user']} -H dvc doctor")
    assert result.rc == 0, result.stderr
    assert "DVC version: 3." in result.stdout
