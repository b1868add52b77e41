"""The example inventory a user copies (inventory/example): its secrets are vaulted, each host's
overrides land on that host only, and its settings pass every role's validation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, ansible_playbook

EXAMPLE = ROOT / "inventory" / "example"
PASSWORD = EXAMPLE / "vault-password.example"
VAULTS = sorted(EXAMPLE.rglob("vault.yml"))


def tool(name: str) -> str:
    return str(Path(ansible_playbook()).with_name(name))


def host_vars(host: str) -> dict:
    proc = subprocess.run(
        [tool("ansible-inventory"), "-i", str(EXAMPLE), "--vault-password-file", str(PASSWORD), "--host", host],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def test_the_secrets_are_vaulted():
    assert len(VAULTS) == 2
    for vault in VAULTS:
        assert vault.read_text().startswith("$ANSIBLE_VAULT;1.1;AES256\n"), vault
    plain = [p for p in EXAMPLE.rglob("*.yml") if p not in VAULTS]
    for path in plain:
        text = path.read_text()
        assert "-----BEGIN" not in text, path
        assert "vault_" not in text or '"{{ vault_' in text, path  # only references to vault variables


def test_the_inventory_needs_the_vault_password():
    proc = subprocess.run(
        [tool("ansible-inventory"), "-i", str(EXAMPLE), "--host", "gpu-box-01"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert "vault" in proc.stderr.lower()


def test_each_override_lands_on_its_host_only():
    gpu, laptop = host_vars("gpu-box-01"), host_vars("laptop-02")
    # The vault decrypts, each host its own.
    assert gpu["vault_gitlab_token"].startswith("glpat-example")
    assert "vault_gitlab_token" not in laptop
    assert laptop["vault_dvc_s3_secret_access_key"] == gpu["vault_dvc_s3_secret_access_key"]
    # Another cache disk on one host; the team's cache elsewhere.
    assert gpu["dvc_cache_dir"] == "/data/dvc-cache"
    assert laptop["dvc_cache_dir"] == "/var/cache/dvc"
    # An extra remote on one host, the team's on both.
    assert set(gpu["dvc_host_remotes"]) == {"scratch"}
    assert "dvc_host_remotes" not in laptop
    assert set(gpu["dvc_group_remotes"]) == set(laptop["dvc_group_remotes"]) == {"storage", "nas"}
    # GPUs on one host.
    assert gpu["dev_container_gpus"] is True
    assert gpu["docker_nvidia_runtime_enabled"] is True
    assert "dev_container_gpus" not in laptop
    assert (gpu["workstation_user_name"], laptop["workstation_user_name"]) == ("alice", "bob")


@pytest.fixture(scope="module")
def preflight() -> dict:
    """site.yml's preflight on the example's hosts, run here (local connection, --check)."""
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(ROOT / "tests" / "ansible.cfg"),
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_NOCOLOR="1",
    )
    local = ["-e", "ansible_connection=local", "-e", "ansible_become=false"]
    local += ["-e", f"ansible_python_interpreter={sys.executable}"]
    # This machine has no NVIDIA runtime: a stand-in lets the checks after it run too.
    local += ["-e", "docker_nvidia_runtime_path=/bin/true"]
    command = [ansible_playbook(), "site.yml", "-i", str(EXAMPLE), "--vault-password-file", str(PASSWORD)]
    command += ["--check", "--tags", "preflight", *local]
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    return json.loads(proc.stdout)


@pytest.mark.parametrize("host", ["gpu-box-01", "laptop-02"])
def test_the_examples_settings_pass_every_validation(preflight, host):
    """Argument specs and the roles' validation of the settings pass. What may stop a host here
    is a check of this machine's state (the project's checkout is not here), as it would stop a
    machine not yet ready for these settings, before any change."""
    tasks = [
        (task["task"]["name"], task["hosts"][host])
        for play in preflight["plays"]
        for task in play["tasks"]
        if host in task["hosts"]
    ]
    specs = {name.split(" : ")[0] for name, dummy in tasks if "Validating arguments against arg spec" in name}
    assert {"workstation", "docker", "python_image", "git", "dvc"} <= specs
    validations = [(name, result) for name, result in tasks if name.split(" : ")[-1].startswith("Validat")]
    # Each role's settings are checked in one task, after its argument spec.
    checked = {name.split(" : ")[0] for name, dummy in validations if name.endswith(" : Validate the settings")}
    assert {"workstation", "docker", "python_image", "git", "dvc"} <= checked
    assert [name for name, result in validations if result.get("failed")] == []
    failed = [name.split(" : ")[-1] for name, result in tasks if result.get("failed")]
    assert all(name.startswith(("Check", "Refuse", "Stop this host")) for name in failed), failed
    assert [name for name, result in tasks if result.get("changed")] == []
