#!/usr/bin/python
# Copyright: (c) 2026, MLOps workstation maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Set or unset DVC settings in one scope's configuration file."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dvc_config
short_description: Set or unset DVC settings at system, global, project or local scope
description:
  - Edits the configuration file of one scope the way C(dvc config [--system|--global|--local])
    would, without running DVC - only the lines of the given keys change; comments, order and
    other keys stay.
  - Reports the file it wrote, with a diff. The file is replaced whole through a new file that
    has its final mode from the start.
  - Credentials (remote options such as C(password) or C(secret_access_key)) are refused - O(values)
    is not a secret option, so Ansible would show them. Set them with M(mlops.workstation.dvc_remote)'s C(secrets)
    option, which keeps them out of every output and out of the project's C(.dvc/config).
  - Run it as the user whose configuration it is for the C(global) scope (C(become_user)).
options:
  scope:
    description: Which configuration file.
    type: str
    choices: [system, global, project, local]
    default: project
  repo:
    description: The DVC project (the directory holding C(.dvc/)); required for C(project) and C(local).
    type: path
  path:
    description: The file to edit instead of the scope's usual one (tests, unusual layouts).
    type: path
  values:
    description:
      - Settings by their C(dvc config) names (C(cache.type), C(core.remote), C(remote.hdd.url)); null removes one.
      - Booleans are written as C(true)/C(false).
    type: dict
    required: true
  mode:
    description: Mode of the file; defaults to C(0644) for system and project, C(0600) for global and local.
    type: raw
author:
  - MLops workstation maintainers (@mlops-workstation)
"""

EXAMPLES = r"""
- name: Link from the cache instead of copying
  dvc_config:
    repo: /home/alice/mlops
    values:
      cache.type: reflink,hardlink,symlink
      cache.dir: /data/dvc-cache
      cache.shared: group
  become: true
  become_user: alice

- name: Keep DVC's site cache per user
  dvc_config:
    scope: system
    values:
      core.site_cache_dir: null
"""

RETURN = r"""
path:
  description: The file the settings are in.
  returned: always
  type: str
  sample: /home/alice/mlops/.dvc/config
values:
  description: The settings given, as now in the file (removed ones absent).
  returned: always
  type: dict
previous:
  description: The same settings as they were before (absent ones left out).
  returned: always
  type: dict
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.mlops.workstation.plugins.module_utils.dvc_config_file import (
    config_path,
    is_secret,
    read,
    split_key,
    write,
)


def text_of(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "scope": {"type": "str", "choices": ["system", "global", "project", "local"], "default": "project"},
            "repo": {"type": "path"},
            "path": {"type": "path"},
            "values": {"type": "dict", "required": True},
            "mode": {"type": "raw"},
        },
        required_if=[("scope", "project", ["repo"]), ("scope", "local", ["repo"])],
        supports_check_mode=True,
    )
    scope, repo, values = module.params["scope"], module.params["repo"], module.params["values"]
    for name in values:
        try:
            split_key(name)
        except ValueError as error:
            module.fail_json(msg=str(error))
    secrets = sorted(name for name, value in values.items() if value is not None and is_secret(name))
    # Kept out of what the module returns (its invocation included), though it is refused.
    module.no_log_values.update(text_of(values[name]) for name in secrets if values[name] != "")
    if secrets:
        module.fail_json(msg=f"Refusing to set {', '.join(secrets)} through dvc_config: credentials go through "
                             "dvc_remote's secrets option, which keeps them out of output and the project's config.")
    if scope in ("project", "local") and not module.params["path"] and not os.path.isdir(os.path.join(repo, ".dvc")):
        module.fail_json(msg=f"{repo} is not a DVC project (no .dvc directory): run dvc init there first.")
    path = module.params["path"] or config_path(scope, repo)
    mode = module.params["mode"]
    mode = (0o644 if scope in ("system", "project") else 0o600) if mode is None else (
        int(mode, 8) if isinstance(mode, str) else int(mode))

    config = read(path)
    before = config.render()
    previous = config.items()
    for name, value in values.items():
        if value is None:
            config.unset(name)
        else:
            config.set(name, text_of(value))
    after = config.render()
    exists = os.path.exists(path)
    changed = before != after or (exists and (os.stat(path).st_mode & 0o7777) != mode) or (
        not exists and after != "")
    if changed and not module.check_mode and after != before:
        write(path, after, mode)
    elif changed and not module.check_mode:
        os.chmod(path, mode)
    secret_lines = any(is_secret(name) for name in config.items())
    diff = {"before_header": path, "after_header": path,
            "before": "(credentials not shown)\n" if secret_lines else before,
            "after": "(credentials not shown)\n" if secret_lines else after}
    current = config.items()
    module.exit_json(changed=changed, path=path, diff=diff,
                     values={name: current[name] for name in values if name in current},
                     previous={name: previous[name] for name in values if name in previous})


if __name__ == "__main__":
    main()
