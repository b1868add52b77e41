"""site.yml on two workstations: each host's overrides land on that host only, and the
workstation user works in the development container end to end: clones with the configured
credential, pulls the data from the team's DVC remote through the shared cache, and runs the
project's Python 3.9 code on it."""

from __future__ import annotations

import hashlib
import json
import shlex
from pathlib import Path

import pytest

# What molecule.yml's host_vars set on each host; the other host must keep the defaults.
EXPECTED = {
    "debian-12": {
        "user": "alice",
        "uid": 2001,
        "other": "bob",
        "max_size": "50m",
        "cache": "/srv/dvc-cache",
        "remotes": ["archive", "team"],
    },
    "debian-13": {
        "user": "bob",
        "uid": 2002,
        "other": "alice",
        "max_size": "10m",
        "cache": "/mnt/data/dvc-cache",
        "remotes": ["archive", "scratch", "team"],
        "own_remote": "/mnt/data/dvc-scratch",
    },
}
DATASET = (Path(__file__).resolve().parent.parent / "files" / "dataset.csv").read_bytes()
DATASET_MD5 = hashlib.md5(DATASET).hexdigest()  # DVC's content address
REPOSITORY = "https://git.molecule.test/git/mlops.git"


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


def in_container(host, script: str, workdir: str | None = None, env: dict | None = None):
    """A shell command in the development container, as its (the workstation's) user."""
    options = [f"-w {shlex.quote(workdir)}"] if workdir else []
    options += [f"-e {shlex.quote(f'{key}={value}')}" for key, value in (env or {}).items()]
    return host.run(f"docker exec {' '.join(options)} mlops-dev sh -c {shlex.quote(script)}")


def test_the_project_was_cloned_with_the_users_credential(host, expected):
    """The git step cloned the team's repository into the workspace, as the user."""
    project = host.file(f"/home/{expected['user']}/workspace/mlops")
    assert project.is_directory
    assert project.user == expected["user"]
    assert host.file(f"{project.path}/data/dataset.csv.dvc").exists


def test_a_clone_inside_the_container_uses_the_credential_and_fails_without(host):
    ok = in_container(host, f"rm -rf /tmp/clone && git clone -q {REPOSITORY} /tmp/clone && git -C /tmp/clone log")
    assert ok.rc == 0, ok.stderr
    assert "mlops project" in ok.stdout
    # The same clone with the credential helper reset and no prompt: the server refuses it.
    refused = in_container(
        host,
        f"rm -rf /tmp/refused && git -c credential.helper= clone -q {REPOSITORY} /tmp/refused",
        env={"GIT_TERMINAL_PROMPT": "0"},
    )
    assert refused.rc != 0
    assert "could not read Username" in refused.stderr or "Authentication failed" in refused.stderr, refused.stderr


def test_each_project_has_its_hosts_cache_and_remotes(host, expected):
    """The cache directory and the extra remote of debian-13's host_vars are on debian-13 only."""
    project = f"/home/{expected['user']}/workspace/mlops"
    dvc = f"sudo -u {expected['user']} -H dvc"
    result = host.run(f"cd {project} && {dvc} config cache.dir && {dvc} config cache.type && {dvc} remote list")
    assert result.rc == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == expected["cache"]
    # The container mounts the cache beside the workspace: symlink is the fallback there.
    assert lines[1].endswith(",symlink")
    assert sorted(line.split()[0] for line in lines[2:]) == expected["remotes"]
    assert host.file(expected["cache"]).is_directory


def test_dvc_pull_in_the_container_and_the_code_runs_on_the_data(host, expected):
    """dvc pull from the team's remote (the default) inside the container, then the project's code
    on Python 3.9 with its requirements: the data is the team's, byte for byte."""
    project = f"/home/{expected['user']}/workspace/mlops"
    pulled = in_container(host, "dvc pull", workdir=project)
    assert pulled.rc == 0, pulled.stdout + pulled.stderr
    run = in_container(host, "python train.py", workdir=project)
    assert run.rc == 0, run.stderr
    version, md5, rows, dummy = run.stdout.split(" ", 3)
    assert version.startswith("3.9.")
    assert md5 == DATASET_MD5
    assert int(rows) == DATASET.count(b"\n") - 1


def test_the_data_is_seen_through_the_shared_cache(host, expected):
    """The workspace's file is the cache's object (a link, not a copy), and the host sees it too."""
    project = f"/home/{expected['user']}/workspace/mlops"
    in_container(host, "dvc pull", workdir=project)
    obj = f"{expected['cache']}/files/md5/{DATASET_MD5[:2]}/{DATASET_MD5[2:]}"
    assert host.file(obj).exists
    same = host.run(
        f"python3 -c 'import os,sys; print(os.path.samefile(sys.argv[1], sys.argv[2]))' "
        f"{project}/data/dataset.csv {obj}"
    )
    assert same.stdout.strip() == "True", same.stderr


def test_the_local_remotes_are_mounted_at_their_host_paths(host, expected):
    """Each local remote of the host's projects is mounted read-write at the same path."""
    info = json.loads(host.check_output("docker inspect mlops-dev"))[0]
    mounts = {mount["Destination"]: mount for mount in info["Mounts"]}
    for path in ["/srv/dvc-team"] + ([expected["own_remote"]] if "own_remote" in expected else []):
        assert mounts[path]["Source"] == path
        assert mounts[path]["RW"] is True


def test_dvc_push_inside_the_container_reaches_the_host_and_a_fresh_clone(host, expected):
    """debian-13's own local remote (made by the dvc step for bob): pushed to inside the container,
    the objects are on the host, the user's, and a fresh clone on the host pulls the data from it."""
    if "own_remote" not in expected:
        pytest.skip("this host's projects have only the team's read-only share")
    user, remote, project = expected["user"], expected["own_remote"], f"/home/{expected['user']}/workspace/mlops"
    assert host.file(remote).user == user
    pushed = in_container(host, "dvc pull && dvc push -r scratch", workdir=project)
    assert pushed.rc == 0, pushed.stdout + pushed.stderr
    obj = host.file(f"{remote}/files/md5/{DATASET_MD5[:2]}/{DATASET_MD5[2:]}")
    assert obj.exists
    assert obj.user == user
    script = (
        f"rm -rf /tmp/fresh && git clone -q {project} /tmp/fresh && cd /tmp/fresh"
        f" && dvc remote add -d scratch {remote} && dvc pull -q && md5sum data/dataset.csv"
    )
    fresh = host.run(f"sudo -u {user} -H sh -c {shlex.quote(script)}")
    assert fresh.rc == 0, fresh.stdout + fresh.stderr
    assert fresh.stdout.splitlines()[-1].split()[0] == DATASET_MD5  # md5sum's line, after dvc's own
