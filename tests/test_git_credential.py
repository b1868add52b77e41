"""The git_credential module, run as Ansible runs it: a separate Python process given its arguments in a file.

The store tests work on a file in a temporary directory; the cache tests talk to a real
`git credential-cache` daemon on a socket of their own, stopped at the end."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

MODULE = ROOT / "plugins" / "modules" / "git_credential.py"
TOKEN = "t0ken-canary-5d1f"


def run_module(tmp_path: Path, *, check: bool = False, diff: bool = True, **args) -> dict:
    args_file = tmp_path / "args.json"
    params = {**args, "_ansible_check_mode": check, "_ansible_diff": diff}
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": params}))
    env = dict(os.environ, HOME=str(tmp_path / "home"))
    proc = subprocess.run(
        [sys.executable, str(MODULE), str(args_file)], capture_output=True, text=True, timeout=60, check=False, env=env
    )
    assert TOKEN not in proc.stdout + proc.stderr, "the module printed the password"
    result = json.loads(proc.stdout)
    result["rc"] = proc.returncode
    return result


def credential(**fields) -> dict:
    return {"host": "git.example.com", "username": "alice", "password": TOKEN, **fields}


@pytest.fixture
def store(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    return tmp_path / "home" / ".git-credentials"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_store_present_adds_a_missing_credential_in_a_0600_file(tmp_path, store):
    result = run_module(tmp_path, credentials=[credential()])
    assert result["changed"] is True
    assert result["path"] == str(store)
    assert result["credentials"][0]["action"] == "added"
    assert store.read_text() == f"https://alice:{TOKEN}@git.example.com\n"
    assert mode(store) == 0o600


def test_store_second_run_changes_nothing(tmp_path, store):
    run_module(tmp_path, credentials=[credential()])
    result = run_module(tmp_path, credentials=[credential()])
    assert result["changed"] is False
    assert result["credentials"][0]["action"] == "unchanged"


def test_store_keeps_other_lines_and_updates_a_changed_token(tmp_path, store):
    store.write_text("https://bob:other@git.example.com\nhttps://alice:old@git.example.com\n")
    store.chmod(0o600)
    result = run_module(tmp_path, credentials=[credential()])
    assert result["credentials"][0]["action"] == "updated"
    assert store.read_text().splitlines() == [
        "https://bob:other@git.example.com",
        f"https://alice:{TOKEN}@git.example.com",
    ]


def test_store_absent_removes_only_that_credential(tmp_path, store):
    store.write_text(f"https://alice:{TOKEN}@git.example.com\nhttps://alice:x@other.example.com\n")
    store.chmod(0o600)
    result = run_module(tmp_path, credentials=[{"host": "git.example.com", "username": "alice", "state": "absent"}])
    assert result["changed"] is True
    assert result["credentials"][0]["action"] == "removed"
    assert store.read_text() == "https://alice:x@other.example.com\n"


def test_store_encodes_special_characters_as_git_does(tmp_path, store):
    result = run_module(tmp_path, credentials=[credential(username="a@b", password="p:w/d%")])
    assert result["changed"] is True
    assert store.read_text() == "https://a%40b:p%3Aw%2Fd%25@git.example.com\n"
    assert run_module(tmp_path, credentials=[credential(username="a@b", password="p:w/d%")])["changed"] is False


def test_store_tightens_a_readable_file(tmp_path, store):
    store.write_text(f"https://alice:{TOKEN}@git.example.com\n")
    store.chmod(0o644)
    result = run_module(tmp_path, credentials=[credential()])
    assert result["changed"] is True
    assert mode(store) == 0o600


def test_store_check_mode_reports_without_writing_and_the_diff_masks_the_token(tmp_path, store):
    result = run_module(tmp_path, check=True, credentials=[credential()])
    assert result["changed"] is True
    assert not store.exists()
    assert result["diff"]["after"] == "https://alice:********@git.example.com\nmode: 0600\n"


def test_git_reads_what_the_store_holds(tmp_path, store):
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    run_module(tmp_path, credentials=[credential(path="group/repo.git")])
    proc = subprocess.run(
        ["git", "-c", "credential.helper=", "-c", f"credential.helper=store --file={store}", "-c",
         "credential.useHttpPath=true", "credential", "fill"],
        input="protocol=https\nhost=git.example.com\npath=group/repo.git\nusername=alice\n\n",
        capture_output=True, text=True, check=True, env=dict(os.environ, GIT_TERMINAL_PROMPT="0"),
    )  # fmt: skip
    assert f"password={TOKEN}" in proc.stdout.splitlines()


def git_store(store: Path, action: str, text: str) -> str:
    """git's own credential-store on the file: approve (store), reject (erase) or fill."""
    proc = subprocess.run(
        ["git", "-c", "credential.helper=", "-c", f"credential.helper=store --file={store}", "credential", action],
        input=text, capture_output=True, text=True, check=True, env=dict(os.environ, GIT_TERMINAL_PROMPT="0"),
    )  # fmt: skip
    return proc.stdout


def test_a_host_with_a_port_is_matched_as_git_writes_it(tmp_path, store):
    """git stores host:port as host%3aport: rotating the token replaces git's own line, and git
    then returns the new token; absent removes it."""
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    query = "protocol=https\nhost=git.example.com:8443\nusername=alice\n"
    git_store(store, "approve", query + "password=old-token\n\n")
    assert "%3a8443" in store.read_text()
    result = run_module(tmp_path, credentials=[credential(host="git.example.com:8443")])
    assert result["credentials"][0]["action"] == "updated"
    assert len(store.read_text().splitlines()) == 1
    assert f"password={TOKEN}" in git_store(store, "fill", query + "\n").splitlines()
    assert run_module(tmp_path, credentials=[credential(host="git.example.com:8443")])["changed"] is False
    gone = run_module(tmp_path, credentials=[credential(host="git.example.com:8443", state="absent", password=None)])
    assert gone["credentials"][0]["action"] == "removed"
    assert store.read_text() == ""


def test_a_present_credential_without_a_password_is_refused(tmp_path, store):
    result = run_module(tmp_path, credentials=[{"host": "git.example.com", "username": "alice"}])
    assert result["rc"] != 0
    assert "password" in result["msg"]
    assert not store.exists()


def test_a_host_with_a_path_is_refused(tmp_path, store):
    result = run_module(tmp_path, credentials=[credential(host="git.example.com/group")])
    assert result["rc"] != 0
    assert "credentials[0].host" in result["msg"]


@pytest.fixture
def cache_socket(tmp_path: Path):
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    (tmp_path / "home").mkdir()
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o700)
    socket = directory / "socket"
    yield socket
    subprocess.run(["git", "credential-cache", f"--socket={socket}", "exit"], check=False, capture_output=True)


def test_cache_present_then_unchanged_then_absent(tmp_path, cache_socket):
    args = {"helper": "cache", "cache_socket": str(cache_socket), "cache_timeout": 300}
    first = run_module(tmp_path, credentials=[credential()], **args)
    assert first["rc"] == 0, first
    assert first["credentials"][0]["action"] == "added"
    assert run_module(tmp_path, credentials=[credential()], **args)["changed"] is False
    updated = run_module(tmp_path, credentials=[credential(password=TOKEN + "-2")], **args)
    assert updated["credentials"][0]["action"] == "updated"
    removed = run_module(tmp_path, credentials=[credential(state="absent", password=None)], **args)
    assert removed["credentials"][0]["action"] == "removed"
    assert run_module(tmp_path, credentials=[credential(state="absent", password=None)], **args)["changed"] is False


def test_cache_check_mode_stores_nothing(tmp_path, cache_socket):
    args = {"helper": "cache", "cache_socket": str(cache_socket)}
    assert run_module(tmp_path, check=True, credentials=[credential()], **args)["changed"] is True
    assert run_module(tmp_path, check=True, credentials=[credential()], **args)["changed"] is True


def test_ansible_doc_renders_the_module():
    ansible_doc = Path(sys.executable).parent / "ansible-doc"
    if not ansible_doc.exists():
        pytest.skip("ansible-doc is not installed")
    proc = subprocess.run(
        [str(ansible_doc), "-M", str(MODULE.parent), "git_credential"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "credential-store" in proc.stdout


def test_the_last_of_two_entries_for_one_credential_wins(tmp_path, store):
    credentials = [credential(password="group-token"), credential()]
    assert run_module(tmp_path, credentials=credentials)["changed"] is True
    assert store.read_text() == f"https://alice:{TOKEN}@git.example.com\n"
    assert run_module(tmp_path, credentials=credentials)["changed"] is False
