"""Build once, pull everywhere (molecule.yml): the workstations run the digest the builder pushed
and built nothing; each registry fault stopped the run with its cause and kept the image and the
container in use; the registry serves TLS with users only, and its garbage collection sweeps an
untagged manifest and nothing in use; the registry password is in no output and no file."""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
from pathlib import Path

import pytest

EPHEMERAL = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
FIND_SECRET = (Path(__file__).parents[2] / "shared" / "find_secret.py").read_text()
REGISTRY = "registry.fleet.test:5000"
PASSWORD = "canary-reg-fleet-5e2a91"
LOGIN = base64.b64encode(f"ci:{PASSWORD}".encode()).decode()
STORAGE = "/var/lib/docker-registry/docker/registry/v2"
WORKSTATIONS = ("debian-12", "debian-13")


def role(host) -> str:
    name = host.check_output("hostname")
    return "workstation" if name in WORKSTATIONS else name


def digest() -> str:
    return (EPHEMERAL / "python-image.digest").read_text().strip()


def image(host, ref: str) -> dict:
    return json.loads(host.check_output(f"docker image inspect {shlex.quote(ref)}"))[0]


def test_the_digest_file_holds_what_the_builder_pushed(host):
    if role(host) != "builder":
        pytest.skip("the builder's test")
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest())
    pushed = image(host, f"{REGISTRY}/mlops-dev:3.9")
    assert f"{REGISTRY}/mlops-dev@{digest()}" in pushed["RepoDigests"]


def test_workstations_run_the_pushed_digest_and_built_nothing(host):
    if role(host) != "workstation":
        pytest.skip("a workstation's test")
    alias = image(host, "mlops-dev:3.9")
    assert f"{REGISTRY}/mlops-dev@{digest()}" in alias["RepoDigests"]
    container = json.loads(host.check_output("docker container inspect mlops-dev"))[0]
    assert container["Image"] == alias["Id"]
    assert container["State"]["Running"]
    # No build: no input-hash tag, no build context, and the engine has no build cache.
    tags = host.check_output("docker image ls --format '{{.Repository}}:{{.Tag}}' mlops-dev").split()
    assert tags == ["mlops-dev:3.9"]
    assert not host.file("/var/lib/mlops/python-image").exists
    assert "0B" in host.check_output("docker system df --format '{{.Type}} {{.Size}}' | grep 'Build Cache'")
    # The login is in root's Docker config only, 0600.
    config = host.file("/root/.docker/config.json")
    assert (config.mode, config.user) == (0o600, "root")
    assert LOGIN in config.content_string


FAULTS = {
    "wrong password": "python_image_registry_password",
    "unknown digest": "python_image_digest",
    "registry down": "does not answer",
    "ca not trusted": "docker_registry_ca_certificates",
}


@pytest.mark.parametrize(("fault", "named"), FAULTS.items(), ids=FAULTS.keys())
def test_each_registry_fault_stops_with_its_cause_and_keeps_what_runs(host, fault, named):
    if host.check_output("hostname") != "debian-12":
        pytest.skip("side_effect.yml makes the faults on debian-12")
    record = json.loads(host.file("/root/fleet-faults.json").content_string)
    result = record["faults"][fault]
    assert result["failed"], "the run went on"
    assert named in result["msg"]
    assert "are kept" in result["msg"]
    assert record["in_use"][fault] == record["in_use"]["before"]
    # With the registry back, the same run pulls the same image.
    assert record["repulled"]["pulled"]
    assert record["repulled"]["id"] == record["in_use"]["before"]["image"]


PROBE = """
import http.client, ssl, sys, urllib.error, urllib.request
url = "https://registry.fleet.test:5000/v2/"
try:
    urllib.request.urlopen(url, context=ssl.create_default_context(cafile=sys.argv[1]))
except urllib.error.HTTPError as error:
    print(error.code)
try:
    urllib.request.urlopen(url)
except urllib.error.URLError as error:
    print(type(error.reason).__name__)
plain = http.client.HTTPConnection("registry.fleet.test", 5000)
plain.request("GET", "/v2/")
print(plain.getresponse().status)
"""


def test_the_registry_serves_tls_to_its_users_only(host):
    """With the team's CA: 401 without a login. Without it: the certificate is refused. Plain HTTP: 400."""
    if role(host) != "workstation":
        pytest.skip("a client's test")
    ca = f"/etc/docker/certs.d/{REGISTRY}/ca.crt"
    answers = host.check_output(f"python3 -c {shlex.quote(PROBE)} {ca}").split()
    assert answers == ["401", "SSLCertVerificationError", "400"]


def test_the_registry_files_are_its_own(host):
    if role(host) != "registry":
        pytest.skip("the registry's test")
    assert host.service("docker-registry").is_running
    for path, mode, owner in (
        ("/etc/docker/registry/tls.key", 0o600, "docker-registry"),
        ("/etc/docker/registry/htpasswd", 0o600, "docker-registry"),
        ("/etc/docker/registry/config.yml", 0o640, "root"),
        ("/etc/docker/registry/tls.crt", 0o644, "root"),
    ):
        file = host.file(path)
        assert (file.mode, file.user) == (mode, owner), path
    assert host.file("/etc/docker/registry/htpasswd").content_string.startswith("ci:$2")
    assert host.run("systemctl is-enabled registry-gc.timer").stdout.strip() == "enabled"


def test_garbage_collection_sweeps_an_untagged_manifest_and_keeps_what_is_in_use(host):
    if role(host) != "registry":
        pytest.skip("the registry's test")
    throwaway = json.loads((EPHEMERAL / "throwaway.json").read_text())

    def blob(digest: str) -> bool:
        hexdigest = digest.split(":")[1]
        return host.file(f"{STORAGE}/blobs/sha256/{hexdigest[:2]}/{hexdigest}/data").exists

    assert blob(throwaway["untagged"])
    assert blob(throwaway["tagged"])
    assert blob(digest())
    result = host.run("systemctl start registry-gc.service")
    assert result.rc == 0, result.stderr
    assert not blob(throwaway["untagged"])
    assert blob(throwaway["tagged"])
    assert blob(digest())
    assert host.service("docker-registry").is_running


def test_the_password_is_in_no_file_but_the_login(host):
    """In no file of any host as text (a bcrypt hash in htpasswd); base64 in root's 0600 Docker
    config on the hosts that log in, nowhere else."""
    values = [PASSWORD.encode().hex(), LOGIN.encode().hex()]
    result = host.run(f"python3 -c {shlex.quote(FIND_SECRET)} --json {' '.join(values)}")
    assert result.rc == 0, result.stderr
    found = json.loads(result.stdout)
    assert found[values[0]] == []
    expected = [] if role(host) == "registry" else [["/root/.docker/config.json", "0o600", 0]]
    assert found[values[1]] == expected


def playbook_outputs() -> list[str]:
    """The output of each ansible-playbook run, from the log (its lines tagged with the run's
    process id); testinfra's ansible-inventory calls, which list the inventory, are left out."""
    runs: dict[str, list[str]] = {}
    pid = ""
    for line in (EPHEMERAL / "ansible.log").read_text().splitlines():
        match = re.match(r"^\S+ \S+ p=(\d+) ", line)
        pid = match.group(1) if match else pid
        runs.setdefault(pid, []).append(line)
    return ["\n".join(lines) for lines in runs.values() if "PLAY [" in "\n".join(lines)]


def test_no_output_of_any_run_shows_the_password():
    outputs = playbook_outputs()
    assert len(outputs) >= 4  # prepare, converge, idempotence, side effect
    assert any("<fleet-debian-12> EXEC" in output for output in outputs)  # at -vvv
    assert any("Logging in to registry.fleet.test:5000 as ci" in output for output in outputs)  # the faults
    for output in outputs:
        assert PASSWORD not in output
        assert LOGIN not in output
