#!/usr/bin/python
# Copyright: (c) 2026, MLOps workstation maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a role reads from a host before it decides what to change, in one module run."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: host_state
short_description: Read packages, accounts, files and query commands of a host in one call
description:
  - One read-only call for the questions a role asks a host before its first change (which
    Debian packages are installed, the accounts and groups it manages, the files it writes
    with their checksums, and the answers of commands that only report). A warm re-run of a
    role then costs one module run where each question would cost one of its own.
  - Each question it is not given is not asked. Never changes anything; supports check mode
    (the I(commands) are run in check mode too, so give only commands that change nothing).
options:
  packages:
    description: Debian packages to look up with C(dpkg-query).
    type: list
    elements: str
    default: []
  users:
    description: Accounts to look up in the password database, with their groups.
    type: list
    elements: str
    default: []
  groups:
    description: Groups to look up in the group database.
    type: list
    elements: str
    default: []
  files:
    description:
      - Paths to look at, not following a final symbolic link; a regular file's SHA-1 checksum
        (the one Ansible's own modules compare) and a link's target are returned too.
    type: list
    elements: path
    default: []
  paths:
    description:
      - Paths to look at as I(files), without reading a regular file's content (no checksum),
        for files that only need to exist or not, and for files that may hold a secret.
    type: list
    elements: path
    default: []
  commands:
    description:
      - Commands that only report, by a name of the caller's choice; each is an argument list
        run without a shell. A command that is not installed answers C(rc) 127.
    type: dict
    default: {}
author:
  - MLops workstation maintainers (@mlops-workstation)
"""

EXAMPLES = r"""
- name: Read what the role compares against
  host_state:
    packages: [docker.io]
    users: [ada]
    groups: [docker]
    files: [/etc/docker/daemon.json]
    commands:
      unit: [systemctl, show, docker.service, --property=ActiveState]
  register: _state
"""

RETURN = r"""
packages:
  description: Whether each package is installed (dpkg's status C(install ok installed)).
  returned: always
  type: dict
  sample: {"docker.io": true, "docker-compose": false}
users:
  description:
    - Each account, or null when there is none. C(groups) are the names of every group the
      account is in, its primary group included; C(home_exists) whether its home directory is there.
  returned: always
  type: dict
  sample:
    ada: {"uid": 1000, "gid": 1000, "home": "/home/ada", "shell": "/bin/bash", "home_exists": true,
          "groups": ["ada", "docker"]}
groups:
  description: Each group, or null when there is none.
  returned: always
  type: dict
  sample: {"docker": {"gid": 998, "members": ["ada"]}}
files:
  description:
    - Each path of I(files) and I(paths), by path - its kind, owner, group, mode and C(mtime)
      (whole seconds since the epoch); a regular file's C(checksum) (I(files) only), a link's
      C(lnk_source) (its target as written).
  returned: always
  type: dict
  sample:
    /etc/docker/daemon.json:
      {"exists": true, "isreg": true, "isdir": false, "islnk": false, "pw_name": "root",
       "gr_name": "root", "mode": "0644", "mtime": 1764662400, "checksum": "5b2c..."}
commands:
  description: Each command's exit status and output, by its name.
  returned: always
  type: dict
  sample: {"unit": {"rc": 0, "stdout": "ActiveState=active\n", "stderr": ""}}
"""

import grp
import hashlib
import os
import pwd
import stat
from typing import Any

from ansible.module_utils.basic import AnsibleModule

MISSING_FILE = {
    "exists": False,
    "isreg": False,
    "isdir": False,
    "islnk": False,
    "pw_name": None,
    "gr_name": None,
    "mode": None,
    "mtime": None,
}


def installed_packages(module: AnsibleModule, names: list[str]) -> dict[str, bool]:
    """Whether dpkg has each package installed; a package it never heard of is not."""
    found = dict.fromkeys(names, False)
    dpkg_query = module.get_bin_path("dpkg-query")
    if not names or dpkg_query is None:
        return found
    # Exit status 1 only says that some name is unknown: the known ones are still printed.
    dummy, out, dummy = module.run_command([dpkg_query, "--show", "--showformat=${Package}\t${Status}\n", *names])
    for line in out.splitlines():
        package, dummy, status = line.partition("\t")
        if package in found and status.endswith(" installed"):
            found[package] = True
    return found


def account(name: str) -> dict[str, Any] | None:
    """One account of the password database and every group it is in, or None."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    # As `id -Gn` and login do (NSS included), without walking the whole group database.
    groups = []
    for gid in os.getgrouplist(name, entry.pw_gid):
        try:
            groups.append(grp.getgrgid(gid).gr_name)
        except KeyError:
            groups.append(str(gid))
    return {
        "uid": entry.pw_uid,
        "gid": entry.pw_gid,
        "home": entry.pw_dir,
        "shell": entry.pw_shell,
        "home_exists": os.path.isdir(entry.pw_dir),
        "groups": sorted(set(groups)),
    }


def group(name: str) -> dict[str, Any] | None:
    """One group of the group database, or None."""
    try:
        entry = grp.getgrnam(name)
    except KeyError:
        return None
    return {"gid": entry.gr_gid, "members": list(entry.gr_mem)}


def file_state(path: str, checksum: bool = True) -> dict[str, Any]:
    """A path as it is (a final link not followed), with a regular file's SHA-1 if asked."""
    try:
        info = os.lstat(path)
    except OSError:
        return dict(MISSING_FILE)
    try:
        owner: str | None = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = None
    try:
        group_name: str | None = grp.getgrgid(info.st_gid).gr_name
    except KeyError:
        group_name = None
    state: dict[str, Any] = {
        "exists": True,
        "isreg": stat.S_ISREG(info.st_mode),
        "isdir": stat.S_ISDIR(info.st_mode),
        "islnk": stat.S_ISLNK(info.st_mode),
        "pw_name": owner,
        "gr_name": group_name,
        "mode": f"{stat.S_IMODE(info.st_mode):04o}",
        "mtime": int(info.st_mtime),
    }
    if state["islnk"]:
        state["lnk_source"] = os.readlink(path)
    if state["isreg"] and checksum:
        digest = hashlib.sha1(usedforsecurity=False)  # the checksum Ansible's modules compare
        try:
            with open(path, "rb") as content:
                for chunk in iter(lambda: content.read(1 << 20), b""):
                    digest.update(chunk)
            state["checksum"] = digest.hexdigest()
        except OSError:
            state["checksum"] = None
    return state


def run_commands(module: AnsibleModule, commands: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each command's answer; one that is not installed answers 127, as a shell would."""
    answers = {}
    for name, argv in commands.items():
        if not isinstance(argv, list) or not argv or not all(isinstance(arg, str) for arg in argv):
            module.fail_json(msg=f"commands.{name} must be a non-empty list of strings (an argument list)")
        executable = argv[0] if os.sep in argv[0] else module.get_bin_path(argv[0])
        if executable is None or not os.access(executable, os.X_OK):
            answers[name] = {"rc": 127, "stdout": "", "stderr": f"{argv[0]}: command not found"}
            continue
        rc, out, err = module.run_command([executable, *argv[1:]])
        answers[name] = {"rc": rc, "stdout": out, "stderr": err}
    return answers


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "packages": {"type": "list", "elements": "str", "default": []},
            "users": {"type": "list", "elements": "str", "default": []},
            "groups": {"type": "list", "elements": "str", "default": []},
            "files": {"type": "list", "elements": "path", "default": []},
            "paths": {"type": "list", "elements": "path", "default": []},
            "commands": {"type": "dict", "default": {}},
        },
        supports_check_mode=True,
    )
    params = module.params
    module.exit_json(
        changed=False,
        packages=installed_packages(module, params["packages"]),
        users={name: account(name) for name in params["users"]},
        groups={name: group(name) for name in params["groups"]},
        files={
            **{path: file_state(path, checksum=False) for path in params["paths"]},
            **{path: file_state(path) for path in params["files"]},
        },
        commands=run_commands(module, params["commands"]),
    )


if __name__ == "__main__":
    main()
