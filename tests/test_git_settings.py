"""What the git role computes from its layers: the settings written to ~/.gitconfig (merged
default < group < host, then the role's own keys) and the ~/.ssh/config block, read back by
ssh itself. All variants render in one ansible-playbook run."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import render_variants

VARIANTS: dict[str, dict] = {
    "defaults": {"git_account": "ada"},
    "layers": {
        "git_account": "ada",
        "git_user_name": "Ada Lovelace",
        "git_user_email": "ada@example.com",
        "git_pull_rebase": True,
        "git_safe_directories": ["/workspace", "/home/ada/project"],
        "git_group_config": {"core.editor": "nano", "url.https://x.example/.insteadOf": ["x:", "y:"]},
        "git_host_config": {"core.editor": "vim", "fetch.prune": None},
        "git_credential_helper": "cache",
        "git_credential_cache_timeout": 600,
        "git_lfs_enabled": True,
    },
    # ~/.gitconfig as `git config --list` prints it (keys in lower case): what the role sets
    # only where it differs.
    "configured": {
        "git_account": "ada",
        "git_group_config": {"url.https://x.example/.insteadOf": ["x:", "y:"], "Core.Editor": "vim"},
        "_git_current": {"stdout_lines": [
            "core.autocrlf=input", "fetch.prune=true", "init.defaultbranch=main", "pull.rebase=true",
            "credential.helper=store", "core.editor=vim", "url.https://x.example/.insteadof=x:",
            "user.name=Someone",
        ]},
    },
    "no helper": {"git_account": "ada", "git_credential_helper": "none", "git_init_default_branch": ""},
    # A workstation someone already uses: their identity, helper and safe.directory values.
    "lived-in": {
        "git_account": "ada",
        "git_safe_directories": ["/home/ada/workspace"],
        "_git_current": {"stdout_lines": [
            "user.name=Ada Lovelace", "user.email=ada@example.com", "credential.helper=!pass-helper",
            "safe.directory=/srv/theirs", "core.editor=vim", "alias.st=status",
        ]},
    },
    "ssh": {
        "git_account": "ada",
        "git_ssh_config": [
            {"host": "gitlab", "hostname": "gitlab.example.com", "user": "git", "port": 2222,
             "identity_file": "~/.ssh/id_work", "options": {"ServerAliveInterval": 30}},
            {"host": "*.internal", "strict_host_key_checking": "accept-new"},
        ],
    },
}  # fmt: skip


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> dict[str, Path]:
    return render_variants(
        tmp_path_factory.mktemp("git-settings"),
        "render_git_templates.yml",
        "git",
        ["defaults/main.yml", "vars/main.yml"],
        VARIANTS,
    )


def settings(rendered, variant: str) -> dict[str, list]:
    """Each key with its values, in order; [None] for a key that is unset."""
    result: dict[str, list] = {}
    for item in json.loads((rendered[variant] / "settings.json").read_text()):
        result.setdefault(item["name"], []).append(item["value"])
    return result


def test_defaults_set_only_the_defaults_and_the_store_helper(rendered):
    """No identity in the inventory: user.name and user.email are not touched, not unset."""
    assert settings(rendered, "defaults") == {
        "core.autocrlf": ["input"],
        "fetch.prune": ["true"],
        "init.defaultBranch": ["main"],
        "pull.rebase": ["false"],
        "credential.helper": ["store"],
    }


def test_host_layer_wins_over_group_and_null_unsets_a_default(rendered):
    got = settings(rendered, "layers")
    assert got["core.editor"] == ["vim"]
    assert got["fetch.prune"] == [None]
    assert got["core.autocrlf"] == ["input"]
    assert got["url.https://x.example/.insteadOf"] == ["x:", "y:"]
    assert got["safe.directory"] == ["/workspace", "/home/ada/project"]
    assert got["pull.rebase"] == ["true"]
    assert got["credential.helper"] == ["cache --timeout=600"]
    assert got["filter.lfs.process"] == ["git-lfs filter-process"]


def test_no_helper_unsets_the_helper(rendered):
    got = settings(rendered, "no helper")
    assert got["credential.helper"] == [None]
    assert "init.defaultBranch" not in got


def todo(rendered, variant: str) -> list[tuple[str, str | None]]:
    return [(item["name"], item["value"]) for item in json.loads((rendered[variant] / "todo.json").read_text())]


def helper(rendered, variant: str) -> str:
    return json.loads((rendered[variant] / "helper.json").read_text())


def test_the_helper_is_the_users_own_only_when_it_is_not_store(rendered):
    """A store helper (the role's own default from an earlier run) takes the listed tokens;
    a password manager's helper is the user's, kept; none read means store."""
    assert helper(rendered, "configured") == "store"
    assert helper(rendered, "lived-in") == "user"
    assert helper(rendered, "defaults") == "store"
    assert helper(rendered, "no helper") == "none"


def test_a_lived_in_gitconfig_keeps_the_users_identity_helper_and_values(rendered):
    """Only the role's own missing settings are applied: nothing is unset or replaced."""
    assert todo(rendered, "lived-in") == [
        ("core.autocrlf", "input"),
        ("fetch.prune", "true"),
        ("pull.rebase", "false"),
        ("init.defaultBranch", "main"),
        ("safe.directory", "/home/ada/workspace"),
    ]


def ssh_resolve(config: Path, host: str) -> dict[str, str]:
    if not shutil.which("ssh"):
        pytest.skip("ssh is not installed")
    out = subprocess.run(["ssh", "-G", "-F", str(config), host], capture_output=True, text=True, check=True).stdout
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)


def test_ssh_reads_the_host_entries_as_written(rendered):
    config = rendered["ssh"] / "ssh_config"
    gitlab = ssh_resolve(config, "gitlab")
    assert (gitlab["hostname"], gitlab["user"], gitlab["port"]) == ("gitlab.example.com", "git", "2222")
    assert gitlab["identitiesonly"] == "yes"
    assert gitlab["identityfile"].endswith("/.ssh/id_work")
    assert gitlab["stricthostkeychecking"] == "true"
    assert gitlab["serveraliveinterval"] == "30"
    assert ssh_resolve(config, "db.internal")["stricthostkeychecking"] == "accept-new"


def test_only_the_settings_that_differ_are_set(rendered):
    assert todo(rendered, "configured") == [
        ("url.https://x.example/.insteadOf", "y:"),  # x: there already, y: missing
        ("pull.rebase", "false"),  # true, wanted false
    ]
    # Nothing read (a fresh account): every setting with a value is set.
    assert ("core.autocrlf", "input") in todo(rendered, "defaults")
