"""Verify the git role as its user would see it: clones over HTTPS with the stored token and over
SSH with the installed key, on the host and in a container started with the prepared mounts;
a server presenting another host key is refused; and the canary token reached the git server
and nothing else (no output of the run, no command line or environment, no file but the 0600
store, no image)."""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest

TOKEN = "glpat-canary-7c41e9d05b"  # molecule.yml: molecule_canary_token
HOST = "git.molecule.test"
HTTPS_URL = f"https://{HOST}/git/demo.git"
SSH_URL = f"ssh://git@{HOST}/srv/git/demo.git"
IMPOSTOR_URL = f"ssh://git@{HOST}:2222/srv/git/demo.git"
HOME = "/home/ada"
CLIENT_IMAGE = "molecule-git-client:latest"


def helper(host) -> str:
    return "cache" if host.backend.get_hostname().endswith("13") else "store"


def as_ada(host, command: str):
    """A login shell of ada's, with no terminal to prompt on."""
    return host.run(f"runuser -l ada -c {shlex.quote('export GIT_TERMINAL_PROMPT=0; ' + command)}")


@pytest.fixture(scope="module")
def sampled(host) -> str:
    """What the command line sampler saw from prepare to now; it is stopped first, so that the
    verifier's own commands are not part of it."""
    host.run("systemctl stop cmdline-sampler")
    return host.file("/var/log/cmdline-sampler.log").content_string


def test_the_sampler_caught_the_role_at_work_and_no_token(host, sampled):
    # Processes that live long enough to be sampled every time (a 20 ms sampler can miss a
    # single `git config` call): the modules that run as ada, the credential module among them,
    # which holds the token while it runs (pipelined: the module and its arguments reach the
    # interpreter through its standard input, never a command line or a file), and, with the
    # cache helper, the daemon that keeps it.
    assert re.search(r"sudo -H -S -n -u ada /bin/sh -c echo BECOME-SUCCESS-\w+ ; /usr/bin/python3", sampled)
    if helper(host) == "cache":
        assert "credential-cache--daemon" in sampled
    assert TOKEN not in sampled


def converge_outputs() -> list[str]:
    """The output of each ansible-playbook run of converge.yml (check, converge, idempotence), from
    the scenario's log: lines are tagged with the process id of their run."""
    runs: dict[str, list[str]] = {}
    pid = ""
    for line in Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "ansible.log").read_text().splitlines():
        match = re.match(r"^\S+ \S+ p=(\d+) ", line)
        pid = match.group(1) if match else pid  # continuation lines belong to the run above
        runs.setdefault(pid, []).append(re.sub(r"\x1b\[[0-9;]*m", "", line))
    return ["\n".join(lines) for lines in runs.values() if "PLAY [Converge]" in "\n".join(lines)]


def test_no_output_of_the_run_shows_the_token():
    outputs = converge_outputs()
    assert len(outputs) >= 3  # check, converge, idempotence
    # The credential task ran and printed its diff, with the token masked.
    assert "TASK [git : Store the HTTPS credentials in ~/.git-credentials]" in outputs[-1]
    assert any("+https://ada:********@git.molecule.test" in output for output in outputs)
    for output in outputs:
        assert TOKEN not in output


def test_the_global_configuration_is_merged_from_the_layers(host):
    def get(key: str) -> list[str]:
        return as_ada(host, f"git config --global --get-all {key}").stdout.splitlines()

    assert get("user.name") == ["Ada Lovelace"]
    assert get("user.email") == ["ada@molecule.test"]
    assert get("init.defaultBranch") == ["main"]
    assert get("pull.rebase") == ["false"]
    assert get("safe.directory") == ["/workspace"]
    assert get("url.https://git.molecule.test/git/.insteadOf") == ["gh:", "mirror:"]
    assert get("core.autocrlf") == ["input"]  # group layer
    assert get("core.editor") == ["vim"]  # host layer
    assert get("fetch.prune") == []  # a default the host layer unsets
    expected = "cache --timeout=3600" if helper(host) == "cache" else "store"
    assert get("credential.helper") == [expected]
    if helper(host) == "cache":
        assert get("filter.lfs.process") == ["git-lfs filter-process"]
        assert as_ada(host, "git lfs version").rc == 0


def test_the_store_holds_only_what_it_should_in_a_0600_file(host):
    store = host.file(f"{HOME}/.git-credentials")
    assert store.user == "ada"
    assert store.mode == 0o600
    lines = as_ada(host, "cat ~/.git-credentials").stdout.splitlines()
    assert not [line for line in lines if "old.molecule.test" in line], "the absent credential is still stored"
    stored = [line for line in lines if HOST in line]
    assert len(stored) == (1 if helper(host) == "store" else 0)


# Per transport: the URL, and git options that take the credential (token or key) away.
WITHOUT_CREDENTIAL = {
    "https": (HTTPS_URL, "-c credential.helper="),
    "ssh": (SSH_URL, "-c core.sshCommand='ssh -F /dev/null -o BatchMode=yes -o IdentityFile=none'"),
}


@pytest.mark.parametrize("transport", WITHOUT_CREDENTIAL)
def test_clone_with_the_installed_credential(host, transport):
    url, dummy = WITHOUT_CREDENTIAL[transport]
    clone = f"/tmp/{transport}"
    result = as_ada(host, f"rm -rf {clone} && git clone -q {url} {clone} && cat {clone}/README")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "molecule git demo"


@pytest.mark.parametrize("transport", WITHOUT_CREDENTIAL)
def test_clone_fails_without_the_credential(host, transport):
    url, options = WITHOUT_CREDENTIAL[transport]
    result = as_ada(host, f"rm -rf /tmp/no-{transport} && git {options} clone -q {url} /tmp/no-{transport}")
    assert result.rc != 0
    assert any(
        reason in result.stderr
        for reason in ("terminal prompts disabled", "Authentication failed", "Permission denied (publickey")
    ), result.stderr


def test_a_server_with_another_host_key_is_refused(host):
    result = as_ada(host, f"rm -rf /tmp/impostor && git clone -q {IMPOSTOR_URL} /tmp/impostor")
    assert result.rc != 0
    assert "REMOTE HOST IDENTIFICATION HAS CHANGED" in result.stderr
    assert not host.file("/tmp/impostor/README").exists


def test_ssh_files_have_their_modes(host):
    assert host.file(f"{HOME}/.ssh").mode == 0o700
    for name, mode in (("id_ed25519", 0o600), ("id_ed25519.pub", 0o644), ("config", 0o600)):
        f = host.file(f"{HOME}/.ssh/{name}")
        assert (f.user, f.group, f.mode) == ("ada", "ada", mode), name
    assert host.file(f"{HOME}/.ssh/id_ed25519.pub").content_string.startswith("ssh-ed25519 ")
    known = host.file(f"{HOME}/.ssh/known_hosts").content_string.splitlines()
    assert sorted(line.split()[0] for line in known) == [f"[{HOST}]:2222", HOST]
    assert "StrictHostKeyChecking yes" in as_ada(host, "cat ~/.ssh/config").stdout


@pytest.fixture(scope="module")
def fact(host) -> dict:
    f = host.file("/etc/ansible/facts.d/git.fact")
    assert f.mode == 0o644
    return json.loads(f.content_string)


def test_the_container_mounts_carry_no_private_key(fact):
    sources = [m["source"] for m in fact["mounts"]]
    assert f"{HOME}/.gitconfig" in sources
    assert not [s for s in sources if s.endswith("id_ed25519")]
    assert all(m["read_only"] for m in fact["mounts"] if not m["target"].endswith("/.cache/git/credential"))


def test_the_same_clones_work_in_a_container_with_the_prepared_mounts(host, fact):
    agent = "/tmp/ada-agent.sock"
    started = as_ada(
        host, f"rm -f {agent}; ssh-agent -a {agent} >/dev/null && SSH_AUTH_SOCK={agent} ssh-add -q ~/.ssh/id_ed25519"
    )
    assert started.rc == 0, started.stderr
    try:
        mounts = [
            f"--mount type=bind,source={m['source']},target={m['target']}" + (",readonly" if m["read_only"] else "")
            for m in fact["mounts"]
        ]
        env = [f"-e {name}={value}" for name, value in fact["env"].items()]
        script = (
            f"test ! -e ~/.ssh/id_ed25519 && git clone -q {HTTPS_URL} /tmp/a && git clone -q {SSH_URL} /tmp/b"
            " && cat /tmp/a/README /tmp/b/README"
        )
        result = host.run(
            f"docker run --rm --network host --user {fact['uid']}:{fact['gid']} -e HOME={fact['container_home']}"
            f" -e GIT_TERMINAL_PROMPT=0 {' '.join(mounts)} {' '.join(env)}"
            f" --mount type=bind,source={agent},target={fact['ssh_auth_sock']}"
            f" {CLIENT_IMAGE} sh -c {shlex.quote(script)}"
        )
        assert result.rc == 0, result.stderr
        assert result.stdout.split() == ["molecule", "git", "demo"] * 2
    finally:
        as_ada(host, f"SSH_AUTH_SOCK={agent} ssh-agent -k >/dev/null 2>&1; pkill -u ada ssh-agent; rm -f {agent}")


# molecule/shared/find_secret.py: files holding a secret, with their mode and owner.
FIND_TOKEN = (Path(__file__).parents[2] / "shared" / "find_secret.py").read_text()


def test_the_token_is_in_no_file_but_the_0600_store(host):
    result = host.run(f"python3 -c {shlex.quote(FIND_TOKEN)} {TOKEN.encode().hex()}")
    assert result.rc == 0, result.stderr
    found = {path: (mode, int(uid)) for path, mode, uid in (line.split() for line in result.stdout.splitlines())}
    if helper(host) == "store":
        assert f"{HOME}/.git-credentials" in found  # the search does find it where it is
    assert {path: (mode, uid) for path, (mode, uid) in found.items() if (mode, uid) != ("0o600", 1500)} == {}


def test_no_image_holds_the_token(host):
    images = host.run("docker images --all --quiet").stdout.split()
    assert images, "no image to look at"
    for image in images:
        history = host.run(f"docker history --no-trunc {image}")
        inspect = host.run(f"docker image inspect {image}")
        assert TOKEN not in history.stdout + inspect.stdout
