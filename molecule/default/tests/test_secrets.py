"""The canary run of the whole site (molecule.yml): a proxy password, a git token, an SSH key, an
index token and S3 keys are set, and every run prints what -vvv prints. Each secret must be in
the 0600 files meant for it and nowhere else: not in any run's output, the controller's files of
the run (no fact cache), a command line, the environment of a process that does not use it, a
file another user can read, a file of the checkout git would commit, or an image layer."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
from pathlib import Path

import pytest

EPHEMERAL = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
FIND_SECRET = (Path(__file__).parents[2] / "shared" / "find_secret.py").read_text()
USERS = {"debian-12": "alice", "debian-13": "bob"}
PROXY = "http://site-proxy:canary-pxy-site-8d27a4@proxy.molecule.test:3128"
# The engine's own state (the build's records: BuildKit keeps the proxy build arguments), in a
# directory no other user may enter; and the sampler's log, the test's own.
ENGINE = "/var/lib/docker/"
SAMPLER_LOG = "/var/log/cmdline-sampler.log"


def secrets(user: str) -> dict[str, tuple[str, list[str]]]:
    """Each canary (molecule.yml), and the files meant for it: patterns of whole paths."""
    home = f"/home/{user}"
    return {
        "proxy password": (
            "canary-pxy-site-8d27a4",
            [r"/etc/docker/dockerd\.env", r"/etc/dev-container/mlops-dev/proxy\.sh"],
        ),
        "git token": ("glpat-canary-site-3f9d1c", [rf"{home}/\.git-credentials"]),
        # The line of the private key's file that holds its secret half (ed25519's seed).
        "SSH key": ((EPHEMERAL / "site-key").read_text().splitlines()[3], [rf"{home}/\.ssh/id_ed25519"]),
        "index token": ("canary-idx-site-61f0b3", [r"/opt/dvc/pip\.conf"]),
        "S3 keys": ("canary-s3-site-c49e17", [rf"{home}/workspace/mlops/\.dvc/config\.local"]),
    }


@pytest.fixture(scope="module")
def user(host):
    return USERS[host.check_output("hostname")]


@pytest.fixture(scope="module")
def found(host, user):
    """Every file of the host that holds each secret, with its mode and owner's uid."""
    values = {value.encode().hex(): name for name, (value, dummy) in secrets(user).items()}
    result = host.run(f"python3 -c {shlex.quote(FIND_SECRET)} --json {' '.join(values)}")
    assert result.rc == 0, result.stderr
    return {values[key]: places for key, places in json.loads(result.stdout).items()}


@pytest.fixture(scope="module")
def sampled(host):
    host.run("systemctl stop cmdline-sampler")
    return host.file("/var/log/cmdline-sampler.log").content_string


@pytest.mark.parametrize("name", ["proxy password", "git token", "SSH key", "index token", "S3 keys"])
def test_each_secret_is_only_in_the_0600_files_meant_for_it(host, user, found, name):
    uid = host.user(user).uid
    places = {path: (mode, owner) for path, mode, owner in found[name] if path != SAMPLER_LOG}
    meant = secrets(user)[name][1]
    ours = {path: where for path, where in places.items() if any(re.fullmatch(p, path) for p in meant)}
    assert any(re.fullmatch(meant[0], path) for path in ours), places  # the search finds it there
    assert {path: where for path, where in ours.items() if where not in [("0o600", 0), ("0o600", uid)]} == {}
    assert {path: where for path, where in places.items() if path not in ours and not path.startswith(ENGINE)} == {}
    if any(path.startswith(ENGINE) for path in places):
        engine = host.file(ENGINE)
        assert (engine.user, engine.group, engine.mode & 0o007) == ("root", "root", 0)


def test_the_checkout_holds_secrets_only_in_files_git_ignores(host, user, found):
    project = f"/home/{user}/workspace/mlops"
    inside = [path for places in found.values() for path, dummy, dummy in places if path.startswith(project + "/")]
    assert inside == [f"{project}/.dvc/config.local"]
    ignored = host.run(f"sudo -u {user} git -C {project} check-ignore -q {inside[0]}")
    assert ignored.rc == 0, f"{inside[0]} is not ignored by git"


def test_no_command_line_held_a_secret_and_only_root_and_the_user_had_the_proxy(host, user, sampled):
    """A command line is anyone's to read; an environment only its process's user's and root's."""
    # The sampler watched the runs: it saw DVC installed, and Docker's daemon with its proxy.
    assert re.search(r"cmdline: .*/opt/dvc/bin/pip3? install .*dvc==", sampled), sampled[-2000:]
    assert re.search(r"environ dockerd 0 host: HTTPS?_PROXY=", sampled), "dockerd was not sampled with its proxy"
    holders = set()
    for line in sampled.splitlines():
        for name, (value, dummy) in secrets(user).items():
            if value in line:
                assert name == "proxy password", (name, line.split(":", 1)[0])
                assert line.startswith("environ "), line.split(":", 1)[0]
                holders.add(line.split(":", 1)[0])
    # On the host: dockerd and the helpers it starts (root), and the user's own shells. In
    # containers: the image build's steps, which fetch through the proxy.
    host_uids = {int(holder.split()[2]) for holder in holders if holder.endswith(" host")}
    assert host_uids <= {0, host.user(user).uid}, holders


def playbook_outputs() -> list[str]:
    """The output of each ansible-playbook run of the scenario, from its log (lines are tagged
    with the process id of their run). Left out: testinfra's ansible-inventory calls, which
    list the inventory, canaries and all."""
    runs: dict[str, list[str]] = {}
    pid = ""
    for line in (EPHEMERAL / "ansible.log").read_text().splitlines():
        match = re.match(r"^\S+ \S+ p=(\d+) ", line)
        pid = match.group(1) if match else pid  # continuation lines belong to the run above
        runs.setdefault(pid, []).append(line)
    return ["\n".join(lines) for lines in runs.values() if "PLAY [" in "\n".join(lines)]


def test_no_output_of_any_run_shows_a_secret(user):
    outputs = playbook_outputs()
    assert len(outputs) >= 4  # prepare, check, converge, idempotence
    assert any("<default-debian-12> EXEC" in output for output in outputs)  # they ran at -vvv
    for output in outputs:
        for name, (value, dummy) in secrets(user).items():
            assert value not in output, name


def test_the_controller_keeps_no_secret_of_the_run(user):
    """No fact cache or other file of the run holds one: only the inventory, where they are
    given (a vault in real use), molecule's copy of the scenario, and the key prepare.yml made."""
    holders = set()
    for path in EPHEMERAL.rglob("*"):
        if path.is_file() and path.name != "ansible.log":
            content = path.read_bytes()
            if any(value.encode() in content for value, dummy in secrets(user).values()):
                holders.add(path.relative_to(EPHEMERAL).parts[0])
    assert holders <= {"inventory", "molecule.yml", "site-key"}, holders


def test_a_login_shell_in_the_container_has_the_proxy_and_its_environment_not(host, user):
    """VS Code's terminal (a login shell) reads the proxy from the owner's 0600 file; the
    container's own environment, which containerd writes where anyone may read it, lacks it."""
    digest = hashlib.sha256(PROXY.encode()).hexdigest()
    login = host.run("docker exec mlops-dev bash -lc 'printf %s \"$HTTPS_PROXY\" | sha256sum'")
    assert login.rc == 0, login.stderr
    assert login.stdout.split()[0] == digest
    environment = host.run("docker exec mlops-dev sh -c 'env | cut -d= -f1'")
    assert environment.rc == 0, environment.stderr
    assert "NO_PROXY" in environment.stdout.split()
    assert "HTTPS_PROXY" not in environment.stdout.split()
