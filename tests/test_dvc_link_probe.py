"""The dvc_link_probe module on this machine's filesystems: ext4 (no reflink), tmpfs (another
device), and, where the machine allows loop mounts, XFS with reflink."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

MODULE = ROOT / "plugins" / "modules" / "dvc_link_probe.py"
_SPEC = importlib.util.spec_from_file_location("dvc_link_probe", MODULE)
assert _SPEC is not None
assert _SPEC.loader is not None
link_probe = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(link_probe)


def reflink_works(directory: Path) -> bool:
    source = directory / "reflink-source"
    source.write_bytes(b"x")
    try:
        return subprocess.run(["cp", "--reflink=always", source, directory / "reflink-copy"],
                              capture_output=True, check=False).returncode == 0
    finally:
        for name in ("reflink-source", "reflink-copy"):
            (directory / name).unlink(missing_ok=True)


def leftovers(*directories: Path) -> list[str]:
    return [p.name for d in directories for p in d.iterdir() if p.name.startswith(".dvc-link-probe")]


def test_one_filesystem_offers_hard_and_symbolic_links(tmp_path):
    cache, workspace = tmp_path / "cache", tmp_path / "workspace"
    cache.mkdir()
    workspace.mkdir()
    result = link_probe.probe(str(cache), str(workspace))
    assert result["same_device"] is True
    assert "hardlink" in result["supported"]
    assert "symlink" in result["supported"]
    assert result["supported"][-1] == "copy"
    if reflink_works(tmp_path):
        assert result["recommended"] == "reflink"
    else:
        assert "reflink" in result["errors"]
        assert result["recommended"] == "hardlink"
    assert leftovers(cache, workspace) == []


def test_a_shared_cache_is_not_hard_linked(tmp_path):
    if reflink_works(tmp_path):
        pytest.skip("this filesystem clones: reflink wins whatever the sharing")
    result = link_probe.probe(str(tmp_path), str(tmp_path), shared=True)
    assert "hardlink" in result["supported"]
    assert result["recommended"] == "symlink"


def test_another_device_gets_symbolic_links(tmp_path):
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("no tmpfs on another device here")
    cache = Path(os.path.join(shm, f"dvc-probe-{os.getpid()}"))
    cache.mkdir()
    try:
        result = link_probe.probe(str(cache), str(tmp_path))
        assert result["same_device"] is False
        assert "hardlink" not in result["supported"]
        assert "cross-device" in result["errors"]["hardlink"].lower()
        assert result["recommended"] == "symlink"
        assert leftovers(cache, tmp_path) == []
    finally:
        shutil.rmtree(cache)


def test_missing_directory_is_an_error(tmp_path):
    with pytest.raises(ValueError, match=r"workspace .* is not an existing directory"):
        link_probe.probe(str(tmp_path), str(tmp_path / "missing"))


def test_an_unwritable_workspace_leaves_nothing_behind(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    workspace = tmp_path / "read-only"
    workspace.mkdir(mode=0o555)
    result = link_probe.probe(str(tmp_path), str(workspace))
    assert result["supported"] == ["copy"]
    assert result["recommended"] == "copy"
    assert leftovers(tmp_path, workspace) == []


def test_the_module_runs_as_ansible_runs_it(tmp_path):
    args = tmp_path / "args.json"
    module_args = {"cache_dir": str(tmp_path), "workspace": str(tmp_path), "_ansible_check_mode": True}
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": module_args}))
    run = subprocess.run([sys.executable, str(MODULE), str(args)], capture_output=True, text=True, check=False)
    result = json.loads(run.stdout)
    assert result["changed"] is False
    assert "symlink" in result["supported"]


@pytest.fixture
def xfs_mount(tmp_path):
    """An XFS filesystem with reflink, on a loop device (root on the machine itself only)."""
    if os.geteuid() != 0 or not shutil.which("mkfs.xfs"):
        pytest.skip("needs root and xfsprogs")
    image, mount = tmp_path / "xfs.img", tmp_path / "xfs"
    mount.mkdir()
    with image.open("wb") as handle:
        handle.truncate(400 * 1024 * 1024)
    subprocess.run(["mkfs.xfs", "-q", "-m", "reflink=1", str(image)], check=True)
    if subprocess.run(["mount", "-o", "loop", str(image), str(mount)], capture_output=True, check=False).returncode:
        pytest.skip("no loop mounts here (a container)")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_xfs_with_reflink_gets_reflinks(xfs_mount):
    (xfs_mount / "cache").mkdir()
    (xfs_mount / "workspace").mkdir()
    result = link_probe.probe(str(xfs_mount / "cache"), str(xfs_mount / "workspace"), shared=True)
    assert result["supported"] == ["reflink", "hardlink", "symlink", "copy"]
    assert result["recommended"] == "reflink"
