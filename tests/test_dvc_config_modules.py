"""The dvc_config and dvc_remote modules, run by Ansible itself (`ansible localhost -m`, with the
the collection's modules and module_utils), on throw-away project directories. What they write is read
back with configobj, as DVC reads it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

configobj = pytest.importorskip("configobj")

SECRET = "s3cr3t-canary-4f1e"


def module(name: str, args: dict, *, check: bool = False, diff: bool = True, home: Path | None = None) -> dict:
    """Run one module through `ansible localhost -m`; its JSON result, and the whole output."""
    binary = Path(sys.executable).parent / "ansible"
    command = [
        str(binary if binary.exists() else shutil.which("ansible")),
        "localhost",
        "-c",
        "local",
        "-e",
        f"ansible_python_interpreter={sys.executable}",
        "-m",
        f"mlops.workstation.{name}",
        "-a",
        json.dumps(args),
    ]
    command += ["--check"] * check + ["--diff"] * diff
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(ROOT / "tests" / "ansible.cfg"),
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
        "ANSIBLE_STDOUT_CALLBACK": "json",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
    }
    if home is not None:
        env["HOME"] = str(home)
        env.pop("XDG_CONFIG_HOME", None)
    run = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    report = json.loads(run.stdout)
    result = report["plays"][0]["tasks"][0]["hosts"]["localhost"]
    result["_output"] = run.stdout + run.stderr
    return result


@pytest.fixture
def repo(tmp_path) -> Path:
    project = tmp_path / "project"
    (project / ".dvc").mkdir(parents=True)
    (project / ".dvc" / "config").write_text("[core]\n    # the team's settings\n    autostage = true\n")
    return project


def read_config(path: Path) -> dict:
    return configobj.ConfigObj(str(path)).dict()


def test_config_sets_and_unsets_keys_and_keeps_the_rest(repo):
    result = module(
        "dvc_config",
        {
            "repo": str(repo),
            "values": {
                "cache.type": "reflink,hardlink,symlink",
                "cache.shared": "group",
                "core.autostage": None,
                "core.no_scm": True,
            },
        },
    )
    assert result["changed"] is True
    assert result["path"] == str(repo / ".dvc" / "config")
    config = read_config(repo / ".dvc" / "config")
    assert config["cache"] == {"type": "reflink,hardlink,symlink", "shared": "group"}
    assert config["core"] == {"no_scm": "true"}
    assert "# the team's settings" in (repo / ".dvc" / "config").read_text()
    again = module("dvc_config", {"repo": str(repo), "values": {"cache.type": "reflink,hardlink,symlink"}})
    assert again["changed"] is False


def test_config_check_mode_changes_nothing(repo):
    before = (repo / ".dvc" / "config").read_text()
    result = module("dvc_config", {"repo": str(repo), "values": {"cache.type": "symlink"}}, check=True)
    assert result["changed"] is True
    assert "type = symlink" in result["diff"]["after"]
    assert (repo / ".dvc" / "config").read_text() == before


@pytest.mark.parametrize(
    ("scope", "relative", "mode"), [("local", ".dvc/config.local", 0o600), ("global", "home/.config/dvc/config", 0o600)]
)
def test_config_reports_the_file_of_each_scope(repo, tmp_path, scope, relative, mode):
    (tmp_path / "home").mkdir()
    result = module(
        "dvc_config",
        {"scope": scope, "repo": str(repo), "values": {"core.check_update": False}},
        home=tmp_path / "home",
    )
    expected = (repo / relative) if scope == "local" else (tmp_path / relative)
    assert result["path"] == str(expected)
    assert read_config(expected)["core"]["check_update"] == "false"
    assert expected.stat().st_mode & 0o777 == mode


def test_config_refuses_credentials_and_non_projects(repo, tmp_path):
    result = module(
        "dvc_config", {"scope": "local", "repo": str(repo), "values": {"remote.s3.secret_access_key": SECRET}}
    )
    assert result.get("failed") is True
    assert "dvc_remote" in result["msg"]
    assert SECRET not in result["_output"]
    result = module("dvc_config", {"repo": str(tmp_path), "values": {"cache.type": "copy"}})
    assert "not a DVC project" in result["msg"]


def test_remote_with_credentials_keeps_them_out_of_git_and_output(repo):
    args = {
        "repo": str(repo),
        "name": "storage",
        "url": "s3://datasets/mlops",
        "default": True,
        "options": {"endpointurl": "http://127.0.0.1:5000", "region": "us-east-1"},
        "secrets": {"access_key_id": "AKIAEXAMPLE", "secret_access_key": SECRET},
    }
    result = module("dvc_remote", args)
    assert result["changed"] is True
    project = read_config(repo / ".dvc" / "config")
    local = read_config(repo / ".dvc" / "config.local")
    assert project['remote "storage"'] == {
        "url": "s3://datasets/mlops",
        "endpointurl": "http://127.0.0.1:5000",
        "region": "us-east-1",
    }
    assert project["core"]["remote"] == "storage"
    # The url again beside the credentials: a complete remote for commits whose .dvc/config lacks it.
    assert local['remote "storage"'] == {
        "url": "s3://datasets/mlops",
        "access_key_id": "AKIAEXAMPLE",
        "secret_access_key": SECRET,
    }
    assert (repo / ".dvc" / "config.local").stat().st_mode & 0o777 == 0o600
    assert SECRET not in result["_output"]
    assert "********" in result["_output"]  # the diff, masked
    assert module("dvc_remote", args)["changed"] is False


def test_remote_options_are_exact_and_absent_removes_the_default(repo):
    module(
        "dvc_remote",
        {"repo": str(repo), "name": "hdd", "url": "/mnt/hdd/dvc", "default": True, "options": {"verify": True}},
    )
    module("dvc_remote", {"repo": str(repo), "name": "hdd", "url": "/mnt/hdd/dvc"})
    assert read_config(repo / ".dvc" / "config")['remote "hdd"'] == {"url": "/mnt/hdd/dvc"}
    result = module("dvc_remote", {"repo": str(repo), "name": "hdd", "state": "absent"})
    assert result["changed"] is True
    config = read_config(repo / ".dvc" / "config")
    assert 'remote "hdd"' not in config
    assert "remote" not in config.get("core", {})
    assert config["core"]["autostage"] == "true"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"options": {"password": SECRET}}, "pass them as secrets"),
        ({"secrets": {"endpointurl": "http://x"}}, "pass them as options"),
        ({"name": "my remote"}, "must be a word"),
    ],
)
def test_remote_refuses_credentials_in_the_wrong_place(repo, args, message):
    result = module("dvc_remote", {"repo": str(repo), "name": "storage", "url": "ssh://host/path", **args})
    assert result.get("failed") is True
    assert message in result["msg"]
    assert SECRET not in result["_output"]
    assert not (repo / ".dvc" / "config.local").exists()


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("dvc_config", "Which configuration file"),
        ("dvc_remote", "secrets"),
        ("dvc_link_probe", "FICLONE"),
    ],
)
def test_ansible_doc_renders_the_module(module, expected):
    ansible_doc = Path(sys.executable).parent / "ansible-doc"
    if not ansible_doc.exists():
        pytest.skip("ansible-doc is not installed")
    env = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "tests" / "ansible.cfg")}
    proc = subprocess.run(
        [str(ansible_doc), f"mlops.workstation.{module}"], capture_output=True, text=True, check=False, env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert expected in proc.stdout
    assert "EXAMPLES" in proc.stdout
    assert "RETURN VALUES" in proc.stdout
