"""The host_state module (plugins/modules), run as Ansible runs it: a separate Python process
given its arguments in a file. dpkg-query is a stand-in on PATH that answers from a table."""

from __future__ import annotations

import grp
import hashlib
import json
import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

MODULE = ROOT / "plugins" / "modules" / "host_state.py"

# As dpkg-query answers: every known name printed (also one that is only configured or was
# removed), the unknown ones on stderr with exit status 1.
FAKE_DPKG_QUERY = """#!/bin/sh
status=0
for name in "$@"; do
  case $name in
    --*) ;;
    git) printf 'git\\tinstall ok installed\\n' ;;
    acl) printf 'acl\\tdeinstall ok config-files\\n' ;;
    gnupg) printf 'gnupg\\tinstall ok unpacked\\n' ;;
    *) echo "dpkg-query: no packages found matching $name" >&2; status=1 ;;
  esac
done
echo called >> "$FAKE_DPKG_LOG"
exit $status
"""


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "bin"
    directory.mkdir()
    dpkg_query = directory / "dpkg-query"
    dpkg_query.write_text(FAKE_DPKG_QUERY)
    dpkg_query.chmod(0o755)
    return directory


def run_module(tmp_path: Path, bin_dir: Path, **params) -> dict:
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": params}))
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "FAKE_DPKG_LOG": str(tmp_path / "dpkg.log"),
    }
    proc = subprocess.run(
        [sys.executable, str(MODULE), str(args_file)], capture_output=True, text=True, timeout=60, check=False, env=env
    )
    result = json.loads(proc.stdout)
    result["module_rc"] = proc.returncode
    return result


def test_only_installed_packages_count(tmp_path, bin_dir):
    result = run_module(tmp_path, bin_dir, packages=["git", "acl", "gnupg", "no-such-package"])
    assert result["module_rc"] == 0, result
    assert result["changed"] is False
    assert result["packages"] == {"git": True, "acl": False, "gnupg": False, "no-such-package": False}
    # One dpkg-query for all of them.
    assert len((tmp_path / "dpkg.log").read_text().splitlines()) == 1


def test_nothing_asked_runs_nothing(tmp_path, bin_dir):
    result = run_module(tmp_path, bin_dir)
    assert result["module_rc"] == 0, result
    assert (result["packages"], result["users"], result["groups"], result["files"], result["commands"]) == (
        {},
        {},
        {},
        {},
        {},
    )
    assert not (tmp_path / "dpkg.log").exists()


def test_accounts_and_groups(tmp_path, bin_dir):
    me = pwd.getpwuid(os.getuid())
    primary = grp.getgrgid(me.pw_gid).gr_name
    result = run_module(tmp_path, bin_dir, users=[me.pw_name, "no-such-user-x"], groups=[primary, "no-such-group-x"])
    assert result["module_rc"] == 0, result
    account = result["users"][me.pw_name]
    assert (account["uid"], account["gid"], account["home"], account["shell"]) == (
        me.pw_uid,
        me.pw_gid,
        me.pw_dir,
        me.pw_shell,
    )
    assert account["home_exists"] is os.path.isdir(me.pw_dir)
    # The primary group counts as one of the account's groups, as `id -Gn` says.
    assert primary in account["groups"]
    assert result["users"]["no-such-user-x"] is None
    assert result["groups"][primary]["gid"] == me.pw_gid
    assert result["groups"]["no-such-group-x"] is None


def test_files_are_looked_at_without_following_a_link(tmp_path, bin_dir):
    regular = tmp_path / "daemon.json"
    regular.write_text('{"log-driver": "local"}\n')
    regular.chmod(0o640)
    link = tmp_path / "link"
    link.symlink_to(regular)
    directory = tmp_path / "dir"
    directory.mkdir(mode=0o750)
    directory.chmod(0o750)
    missing = tmp_path / "missing"
    result = run_module(tmp_path, bin_dir, files=[str(regular), str(link), str(directory), str(missing)])
    assert result["module_rc"] == 0, result
    files = result["files"]
    me = pwd.getpwuid(os.getuid()).pw_name
    assert files[str(regular)] == {
        "exists": True,
        "isreg": True,
        "isdir": False,
        "islnk": False,
        "pw_name": me,
        "gr_name": grp.getgrgid(os.getgid()).gr_name,
        "mode": "0640",
        "mtime": int(regular.stat().st_mtime),
        # The checksum Ansible's copy module compares.
        "checksum": hashlib.sha1(regular.read_bytes()).hexdigest(),
    }
    assert files[str(link)]["islnk"] is True
    assert files[str(link)]["lnk_source"] == str(regular)
    assert files[str(link)]["isreg"] is False
    assert "checksum" not in files[str(link)]
    assert files[str(directory)]["isdir"] is True
    assert files[str(directory)]["mode"] == "0750"
    assert files[str(missing)] == {
        "exists": False,
        "isreg": False,
        "isdir": False,
        "islnk": False,
        "pw_name": None,
        "gr_name": None,
        "mode": None,
        "mtime": None,
    }


def test_commands_answer_with_their_status_and_output(tmp_path, bin_dir):
    result = run_module(
        tmp_path,
        bin_dir,
        commands={
            "hello": ["echo", "hello"],
            "fails": ["sh", "-c", "echo no >&2; exit 3"],
            "absent": ["no-such-tool-x"],
        },
    )
    assert result["module_rc"] == 0, result
    assert result["commands"]["hello"] == {"rc": 0, "stdout": "hello\n", "stderr": ""}
    assert result["commands"]["fails"] == {"rc": 3, "stdout": "", "stderr": "no\n"}
    assert result["commands"]["absent"]["rc"] == 127


@pytest.mark.parametrize("argv", [[], "echo hello", ["echo", 1]])
def test_a_command_that_is_not_an_argument_list_fails_the_module(tmp_path, bin_dir, argv):
    result = run_module(tmp_path, bin_dir, commands={"bad": argv})
    assert result["module_rc"] != 0
    assert result["failed"] is True
    assert "commands.bad must be a non-empty list of strings" in result["msg"]


def test_paths_are_looked_at_without_reading_them(tmp_path, bin_dir):
    secret = tmp_path / "dockerd.env"
    secret.write_text("HTTPS_PROXY=http://user:password@proxy:3128\n")
    secret.chmod(0o600)
    result = run_module(tmp_path, bin_dir, paths=[str(secret)])
    assert result["module_rc"] == 0, result
    assert result["files"][str(secret)]["isreg"] is True
    assert result["files"][str(secret)]["mode"] == "0600"
    assert "checksum" not in result["files"][str(secret)]
