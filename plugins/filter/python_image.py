# Copyright: (c) 2026, MLOps workstation maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What decides the python_image role's build, from community.docker's answers,
mlops.workstation.python_image_state."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from ansible.errors import AnsibleFilterError

BUILD_TAG = r"^[0-9.]+-[0-9a-f]{12}$"


def split_ref(ref: str) -> tuple[str, str]:
    """repository, tag of a reference (the tag after the last colon that is not in a host:port)."""
    repo, sep, tag = ref.rpartition(":")
    if not sep or "/" in tag:
        return ref, "latest"
    return repo, tag


def build_digest(inputs: str, base_id: str) -> str:
    """The build's identity: the inputs and the base image's id, so a new base is a new tag."""
    return hashlib.sha256(f"{inputs}\n{base_id}".encode()).hexdigest()


def lock_pins(text: str) -> dict[str, str]:
    """The name==version pins of a pip lock file (make lock), by normalised name (PEP 503)."""
    pins = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)", line)
        if match:
            pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(3)
    return pins


def python_image_state(
    host: dict[str, Any],
    base: dict[str, Any],
    inputs: str,
    version: str,
    repository: str,
    report: dict[str, Any] | None = None,
    build_tag: str = BUILD_TAG,
) -> dict[str, Any]:
    """The build of these inputs and what the engine has of it and of earlier builds.

    host: the result of community.docker.docker_host_info (images of the repository, all
    containers, verbose); base: community.docker.docker_image_info's of the base image; both
    registered with failed_when false, as an engine that does not answer yet is the caller's
    decision (check mode on a fresh host). report: the role's local fact of the last build."""
    state: dict[str, Any] = {
        "engine": {"reachable": bool(host.get("can_talk_to_docker")), "version": "", "error": ""},
        "base_id": "",
        "image": {},
        "builds": [],
        "python_version": "",
    }
    if not state["engine"]["reachable"]:
        state["engine"]["error"] = str(host.get("msg", ""))
    else:
        for answer in (host, base):
            if answer.get("failed"):
                raise AnsibleFilterError(f"The Docker engine failed to answer: {answer.get('msg', '')}")
        state["engine"]["version"] = str((host.get("host_info") or {}).get("ServerVersion", ""))
        state["base_id"] = next((image["Id"] for image in base.get("images") or []), "")
    digest = build_digest(inputs, state["base_id"])
    tag = f"{version}-{digest[:12]}"
    ref = f"{repository}:{tag}"
    state.update(digest=digest, tag=tag, ref=ref)

    in_use = {container.get("ImageID") for container in host.get("containers") or []}
    tag_re = re.compile(build_tag)
    images = sorted(host.get("images") or [], key=lambda image: image.get("Created", 0), reverse=True)
    for image in images:
        for image_ref in image.get("RepoTags") or []:
            image_repo, image_tag = split_ref(image_ref)
            if image_repo != repository:
                continue
            if image_ref == ref:
                state["image"] = {key: image.get(key) for key in ("Id", "Size", "Created", "Labels")}
            elif tag_re.search(image_tag):
                created = image.get("Created", 0)
                state["builds"].append(
                    {"ref": image_ref, "id": image["Id"], "created": created, "in_use": image["Id"] in in_use}
                )
    if state["image"] and (report or {}).get("id") == state["image"]["Id"]:
        state["python_version"] = str(report.get("python_version", ""))
    return state


# What a registry's error says, in the order to look: the first cause found is the one reported.
REGISTRY_FAULTS = (
    (
        ("x509", "certificate"),
        "the registry's certificate is not trusted: give its CA to the docker role (docker_registry_ca_certificates).",
    ),
    (
        ("unauthorized", "401", "authentication required", "denied"),
        "the registry refused the user: check python_image_registry_username and python_image_registry_password.",
    ),
    (
        ("manifest unknown", "not found", "404"),
        "the registry has no such image: check python_image_digest or python_image_digest_file (publish first).",
    ),
    (
        ("connection refused", "no such host", "timeout", "no route", "dial tcp", "server misbehaving", "eof"),
        "the registry does not answer: is it up, and is python_image_registry its host[:port]?",
    ),
)


def registry_fault(message: str) -> str:
    """A registry error, with its likely cause and the setting to look at in front."""
    lowered = str(message).lower()
    for needles, cause in REGISTRY_FAULTS:
        if any(needle in lowered for needle in needles):
            return f"{cause} ({message})"
    return f"({message})"


class FilterModule:
    """The python_image role's filters."""

    def filters(self):
        return {
            "python_image_state": python_image_state,
            "python_image_lock_pins": lock_pins,
            "python_image_registry_fault": registry_fault,
        }
