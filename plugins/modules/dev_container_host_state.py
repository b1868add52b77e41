#!/usr/bin/python
# Copyright: (c) 2026, MLOps workstation maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the dev_container role reads from a host before it changes anything, in one call."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dev_container_host_state
short_description: Read the host state the dev_container role checks against
description:
  - One read-only call for what the role asks the host itself before its first change (tables of
    C(/proc/net), the paths to mount and the role's own files, the container's single-file
    mounts that went stale, whether Compose v2 is installed). The engine's networks, image and
    container are community.docker's to read (docker_host_info, docker_image_info,
    docker_container_info); each question this module is not given is not asked.
  - Never changes anything; supports check mode.
options:
  compose:
    description:
      - Ask whether C(docker compose) (Compose v2, a plugin of the C(docker) client, which
        community.docker.docker_compose_v2 runs) is installed, by running C(docker compose version).
    type: bool
    default: false
  container_pid:
    description: The process id of the running container (C(State.Pid)); 0 for none.
    type: int
    default: 0
  container_mounts:
    description: The container's C(Mounts), as C(docker inspect) gives them.
    type: list
    elements: dict
    default: []
  proc_tables:
    description:
      - Names of tables under C(/proc/net) to return, such as C(tcp) or C(route). A table the
        host does not have (C(tcp6) without IPv6) is left out.
    type: list
    elements: str
    default: []
  paths:
    description:
      - Absolute paths to look at (a symbolic link is followed, as C(stat) does), the keys of the
        results.
    type: list
    elements: path
    default: []
  files:
    description:
      - Paths to look at as I(paths), with the SHA-1 checksum of those that are regular files and
        whether their first line holds I(marker). No line of a file is returned.
    type: list
    elements: path
    default: []
  marker:
    description:
      - The text on the first line (its first 200 bytes) of the role's own files.
    type: str
    default: ""
author:
  - MLops workstation maintainers (@mlops-workstation)
"""

EXAMPLES = r"""
- name: Read the routes and the paths to mount
  dev_container_host_state:
    compose: true
    proc_tables: [route, ipv6_route]
    paths: [/home/ada/workspace]
  register: _state
"""

RETURN = r"""
compose_v2:
  description: Whether C(docker compose version) runs (false when not asked).
  returned: always
  type: bool
container_stale_mounts:
  description:
    - The targets of the running container's single-file bind mounts whose file on the host has
      been replaced since the container started (it still sees the old file); a new container mounts
      the new one.
  returned: always
  type: list
  elements: str
proc_tables:
  description: The text of each table read, by name.
  returned: always
  type: dict
paths:
  description:
    - For each path of I(paths) and I(files), whether it exists, is a directory, a regular file or
      a socket, its owner's name and its mode; for I(files) that are regular files, the SHA-1 of
      their content and C(marked), whether their first line holds I(marker).
  returned: always
  type: dict
  sample:
    /home/ada/workspace:
      {"exists": true, "isdir": true, "isreg": false, "issock": false, "pw_name": "ada", "mode": "0755"}
"""

import hashlib
import os
import pwd
import stat
from typing import Any

from ansible.module_utils.basic import AnsibleModule


def stale_mounts(pid: int, mounts: list[dict[str, Any]]) -> list[str]:
    """The targets of a running container's single-file bind mounts whose file on the host was
    replaced (a rename, as git and Ansible write): the container still sees the old one."""
    stale = []
    for mount in mounts:
        if mount.get("Type") != "bind" or not pid:
            continue
        try:
            host = os.stat(mount["Source"])
            if not stat.S_ISREG(host.st_mode):
                continue
            seen = os.stat(f"/proc/{pid}/root{mount['Destination']}")
        except (KeyError, OSError):
            continue
        if (seen.st_dev, seen.st_ino) != (host.st_dev, host.st_ino):
            stale.append(mount["Destination"])
    return stale


def path_state(path: str, checksum: bool = False, marker: str = "") -> dict[str, Any]:
    """What the role's checks need to know about one path (as ansible.builtin.stat, followed)."""
    try:
        info = os.stat(path)
    except OSError:
        return {"exists": False, "isdir": False, "isreg": False, "issock": False, "pw_name": None, "mode": None}
    try:
        owner: str | None = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = None
    state: dict[str, Any] = {
        "exists": True,
        "isdir": stat.S_ISDIR(info.st_mode),
        "isreg": stat.S_ISREG(info.st_mode),
        "issock": stat.S_ISSOCK(info.st_mode),
        "pw_name": owner,
        "mode": f"{stat.S_IMODE(info.st_mode):04o}",
    }
    if checksum and state["isreg"]:
        digest = hashlib.sha1(usedforsecurity=False)  # the checksum Ansible itself compares
        with open(path, "rb") as content:
            first = content.readline(200)
            digest.update(first)
            for chunk in iter(lambda: content.read(1 << 20), b""):
                digest.update(chunk)
        state["checksum"] = digest.hexdigest()
        # Only whether the file is the role's: a file of the user's may hold a secret.
        state["marked"] = bool(marker) and marker.encode() in first
    return state


def read_tables(names: list[str], root: str = "/proc/net") -> dict[str, str]:
    """The named tables' text; a table the host does not have is left out."""
    tables = {}
    for name in names:
        try:
            with open(os.path.join(root, name), encoding="ascii", errors="replace") as table:
                tables[name] = table.read()
        except OSError:
            continue
    return tables


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "compose": {"type": "bool", "default": False},
            "container_pid": {"type": "int", "default": 0},
            "container_mounts": {"type": "list", "elements": "dict", "default": []},
            "proc_tables": {"type": "list", "elements": "str", "default": []},
            "paths": {"type": "list", "elements": "path", "default": []},
            "files": {"type": "list", "elements": "path", "default": []},
            "marker": {"type": "str", "default": ""},
        },
        supports_check_mode=True,
    )
    params = module.params
    compose_v2 = False
    if params["compose"]:
        docker = module.get_bin_path("docker")
        compose_v2 = docker is not None and module.run_command([docker, "compose", "version", "--short"])[0] == 0
    module.exit_json(
        changed=False,
        compose_v2=compose_v2,
        container_stale_mounts=stale_mounts(params["container_pid"], params["container_mounts"]),
        proc_tables=read_tables(params["proc_tables"]),
        paths={
            **{path: path_state(path) for path in params["paths"]},
            **{path: path_state(path, checksum=True, marker=params["marker"]) for path in params["files"]},
        },
    )


if __name__ == "__main__":
    main()
