#!/usr/bin/python
# Copyright: (c) 2026, MLOps workstation maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Everything the python_image role needs to know about a target, in one read-only call."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: python_image_state
short_description: Read the Docker state that decides whether the development image is built
description:
  - Asks the Docker engine, over its UNIX socket, about the base image, the image of the
    current inputs, the alias tag, earlier builds of the repository and the images that
    containers use, and checks files the build needs. One read-only call instead of one task
    per question, so that a run that builds nothing stays fast.
  - Never changes anything; supports check mode.
  - Needs only Python's standard library on the target.
options:
  socket:
    description: Path of the Docker engine's UNIX socket.
    type: path
    default: /var/run/docker.sock
  base:
    description: Reference of the base image.
    type: str
    required: true
  repository:
    description: Repository of the development image.
    type: str
    required: true
  version:
    description: Python version, the first part of each build's tag.
    type: str
    required: true
  inputs:
    description:
      - Digest of everything the image is made of apart from its base (Dockerfile, requirements,
        helper files, labels).
      - The build's tag is I(version)-(the first 12 hex digits of the SHA-256 of I(inputs) and
        the base image's id), so a new base is a new tag too.
    type: str
    required: true
  alias:
    description: Tag that follows the newest build. Omit for none.
    type: str
  build_tag_pattern:
    description: Regular expression that the tags of earlier builds of the repository match.
    type: str
    default: '^[0-9.]+-[0-9a-f]{12}$'
  files:
    description: Files on the target the build needs, by the variable that names them.
    type: dict
    default: {}
  report:
    description: JSON file where the role recorded the last build (image id and Python version).
    type: path
author:
  - MLops workstation maintainers (@mlops-workstation)
"""

EXAMPLES = r"""
- name: Read the state of the image
  python_image_state:
    base: python:3.9-slim-bookworm
    repository: mlops-dev
    version: "3.9"
    inputs: "{{ lookup('ansible.builtin.template', 'Dockerfile.j2') | hash('sha256') }}"
    alias: "3.9"
    files:
      python_image_ca_bundle: /etc/ssl/certs/ca-certificates.crt
    report: /var/lib/mlops/python-image/image.json
  register: state
"""

RETURN = r"""
digest:
  description: SHA-256 of the inputs and the base image's id (empty id when the base is absent).
  returned: always
  type: str
tag:
  description: Tag of the build of these inputs.
  returned: always
  type: str
  sample: 3.9-0123456789ab
ref:
  description: repository:tag of the build of these inputs.
  returned: always
  type: str
engine:
  description: Whether the engine answered, and its version.
  returned: always
  type: dict
  sample: {"reachable": true, "version": "26.1.5+dfsg1", "error": ""}
base_id:
  description: Id of the base image, empty when it is absent.
  returned: always
  type: str
image:
  description: The image of the current inputs (Id, Size, Created, Labels), empty when absent.
  returned: always
  type: dict
alias_id:
  description: Id of the image the alias tag points at, empty when absent or not asked.
  returned: always
  type: str
builds:
  description: Earlier builds of the repository, newest first, the current one excluded.
  returned: always
  type: list
  elements: dict
  sample: [{"ref": "mlops-dev:3.9-0123456789ab", "id": "sha256:...", "created": 1795000000, "in_use": false}]
files:
  description: For each variable of I(files), whether its path is a regular file.
  returned: always
  type: dict
  sample: {"python_image_ca_bundle": true}
python_version:
  description: Python version of the current image from the build report, empty when unknown.
  returned: always
  type: str
modules:
  description: Whether the tools the role's other tasks rely on are present on the target.
  returned: always
  type: dict
  sample: {"requests": true, "debootstrap": false}
"""

import hashlib
import http.client
import importlib.util
import json
import os
import re
import shutil
import socket
import urllib.parse

from ansible.module_utils.basic import AnsibleModule


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over the engine's UNIX socket."""

    def __init__(self, path: str, timeout: float = 30.0) -> None:
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.path)
        self.sock = sock


class DockerAPI:
    def __init__(self, path: str) -> None:
        self.path = path

    def get(self, url: str, query: dict | None = None):
        """The decoded JSON of GET url, or None for a 404."""
        if query:
            url += "?" + urllib.parse.urlencode(query)
        conn = UnixHTTPConnection(self.path)
        try:
            conn.request("GET", url)
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        if response.status == 404:
            return None
        if response.status >= 400:
            raise RuntimeError(f"GET {url}: HTTP {response.status} {body[:200]!r}")
        return json.loads(body)

    def image(self, ref: str) -> dict | None:
        return self.get(f"/images/{urllib.parse.quote(ref, safe='')}/json")


def split_ref(ref: str) -> tuple[str, str]:
    """repository, tag of a reference (the tag after the last colon that is not in a host:port)."""
    repo, sep, tag = ref.rpartition(":")
    if not sep or "/" in tag:
        return ref, "latest"
    return repo, tag


def earlier_builds(api: DockerAPI, image_ref: str, pattern: str) -> list[dict]:
    repository, dummy = split_ref(image_ref)
    images = api.get("/images/json", {"filters": json.dumps({"reference": [repository]})}) or []
    containers = api.get("/containers/json", {"all": "1"}) or []
    in_use = {c.get("ImageID") for c in containers}
    tag_re = re.compile(pattern)
    builds = []
    for image in sorted(images, key=lambda i: i.get("Created", 0), reverse=True):
        for ref in image.get("RepoTags") or []:
            repo, tag = split_ref(ref)
            if repo == repository and tag_re.search(tag) and ref != image_ref:
                builds.append(
                    {"ref": ref, "id": image["Id"], "created": image.get("Created", 0), "in_use": image["Id"] in in_use}
                )
    return builds


def read_report(path: str | None, image_id: str) -> str:
    """The Python version recorded for image_id, or '' when the report is missing or older."""
    if not path or not image_id:
        return ""
    try:
        with open(path, encoding="utf-8") as handle:
            report = json.load(handle)
    except (OSError, ValueError):
        return ""
    return str(report.get("python_version", "")) if report.get("id") == image_id else ""


def build_digest(inputs: str, base_id: str) -> str:
    return hashlib.sha256(f"{inputs}\n{base_id}".encode()).hexdigest()


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "socket": {"type": "path", "default": "/var/run/docker.sock"},
            "base": {"type": "str", "required": True},
            "repository": {"type": "str", "required": True},
            "version": {"type": "str", "required": True},
            "inputs": {"type": "str", "required": True},
            "alias": {"type": "str"},
            "build_tag_pattern": {"type": "str", "default": r"^[0-9.]+-[0-9a-f]{12}$"},
            "files": {"type": "dict", "default": {}},
            "report": {"type": "path"},
        },
        supports_check_mode=True,
    )
    params = module.params
    result = {
        "changed": False,
        "digest": "",
        "tag": "",
        "ref": "",
        "engine": {"reachable": False, "version": "", "error": ""},
        "base_id": "",
        "image": {},
        "alias_id": "",
        "builds": [],
        "files": {name: os.path.isfile(path) for name, path in params["files"].items()},
        "python_version": "",
        "modules": {
            "requests": importlib.util.find_spec("requests") is not None,
            "debootstrap": shutil.which("debootstrap") is not None,
        },
    }

    def name(base_id: str) -> None:
        result["digest"] = build_digest(params["inputs"], base_id)
        result["tag"] = f"{params['version']}-{result['digest'][:12]}"
        result["ref"] = f"{params['repository']}:{result['tag']}"

    name("")
    api = DockerAPI(params["socket"])
    try:
        version = api.get("/version") or {}
    except (OSError, RuntimeError, ValueError) as exc:
        # No engine (yet): the caller decides whether that is an error (it is not in check mode
        # on a fresh host, where Docker would be installed first).
        result["engine"]["error"] = str(exc)
        module.exit_json(**result)
    result["engine"].update(reachable=True, version=version.get("Version", ""))
    try:
        base = api.image(params["base"])
        name((base or {}).get("Id", ""))
        image = api.image(result["ref"])
        alias = api.image(f"{params['repository']}:{params['alias']}") if params["alias"] else None
        result["builds"] = earlier_builds(api, result["ref"], params["build_tag_pattern"])
    except (OSError, RuntimeError, ValueError) as exc:
        module.fail_json(msg=f"The Docker engine at {params['socket']} failed to answer: {exc}", **result)
    result["base_id"] = (base or {}).get("Id", "")
    if image:
        result["image"] = {
            "Id": image["Id"],
            "Size": image.get("Size", 0),
            "Created": image.get("Created", ""),
            "Labels": (image.get("Config") or {}).get("Labels") or {},
        }
    result["alias_id"] = (alias or {}).get("Id", "")
    result["python_version"] = read_report(params["report"], result["image"].get("Id", ""))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
