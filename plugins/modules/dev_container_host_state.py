#!/usr/bin/python
# Copyright: (c) 2026, MLOps workstation maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the dev_container role reads from a host before it changes anything, in one call."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dev_container_host_state
short_description: Read the host and Docker state the dev_container role checks against
description:
  - One read-only call for the questions the role asks a host before its first change (the
    Docker engine's version, networks and runtimes, whether Compose v2 is there, the image's
    id, the ports a container already publishes, tables of C(/proc/net) and the paths to
    mount). Each question it is not given is not asked.
  - Asks the engine through the C(docker) client, as the role's user would (C(DOCKER_HOST)
    and the client's context hold).
  - Never changes anything; supports check mode.
options:
  engine:
    description:
      - Ask the engine for its version and, when it answers, for its networks (as
        C(docker network inspect) gives them) and whether C(docker compose) (Compose v2) runs.
    type: bool
    default: false
  runtimes:
    description: Also ask the engine for its runtimes (C(docker info)). Needs I(engine).
    type: bool
    default: false
  image:
    description: Image whose id to return (C(docker image inspect)); omit for none.
    type: str
  container:
    description:
      - Container whose published ports (C(HostConfig.PortBindings)), labels, running state and
        stale single-file mounts to return; omit for none.
    type: str
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
      - Paths to look at as I(paths), with the SHA-1 checksum and the first line (at most 200
        bytes) of those that are regular files (the role's own files, whose content it compares
        before writing them and whose first line says they are the role's).
    type: list
    elements: path
    default: []
author:
  - MLops workstation maintainers (@mlops-workstation)
"""

EXAMPLES = r"""
- name: Read the engine, the routes and the paths to mount
  dev_container_host_state:
    engine: true
    image: python-dev:latest
    proc_tables: [route, ipv6_route]
    paths: [/home/ada/workspace]
  register: _state
"""

RETURN = r"""
engine:
  description: The engine's answer to C(docker version); C(rc) is not 0 when none answers.
  returned: when engine is true
  type: dict
  sample: {"rc": 0, "version": "26.1.5", "stderr": ""}
networks:
  description: Every network of the engine, as C(docker network inspect) gives them ([] without an engine).
  returned: when engine is true
  type: list
  elements: dict
compose_v2:
  description: Whether C(docker compose version) runs.
  returned: when engine is true
  type: bool
runtimes:
  description: The engine's runtimes by name ({} without an engine).
  returned: when runtimes is true
  type: dict
image_id:
  description: The image's id, or null when the engine does not have it (or does not answer).
  returned: when image is given
  type: str
container_ports:
  description: The container's port bindings, or null when there is no such container.
  returned: when container is given
  type: dict
container_labels:
  description: The container's labels, or null when there is no such container.
  returned: when container is given
  type: dict
container_running:
  description: Whether the container exists and runs.
  returned: when container is given
  type: bool
container_stale_mounts:
  description:
    - The targets of the running container's single-file bind mounts whose file on the host has
      been replaced since the container started (it still sees the old file); a new container mounts
      the new one.
  returned: when container is given
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
      their content too.
  returned: always
  type: dict
  sample:
    /home/ada/workspace:
      {"exists": true, "isdir": true, "isreg": false, "issock": false, "pw_name": "ada", "mode": "0755"}
"""

import hashlib
import json
import os
import pwd
import stat
from typing import Any

from ansible.module_utils.basic import AnsibleModule

# What the role compares of an existing container: its published ports (the preflight's), its
# labels (the fingerprint of its settings) and whether it runs; one JSON object.
CONTAINER_FORMAT = (
    '{"ports": {{json .HostConfig.PortBindings}}, "labels": {{json .Config.Labels}}, '
    '"running": {{json .State.Running}}, "pid": {{json .State.Pid}}, "mounts": {{json .Mounts}}}'
)


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


def path_state(path: str, checksum: bool = False) -> dict[str, Any]:
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
        # The role's files say so on their first line (never a secret there).
        state["first_line"] = first.decode("utf-8", "replace").rstrip("\n")
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


def json_or(text: str, fallback: Any) -> Any:
    """Parse the docker client's JSON output; anything else is the fallback."""
    try:
        return json.loads(text)
    except ValueError:
        return fallback


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "engine": {"type": "bool", "default": False},
            "runtimes": {"type": "bool", "default": False},
            "image": {"type": "str"},
            "container": {"type": "str"},
            "proc_tables": {"type": "list", "elements": "str", "default": []},
            "paths": {"type": "list", "elements": "path", "default": []},
            "files": {"type": "list", "elements": "path", "default": []},
        },
        supports_check_mode=True,
    )
    params = module.params
    docker = module.get_bin_path("docker")

    def ask(*argv: str) -> tuple[int, str, str]:
        if docker is None:
            return 127, "", "docker: command not found"
        return module.run_command([docker, *argv])

    result: dict[str, Any] = {
        "changed": False,
        "proc_tables": read_tables(params["proc_tables"]),
        "paths": {
            **{path: path_state(path) for path in params["paths"]},
            **{path: path_state(path, checksum=True) for path in params["files"]},
        },
    }
    answers = True
    if params["engine"]:
        rc, out, err = ask("version", "--format", "{{.Server.Version}}")
        answers = rc == 0
        result["engine"] = {"rc": rc, "version": out.strip(), "stderr": err.strip()}
        result["networks"] = []
        result["compose_v2"] = False
        if answers:
            rc, out, err = ask("network", "ls", "--quiet", "--no-trunc")
            if rc != 0:
                module.fail_json(msg=f"docker network ls failed: {err.strip()}", **result)
            ids = out.split()
            if ids:
                rc, out, err = ask("network", "inspect", *ids)
                if rc != 0:
                    module.fail_json(msg=f"docker network inspect failed: {err.strip()}", **result)
                result["networks"] = json_or(out, [])
            result["compose_v2"] = ask("compose", "version", "--short")[0] == 0
        if params["runtimes"]:
            rc, out, dummy = ask("info", "--format", "{{json .Runtimes}}") if answers else (1, "", "")
            result["runtimes"] = json_or(out, {}) if rc == 0 else {}
    if params["image"] and answers:
        rc, out, dummy = ask("image", "inspect", "--format", "{{.Id}}", params["image"])
        result["image_id"] = out.strip() if rc == 0 else None
    elif params["image"]:
        result["image_id"] = None
    if params["container"] and answers:
        rc, out, dummy = ask("inspect", "--type", "container", "--format", CONTAINER_FORMAT, params["container"])
        found = json_or(out, None) if rc == 0 else None
        if isinstance(found, dict):
            result["container_ports"] = found.get("ports") or {}
            result["container_labels"] = found.get("labels") or {}
            result["container_running"] = found.get("running") is True
            result["container_stale_mounts"] = stale_mounts(found.get("pid") or 0, found.get("mounts") or [])
        else:
            result.update(
                container_ports=None, container_labels=None, container_running=False, container_stale_mounts=[]
            )
    elif params["container"]:
        result.update(container_ports=None, container_labels=None, container_running=False, container_stale_mounts=[])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
