#!/usr/bin/python
# Copyright: (c) 2026, MLOps workstation maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Find which link types work between a DVC cache directory and a workspace."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dvc_link_probe
short_description: Test which file link types work between a DVC cache and a workspace
description:
  - Creates a small file in O(cache_dir) and tries to make it appear in O(workspace) as a
    reflink (C(FICLONE), a copy-on-write clone), a hard link and a symbolic link, the way
    C(dvc checkout) would. Every file it makes is removed before it returns, also on failure.
  - Reports what works and the type DVC's C(cache.type) should use, in DVC's order of
    preference - C(reflink) where the filesystem clones; else C(hardlink) when both are on one
    filesystem and the cache is not shared (a hard-linked file edited in place would change
    the cache's copy for everyone); else C(symlink); C(copy) only when nothing else works.
  - Run it as the user who will run DVC (C(become_user)), so that permissions count too.
  - Changes nothing that outlives the call, so it runs in check mode as well.
options:
  cache_dir:
    description: The DVC cache directory (it must exist).
    type: path
    required: true
  workspace:
    description: A directory of the project's workspace (it must exist).
    type: path
    required: true
  shared:
    description: The cache is shared by several users (C(cache.shared group)); hard links are then not recommended.
    type: bool
    default: false
author:
  - MLops workstation maintainers (@mlops-workstation)
"""

EXAMPLES = r"""
- name: Probe the link types between the cache and the project
  dvc_link_probe:
    cache_dir: /data/dvc-cache
    workspace: /home/alice/mlops
  become: true
  become_user: alice
  register: probe

- name: Use what works
  ansible.builtin.debug:
    msg: "cache.type {{ probe.recommended }} (works: {{ probe.supported | join(', ') }})"
"""

RETURN = r"""
supported:
  description: The link types that worked, in DVC's order of preference; C(copy) always last.
  returned: always
  type: list
  elements: str
  sample: [hardlink, symlink, copy]
recommended:
  description: The type to set as C(cache.type).
  returned: always
  type: str
  sample: hardlink
same_device:
  description: Whether the cache and the workspace are on one filesystem.
  returned: always
  type: bool
errors:
  description: Why each type that failed failed (the operating system's message).
  returned: always
  type: dict
  sample: {reflink: "[Errno 95] Operation not supported"}
"""

import contextlib
import errno
import fcntl
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule

FICLONE = 0x40049409  # _IOW(0x94, 9, int), linux/fs.h
PREFERENCE = ("reflink", "hardlink", "symlink")


def _reflink(source: str, target: str) -> None:
    with open(source, "rb") as src, open(target, "wb") as dst:
        fcntl.ioctl(dst.fileno(), FICLONE, src.fileno())


def _hardlink(source: str, target: str) -> None:
    os.link(source, target)
    if os.stat(source).st_ino != os.stat(target).st_ino:  # pragma: no cover - a kernel that lies
        raise OSError(errno.EIO, "the link is not the same file")


def _symlink(source: str, target: str) -> None:
    os.symlink(source, target)
    with open(target, "rb") as link, open(source, "rb") as original:
        if link.read() != original.read():  # pragma: no cover
            raise OSError(errno.EIO, "the link does not read as its target")


METHODS = {"reflink": _reflink, "hardlink": _hardlink, "symlink": _symlink}


def probe(cache_dir: str, workspace: str, shared: bool = False) -> dict:
    """Try each link type from a file in cache_dir into workspace; clean up whatever happens."""
    for name, path in (("cache_dir", cache_dir), ("workspace", workspace)):
        if not os.path.isdir(path):
            raise ValueError(f"{name} {path} is not an existing directory")
    supported, errors = [], {}
    fd, source = tempfile.mkstemp(prefix=".dvc-link-probe-", dir=cache_dir)
    made = [source]
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(b"dvc link probe\n" * 256)
        for kind in PREFERENCE:
            target = os.path.join(workspace, f".dvc-link-probe-{os.getpid()}-{kind}")
            made.append(target)
            try:
                METHODS[kind](source, target)
            except OSError as error:
                errors[kind] = str(error)
            else:
                supported.append(kind)
        same_device = os.stat(cache_dir).st_dev == os.stat(workspace).st_dev
    finally:
        for path in made:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
    supported.append("copy")
    if "reflink" in supported:
        recommended = "reflink"
    elif "hardlink" in supported and not shared:
        recommended = "hardlink"
    elif "symlink" in supported:
        recommended = "symlink"
    else:
        recommended = "copy"
    return {"supported": supported, "recommended": recommended, "same_device": same_device, "errors": errors}


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "cache_dir": {"type": "path", "required": True},
            "workspace": {"type": "path", "required": True},
            "shared": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    try:
        result = probe(module.params["cache_dir"], module.params["workspace"], module.params["shared"])
    except (OSError, ValueError) as error:
        module.fail_json(msg=f"Cannot probe the link types: {error}")
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
