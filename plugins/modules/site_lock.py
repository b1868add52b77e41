#!/usr/bin/python
# Copyright: (c) 2026, MLOps workstation maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A host-wide lock for a run of site.yml: two runs on one host never interleave."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: site_lock
short_description: Take or release a host-wide lock for one run of a playbook
description:
  - Records the run that holds the host in a JSON file (by default under C(/run/lock), which a
    reboot empties). C(state=present) takes the lock, waiting up to I(wait) seconds for another
    run to release it, and fails naming that run when it does not; C(state=absent) releases it
    when this run holds it.
  - A lock is taken over without waiting when its run is gone, that is, when it was taken from
    this same controller by a process that is not among I(controller_pids), or when it is older
    than I(stale_after) seconds.
  - In check mode the lock is read, never written, and a held lock is only reported.
options:
  path:
    description: The lock file.
    type: path
    default: /run/lock/mlops-workstation.json
  state:
    description: C(present) takes the lock, C(absent) releases this run's lock.
    type: str
    choices: [present, absent]
    default: present
  run:
    description:
      - This run, as the lock records it and a waiting run names it - C(id) (unique to the run),
        C(controller) (the controller's host name), C(pid) (the ansible-playbook process on the
        controller) and C(user); the lock adds when it was C(taken).
    type: dict
    required: true
  controller_pids:
    description:
      - The process ids running on this run's controller now, to tell a lock whose run from the
        same controller is gone.
    type: list
    elements: int
    default: []
  wait:
    description: How long to wait for another run's lock, in seconds.
    type: int
    default: 0
  stale_after:
    description: A lock older than this, in seconds, is taken over whoever holds it.
    type: int
    default: 14400
author:
  - MLops workstation maintainers (@mlops-workstation)
"""

EXAMPLES = r"""
- name: Take the host's lock for this run
  site_lock:
    run: {id: laptop-4242-91234, controller: laptop, pid: 4242, user: ada}
    controller_pids: [1, 4242]
    wait: 60
"""

RETURN = r"""
holder:
  description: The run that held the lock before this call (null when none), as it recorded itself.
  returned: always
  type: dict
  sample: {"id": "laptop-4242-91234", "controller": "laptop", "pid": 4242, "user": "ada", "taken": 1764660000.5}
taken_over:
  description: Why another run's lock was taken over (C(gone) or C(stale)), or null.
  returned: always
  type: str
"""

import fcntl
import json
import os
import time
from typing import Any

from ansible.module_utils.basic import AnsibleModule


def read_holder(handle) -> dict[str, Any] | None:
    handle.seek(0)
    try:
        holder = json.loads(handle.read() or "null")
    except ValueError:
        return None
    return holder if isinstance(holder, dict) and holder.get("id") else None


def is_gone(
    holder: dict[str, Any], run: dict[str, Any], controller_pids: list[int], stale_after: int, now: float
) -> str | None:
    """Why a lock held by another run need not be waited for, or None."""
    if holder.get("controller") == run.get("controller") and holder.get("pid") not in controller_pids:
        return "gone"
    if now - float(holder.get("taken", now)) > stale_after:
        return "stale"
    return None


def describe(holder: dict[str, Any]) -> str:
    taken = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(float(holder.get("taken", 0))))
    return (
        f"{holder.get('user', '?')} on {holder.get('controller', '?')} "
        f"(ansible-playbook pid {holder.get('pid', '?')}, since {taken})"
    )


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "default": "/run/lock/mlops-workstation.json"},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "run": {"type": "dict", "required": True},
            "controller_pids": {"type": "list", "elements": "int", "default": []},
            "wait": {"type": "int", "default": 0},
            "stale_after": {"type": "int", "default": 14400},
        },
        supports_check_mode=True,
    )
    params = module.params
    run = params["run"]
    if not run.get("id"):
        module.fail_json(msg="run.id must identify this run")
    path = params["path"]
    deadline = time.time() + max(params["wait"], 0)
    if not os.path.exists(path) and (params["state"] == "absent" or module.check_mode):
        module.exit_json(changed=params["state"] == "present", holder=None, taken_over=None)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644) if not module.check_mode else os.open(path, os.O_RDONLY)
    with os.fdopen(fd, "r+" if not module.check_mode else "r") as handle:
        while True:
            # The file's own flock makes each read-and-write atomic between runs.
            fcntl.flock(handle, fcntl.LOCK_EX if not module.check_mode else fcntl.LOCK_SH)
            holder = read_holder(handle)
            mine = holder is not None and holder["id"] == run["id"]
            if params["state"] == "absent":
                if mine and not module.check_mode:
                    handle.seek(0)
                    handle.truncate()
                module.exit_json(changed=mine, holder=holder, taken_over=None)
            now = time.time()
            reason = (
                None
                if holder is None or mine
                else is_gone(holder, run, params["controller_pids"], params["stale_after"], now)
            )
            if holder is None or mine or reason:
                if not mine and not module.check_mode:
                    handle.seek(0)
                    handle.truncate()
                    handle.write(json.dumps({**run, "taken": now}))
                    handle.flush()
                    os.fsync(handle.fileno())
                module.exit_json(changed=not mine, holder=holder, taken_over=reason)
            if module.check_mode:
                module.exit_json(changed=False, holder=holder, taken_over=None, msg="held by " + describe(holder))
            fcntl.flock(handle, fcntl.LOCK_UN)
            if time.time() >= deadline:
                module.fail_json(
                    msg=(
                        f"another run is provisioning this host: {describe(holder)}; waited {params['wait']} s. "
                        f"Run again when it has finished; if that run is gone, remove {path}."
                    ),
                    holder=holder,
                    taken_over=None,
                )
            time.sleep(1)


if __name__ == "__main__":
    main()
