#!/usr/bin/python
# Copyright: (c) 2026, MLOps workstation maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Add, update, remove or make default a DVC remote, with its credentials kept apart."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dvc_remote
short_description: Manage a DVC remote and its credentials without putting them in git
description:
  - Does what C(dvc remote add/modify/remove/default) do, by editing the configuration files
    directly. The remote's URL and options go into the project's C(.dvc/config) (committed, shared
    with the team) or its C(.dvc/config.local); its credentials go only into C(.dvc/config.local)
    or the user's global configuration, written with mode 0600.
  - A credential given among O(options) is refused, and so is a credential already present in the
    project's C(.dvc/config) - that file is committed to git.
  - The remote's section holds exactly O(url), O(options) and, in the credentials' file,
    O(secrets) - options set earlier and no longer listed are removed.
  - Credentials are never shown - not in the result, not in the diff, not on a command line.
  - Run it as the user who owns the project (C(become_user)).
options:
  repo:
    description: The DVC project (the directory holding C(.dvc/)).
    type: path
    required: true
  name:
    description: The remote's name.
    type: str
    required: true
  state:
    description: C(absent) removes the remote from the project and local configuration (and the default, when it was).
    type: str
    choices: [present, absent]
    default: present
  url:
    description: Where the remote is (C(/mnt/hdd/dvc), C(ssh://host/path), C(s3://bucket/path), C(webdav://...), C(https://...)).
    type: str
  options:
    description:
      - Other settings of the remote (C(endpointurl), C(region), C(user), C(port), C(keyfile), ...); no credentials.
    type: dict
    default: {}
  secrets:
    description: Credentials (C(password), C(access_key_id), C(secret_access_key), C(token), ...).
    type: dict
    default: {}
  scope:
    description: Where the URL and options go.
    type: str
    choices: [project, local]
    default: project
  secrets_scope:
    description: Where the credentials go.
    type: str
    choices: [local, global]
    default: local
  default:
    description: Make this the project's default remote (C(core.remote), in O(scope)'s file).
    type: bool
    default: false
author:
  - MLops workstation maintainers (@mlops-workstation)
"""

EXAMPLES = r"""
- name: The team's S3-compatible store, with this user's keys in .dvc/config.local
  dvc_remote:
    repo: /home/alice/mlops
    name: storage
    url: s3://datasets/mlops
    options:
      endpointurl: https://minio.example.com
    secrets:
      access_key_id: "{{ vault_s3_key_id }}"
      secret_access_key: "{{ vault_s3_secret }}"
    default: true
  become: true
  become_user: alice
"""

RETURN = r"""
paths:
  description: The configuration files this remote is in.
  returned: always
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlops.workstation.plugins.module_utils.dvc_config_file import (
    SECRET_OPTIONS,
    config_path,
    is_secret,
    read,
    write,
)

SECRET_MASK = "********"


def _text(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _mode(path: str) -> int | None:
    try:
        return os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        return None


def _exact_section(config, section_prefix: str, wanted: dict[str, str]) -> None:
    """Make the remote's keys in one file exactly `wanted`."""
    for name in [n for n in config.items() if n.startswith(section_prefix)]:
        if name[len(section_prefix):] not in wanted:
            config.unset(name)
    for key, value in wanted.items():
        config.set(section_prefix + key, value)


def _masked(text: str) -> str:
    lines = []
    for line in text.splitlines():
        key = line.split("=", 1)[0].strip()
        lines.append(f"    {key} = {SECRET_MASK}" if "=" in line and key in SECRET_OPTIONS else line)
    return "\n".join(lines) + ("\n" if lines else "")


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "repo": {"type": "path", "required": True},
            "name": {"type": "str", "required": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "url": {"type": "str"},
            "options": {"type": "dict", "default": {}},
            "secrets": {"type": "dict", "default": {}, "no_log": True},
            "scope": {"type": "str", "choices": ["project", "local"], "default": "project"},
            "secrets_scope": {"type": "str", "choices": ["local", "global"], "default": "local"},
            "default": {"type": "bool", "default": False},
        },
        required_if=[("state", "present", ["url"])],
        supports_check_mode=True,
    )
    p = module.params
    repo, name = p["repo"], p["name"]
    if not name or any(c in name for c in " .\"'[]"):
        module.fail_json(msg=f"remote name {name!r} must be a word without spaces, dots, quotes or brackets")
    if not os.path.isdir(os.path.join(repo, ".dvc")):
        module.fail_json(msg=f"{repo} is not a DVC project (no .dvc directory): run dvc init there first.")
    misplaced = sorted(key for key in p["options"] if key in SECRET_OPTIONS)
    # A credential given as a plain option is still kept out of what the module returns.
    module.no_log_values.update(str(p["options"][key]) for key in misplaced if p["options"][key])
    if misplaced:
        module.fail_json(msg=f"options of remote {name} hold credentials ({', '.join(misplaced)}): pass them as "
                             "secrets, which go only into a 0600 file outside git.")
    unknown = sorted(key for key in p["secrets"] if key not in SECRET_OPTIONS)
    if unknown:
        module.fail_json(msg=f"secrets of remote {name} name options that are not credentials ({', '.join(unknown)}): "
                             "pass them as options.")

    prefix = f"remote.{name}."
    paths = {scope: config_path(scope, repo) for scope in ("project", "local")}
    paths["global"] = config_path("global")
    files = {scope: read(path) for scope, path in paths.items()}
    before = {scope: config.render() for scope, config in files.items()}

    committed = sorted(n for n in files["project"].items() if n.startswith(prefix) and is_secret(n))
    if committed and p["state"] == "present" and p["scope"] == "project":
        # Removing them here is right, but they are in git's history already: say so.
        module.warn(f"{paths['project']} held credentials of remote {name} ({', '.join(committed)}); they are "
                    "removed now, but git's history still has them: rotate them.")

    if p["state"] == "absent":
        for scope in ("project", "local"):
            config = files[scope]
            config.remove_section(f'remote "{name}"')
            if config.get("core.remote") == name:
                config.unset("core.remote")
    else:
        plain = {"url": p["url"], **{k: _text(v) for k, v in p["options"].items()}}
        secrets = {k: _text(v) for k, v in p["secrets"].items()}
        other = "local" if p["scope"] == "project" else "project"
        _exact_section(files[p["scope"]], prefix, plain if p["secrets_scope"] != p["scope"] else {**plain, **secrets})
        # The remote's plain settings live in one file; credentials in their own, with the url
        # again: DVC reads that file with every commit's .dvc/config (status/fetch/push -A), and
        # credentials alone are an invalid remote ("expected 'url'") in commits older than it.
        secret_section = {"url": p["url"], **secrets} if secrets else {}
        _exact_section(files[other], prefix, secret_section if p["secrets_scope"] == other else {})
        if p["secrets_scope"] == "global":
            _exact_section(files["global"], prefix, secret_section)
        if p["default"]:
            files[p["scope"]].set("core.remote", name)

    # The project's file keeps its mode (a shared checkout may be group-writable).
    modes = {"project": _mode(paths["project"]) or 0o644, "local": 0o600, "global": 0o600}
    changed_paths = []
    for scope, config in files.items():
        after = config.render()
        needs_mode = _mode(paths[scope]) not in (None, modes[scope]) and any(is_secret(n) for n in config.items())
        if after != before[scope] or needs_mode:
            changed_paths.append(scope)
            if not module.check_mode:
                write(paths[scope], after, modes[scope])

    diff = [{"before_header": paths[s], "after_header": paths[s], "before": _masked(before[s]),
             "after": _masked(files[s].render())} for s in changed_paths]
    in_files = sorted({paths[s] for s, config in files.items() if any(n.startswith(prefix) for n in config.items())})
    module.exit_json(changed=bool(changed_paths), paths=in_files, diff=diff)


if __name__ == "__main__":
    main()
