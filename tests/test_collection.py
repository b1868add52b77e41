"""The checkout is the collection mlops.workstation: it builds, installs, and a playbook outside
the checkout uses its modules, filters and roles by their full names."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

from conftest import ROOT

BIN = Path(sys.executable).parent
PLAY = """\
- name: Use the collection from outside the checkout
  hosts: localhost
  gather_subset: [user]
  tasks:
    - name: Read a file with its module
      mlops.workstation.host_state:
        files: [/etc/hostname]
      register: state

    - name: Mask a URL with its filter
      ansible.builtin.debug:
        msg: "{{ 'https://u:s3cret@h/x' | mlops.workstation.url_masked }} {{ state.files['/etc/hostname'].exists }}"

    - name: Run one of its roles' entry points
      ansible.builtin.include_role:
        name: mlops.workstation.workstation
        tasks_from: facts

    - name: Show what the role settled
      ansible.builtin.debug:
        msg: "user={{ workstation_user_info.name }}"
"""


def run(*command: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def test_the_collection_builds_installs_and_works_from_elsewhere(tmp_path):
    run(str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path), cwd=ROOT)
    (archive,) = tmp_path.glob("mlops-workstation-*.tar.gz")
    with tarfile.open(archive) as tar:
        tops = {name.split("/")[0] for name in tar.getnames()}
    assert {"MANIFEST.json", "roles", "plugins", "meta"} <= tops
    assert not tops & {".venv", ".cache", "molecule", "tests", "inventory"}, tops

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    installed = tmp_path / "collections"
    run(
        str(BIN / "ansible-galaxy"),
        "collection",
        "install",
        "--no-deps",
        "-p",
        str(installed),
        str(archive),
        cwd=outside,
    )
    (outside / "play.yml").write_text(PLAY)
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(installed), "ANSIBLE_CONFIG": str(outside / "none.cfg")}
    env.pop("ANSIBLE_LIBRARY", None)
    output = run(str(BIN / "ansible-playbook"), "play.yml", cwd=outside, env=env)
    assert "https://u:***@h/x True" in output
    assert "s3cret" not in output
    assert "user=" in output
    assert "failed=0" in output
