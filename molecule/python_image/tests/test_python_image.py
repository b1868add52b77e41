"""Verify the python_image role as a user would see it: the image runs Python 3.9 with the
requirements, git and DVC, as the workstation user; it was rebuilt from the requirements step
on when they changed; and the canary CA, index token and proxy password reached the build but
not the image."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

IMAGE = "mlops-dev:3.9"
TOKEN = "canary-tok-5f0c9a2e71"  # molecule.yml: molecule_canary_token
PROXY_PASSWORD = "canary-pxy-3b8e41"  # molecule.yml: molecule_canary_proxy_password
UID = GID = 1500  # the workstation user, ada
# Layers before the requirements step: base, apt packages, user, helper script, venv with DVC.
LAYERS_BEFORE_REQUIREMENTS = 5


def run_in_image(host, command: str, *options: str):
    result = host.run(f"docker run --rm {' '.join(options)} {IMAGE} {command}")
    assert result.rc == 0, f"{command}: {result.stdout}{result.stderr}"
    return result.stdout.strip()


@pytest.fixture(scope="module")
def rebuild(host) -> dict:
    return json.loads(host.file("/var/tmp/python-image-rebuild.json").content_string)


@pytest.fixture(scope="module")
def canary_ca_line(host) -> str:
    """A line of the canary CA's PEM body, as it sits in the test host's CA bundle."""
    pem = host.file("/usr/local/share/ca-certificates/controller-canary-ca.crt").content_string.splitlines()
    line = pem[len(pem) // 2]
    assert len(line) == 64
    bundle = host.file("/etc/ssl/certs/ca-certificates.crt").content_string
    assert line in bundle, "the canary CA is not in the bundle handed to the build"
    return line


def test_python_is_3_9(host):
    assert run_in_image(host, "python --version").startswith("Python 3.9.")


def test_the_venv_is_first_on_path(host):
    assert run_in_image(host, "sh -c 'for c in python pip dvc; do command -v $c; done'").splitlines() == [
        "/opt/venv/bin/python",
        "/opt/venv/bin/pip",
        "/opt/venv/bin/dvc",
    ]


def test_pip_check_passes(host):
    assert "No broken requirements found" in run_in_image(host, "pip check")


def test_every_requirement_imports(host):
    # The top-level modules of each distribution the requirements name, imported one by one.
    script = """
import importlib, importlib.metadata as md, re
names = [re.split(r"[=<>!~\\[ ;]", line.strip())[0]
         for line in open("/opt/python-image/requirements.txt") if line.strip() and not line.startswith("#")]
for name in names:
    files = md.distribution(name).files
    tops = {f.parts[0].removesuffix(".py") for f in files
            if not f.parts[0].endswith((".dist-info", ".data")) and f.parts[0] != "__pycache__"
            and (f.suffix == ".py" or len(f.parts) > 1)}
    for top in sorted(tops):
        importlib.import_module(top)
        print(name, top)
"""
    out = run_in_image(host, f"python -c {shlex.quote(script)}")
    imported = {line.split()[0] for line in out.splitlines()}
    # The file's requirement and the inline one: the side effect added one, then rolled it back.
    assert imported == {"toolz", "tomli"}


def test_runs_as_the_workstation_user(host):
    assert run_in_image(host, "id -u") == str(UID)
    assert run_in_image(host, "id -g") == str(GID)
    assert run_in_image(host, "id -un") == "ada"


def test_files_written_in_a_bind_mounted_workspace_belong_to_the_host_user(host):
    workspace = "/var/tmp/python-image-workspace"
    assert host.run(f"install -d -o ada -g ada {workspace}").rc == 0
    run_in_image(host, "touch /workspace/made-in-the-container", f"-v {workspace}:/workspace")
    made = host.file(f"{workspace}/made-in-the-container")
    assert made.user == "ada"
    assert made.group == "ada"


def test_git_and_dvc_are_present(host):
    assert run_in_image(host, "git --version").startswith("git version")
    assert run_in_image(host, "dvc --version") == "3.67.1"


def test_labels_carry_the_inputs_hash(host):
    labels = json.loads(host.check_output(f"docker image inspect -f '{{{{json .Config.Labels}}}}' {IMAGE}"))
    digest = labels["io.github.mlops-workstation.python-image.inputs-sha256"]
    assert labels["org.opencontainers.image.version"] == f"3.9-{digest[:12]}"
    assert labels["org.opencontainers.image.title"] == "mlops-dev"
    # The alias and the input-hash tag are one image.
    alias_id = host.check_output(f"docker image inspect -f '{{{{.Id}}}}' {IMAGE}")
    assert host.check_output(f"docker image inspect -f '{{{{.Id}}}}' mlops-dev:3.9-{digest[:12]}") == alias_id


def test_the_base_came_from_the_chosen_source(host):
    release = host.system_info.release.split(".")[0]
    base = {"12": "mlops-debootstrap:bullseye", "13": "mlops-debian:bullseye"}[release]
    labels = json.loads(host.check_output(f"docker image inspect -f '{{{{json .Config.Labels}}}}' {IMAGE}"))
    assert labels["org.opencontainers.image.base.name"] == base
    # Debian 11 minbase, imported: what `docker load` or `debootstrap` made on this host.
    assert host.check_output(f"docker run --rm {base} cat /etc/debian_version").startswith("11.")


def test_a_requirements_change_rebuilt_only_from_the_requirements_step(rebuild):
    before, after = rebuild["before"], rebuild["after"]
    assert before["Id"] != after["Id"]
    old, new = before["RootFS"]["Layers"], after["RootFS"]["Layers"]
    shared = next(i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b)
    assert shared == LAYERS_BEFORE_REQUIREMENTS, "the layers before the requirements step were rebuilt"
    # Applying the same inputs again built nothing.
    assert rebuild["second_run_built"] is False


def test_a_rollback_reuses_the_kept_image(rebuild):
    """The requirements reverted: the earlier build (kept) is the alias again, nothing is built."""
    assert rebuild["rolled_back"]["Id"] == rebuild["before"]["Id"]
    assert rebuild["rollback_built"] is False


def test_older_builds_are_pruned(host, rebuild):
    """After the rollback (keep 1) the build rolled back from is gone; the one in use stays."""
    newer_tag = rebuild["after"]["Config"]["Labels"]["org.opencontainers.image.version"]
    assert host.run(f"docker image inspect mlops-dev:{newer_tag}").rc != 0
    tags = host.check_output("docker images --format '{{.Tag}}' mlops-dev").split()
    assert sorted(tags) == sorted(["3.9", rebuild["before"]["Config"]["Labels"]["org.opencontainers.image.version"]])


def test_the_index_token_and_the_proxy_reached_pip(host):
    lines = [line.split() for line in host.file("/var/log/canary-index.log").content_string.splitlines()]
    assert lines, "pip never asked the canary index"
    for index, proxy, url in lines:
        assert "/simple/" in url
        assert index == "authorized"
        assert proxy == "proxy-authorized"


def needle_for(what: str, canary_ca_line: str) -> str:
    return {"token": TOKEN, "proxy password": PROXY_PASSWORD, "CA": canary_ca_line}[what]


SECRETS = ["token", "proxy password", "CA"]


@pytest.mark.parametrize("what", SECRETS)
def test_build_secrets_are_not_in_the_history(host, canary_ca_line, what):
    needle = needle_for(what, canary_ca_line)
    history = host.check_output(f"docker history --no-trunc --format '{{{{.CreatedBy}}}}' {IMAGE}")
    assert "pip-user" not in history
    assert "proxy-user" not in history
    assert needle not in history
    config = host.check_output(f"docker image inspect {IMAGE}")
    assert needle not in config


@pytest.mark.parametrize("what", SECRETS)
def test_build_secrets_are_not_in_the_exported_image(host, canary_ca_line, what):
    needle = needle_for(what, canary_ca_line)
    # Every layer, uncompressed, and the config: the whole image as `docker save` writes it.
    count = host.run(f"docker save {IMAGE} | grep -a -c -F {shlex.quote(needle)}")
    assert count.stdout.strip() == "0", f"the {what} is in the image"


def test_no_build_secrets_are_left_on_the_host(host):
    assert host.run("ls -d /tmp/python-image-secrets.* 2>/dev/null").stdout == ""
    for needle in (TOKEN, PROXY_PASSWORD):
        assert host.run(f"grep -r -s -F -l {needle} /var/lib/mlops /tmp /var/tmp").stdout == ""


def lock_pins(text: str) -> dict[str, str]:
    """name==version of each package of a lock (make lock), by normalised name."""
    pins = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)", line)
        if match:
            pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(3)
    return pins


def test_a_build_from_a_lock_holds_exactly_the_locked_packages(host):
    # Each host built the same lock on its own: equal to the lock, so equal to each other.
    locked = lock_pins((Path(__file__).parent.parent / "files" / "image.lock").read_text())
    assert "dvc" in locked
    frozen = lock_pins(host.file("/var/tmp/python-image-locked-freeze.txt").content_string)
    # pip is pinned on its own (python_image_pip_version); pkg-resources 0.0.0 is Debian's venv artefact.
    assert frozen.pop("pip")
    assert frozen.pop("pkg-resources", None) in (None, "0.0.0")
    assert frozen == locked
