#!/usr/bin/python
# Copyright: (c) 2026, MLOps workstation maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Keep HTTPS credentials in git's credential store or cache without a secret on a command line."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: git_credential
short_description: Store, update or remove git HTTPS credentials for the user running it
description:
  - Manages the credentials git's own helpers hand to C(git clone), C(fetch) and C(push).
  - With O(helper=store), edits the plain-text store file that C(git credential-store) reads
    (by default C(~/.git-credentials)). The file is written whole to a new file created with
    mode 0600, then renamed over the old one, so it is never readable by others, not even for
    a moment; lines for other hosts, added by hand or by git, are kept as they are.
  - With O(helper=cache), asks the running C(git credential-cache) daemon whether it holds the
    credential (C(git credential fill)) and hands it over or withdraws it
    (C(git credential approve) / C(reject)). Secrets go through standard input only, never
    a command line or the environment. The cache forgets them after its timeout; a later
    run stores them again and reports a change.
  - Run it as the user whose credentials these are (C(become_user)).
  - Passwords are never returned; the diff shows them as C(********).
options:
  helper:
    description: Which of git's helpers keeps the credentials.
    type: str
    choices: [store, cache]
    default: store
  path:
    description:
      - The store file for O(helper=store), by default the file C(git credential-store) reads
        when given no C(--file).
    type: path
    default: ~/.git-credentials
  cache_timeout:
    description: Seconds the cache daemon keeps a credential, for O(helper=cache).
    type: int
    default: 3600
  cache_socket:
    description:
      - Socket of the cache daemon, for O(helper=cache); when unset, git's default, and the
        result's RV(path) is null.
    type: path
  credentials:
    description: The credentials to manage.
    type: list
    elements: dict
    required: true
    suboptions:
      host:
        description: Host name, with C(:port) when not the default one.
        type: str
        required: true
      protocol:
        description: URL scheme.
        type: str
        choices: [https, http]
        default: https
      username:
        description: User name on the host.
        type: str
        required: true
      password:
        description: Token or password. Required for O(credentials[].state=present).
        type: str
        aliases: [token]
      path:
        description:
          - Repository path, for hosts where C(credential.useHttpPath) is set. Empty matches the
            whole host.
        type: str
        default: ""
      state:
        description: C(absent) removes the credential of this protocol, host, path and user name.
        type: str
        choices: [present, absent]
        default: present
notes:
  - Supports check mode and diff mode.
requirements:
  - git, for O(helper=cache).
author:
  - MLops workstation maintainers (@mlops-workstation)
"""

EXAMPLES = r"""
- name: Store a token for the git server
  git_credential:
    helper: store
    credentials:
      - host: git.example.com
        username: alice
        password: "{{ vault_git_token }}"
  become: true
  become_user: alice
  no_log: true

- name: Withdraw an old token from the credential cache
  git_credential:
    helper: cache
    credentials:
      - host: git.example.com
        username: alice
        state: absent
  become: true
  become_user: alice
"""

RETURN = r"""
path:
  description: The store file (O(helper=store)) or the cache socket given (O(helper=cache); null for git's default).
  returned: always
  type: str
  sample: /home/alice/.git-credentials
credentials:
  description: What was done with each credential, without its password.
  returned: always
  type: list
  elements: dict
  sample:
    - {protocol: https, host: git.example.com, path: "", username: alice, state: present, action: added}
"""

import os
import tempfile
import urllib.parse
from dataclasses import dataclass

from ansible.module_utils.basic import AnsibleModule

MASK = "********"


@dataclass(frozen=True)
class Key:
    protocol: str
    host: str
    path: str
    username: str

    def describe(self) -> dict:
        return {"protocol": self.protocol, "host": self.host, "path": self.path, "username": self.username}


def parse_line(line: str) -> tuple[Key, str] | None:
    """A store line (scheme://user:password@host[/path]) as its key and password; None if it is not one."""
    try:
        url = urllib.parse.urlsplit(line.strip())
    except ValueError:
        return None
    if not url.scheme or not url.netloc or "@" not in url.netloc:
        return None
    userinfo, dummy, host = url.netloc.rpartition("@")
    username, dummy, password = userinfo.partition(":")
    # git writes a port as host%3aport: the same host as host:port.
    unquote = urllib.parse.unquote
    key = Key(url.scheme, unquote(host), unquote(url.path.lstrip("/")), unquote(username))
    return key, urllib.parse.unquote(password)


def format_line(key: Key, password: str) -> str:
    """A store line as git credential-store writes it (user name and password percent-encoded)."""
    userinfo = urllib.parse.quote(key.username, safe="") + ":" + urllib.parse.quote(password, safe="")
    path = "/" + urllib.parse.quote(key.path, safe="/") if key.path else ""
    host = key.host.replace(":", "%3a")  # as git writes a port
    return f"{key.protocol}://{userinfo}@{host}{path}"


def masked(key: Key) -> str:
    return format_line(key, "").replace(":@", f":{MASK}@", 1)


def wanted_credentials(params: list[dict]) -> list[tuple[Key, str | None, str]]:
    """One entry per credential, the last one given winning (a host layer overrides a group's)."""
    wanted: dict[Key, tuple[Key, str | None, str]] = {}
    for c in params:
        key = Key(c["protocol"], c["host"], c["path"] or "", c["username"])
        wanted.pop(key, None)
        wanted[key] = (key, c.get("password"), c["state"])
    return list(wanted.values())


def plan_store(lines: list[str], wanted: list[tuple[Key, str | None, str]]) -> tuple[list[str], list[dict]]:
    """The store file's new lines and what happens to each credential. Lines for other keys stay as they are."""
    new_lines = list(lines)
    report = []
    for key, password, state in wanted:
        matches = [i for i, line in enumerate(new_lines) if (parse_line(line) or (None, None))[0] == key]
        if state == "absent":
            action = "removed" if matches else "unchanged"
            new_lines = [line for i, line in enumerate(new_lines) if i not in matches]
        elif not matches:
            action = "added"
            new_lines.append(format_line(key, password or ""))
        elif len(matches) == 1 and parse_line(new_lines[matches[0]])[1] == password:
            action = "unchanged"
        else:
            action = "updated"
            new_lines[matches[0]] = format_line(key, password or "")
            new_lines = [line for i, line in enumerate(new_lines) if i not in matches[1:]]
        report.append({**key.describe(), "state": state, "action": action})
    return new_lines, report


def mask_lines(lines: list[str]) -> str:
    """The store's text for a diff: every password replaced by the mask, other lines as they are."""
    out = []
    for line in lines:
        parsed = parse_line(line)
        out.append(masked(parsed[0]) if parsed else line)
    return "".join(f"{line}\n" for line in out)


def write_private(path: str, text: str) -> None:
    """Replace the file with one created 0600 in the same directory (never readable by others)."""
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".git-credentials.", dir=directory)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def run_store(module: AnsibleModule, wanted: list[tuple[Key, str | None, str]]) -> dict:
    path = module.params["path"]
    exists = os.path.exists(path)
    if exists and not os.path.isfile(path):
        module.fail_json(msg=f"path: {path} exists and is not a regular file")
    mode = os.stat(path).st_mode & 0o7777 if exists else None
    with open(path) if exists else open(os.devnull) as handle:
        lines = handle.read().splitlines()
    new_lines, report = plan_store(lines, wanted)
    content_changed = new_lines != lines and (exists or bool(new_lines))
    mode_changed = exists and mode != 0o600
    result = {"path": path, "credentials": report, "changed": content_changed or mode_changed}
    if module._diff:
        result["diff"] = {
            "before_header": path,
            "after_header": path,
            "before": mask_lines(lines) + (f"mode: {mode:04o}\n" if exists else ""),
            "after": mask_lines(new_lines) + ("mode: 0600\n" if exists or new_lines else ""),
        }
    if module.check_mode or not result["changed"]:
        return result
    if content_changed:
        write_private(path, "".join(f"{line}\n" for line in new_lines))
    else:
        os.chmod(path, 0o600)
    return result


def git_credential(module: AnsibleModule, action: str, key: Key, password: str | None = None) -> tuple[int, str]:
    """Run `git credential <action>` with only the cache helper; the credential goes through stdin."""
    helper = f"cache --timeout={module.params['cache_timeout']}"
    if module.params["cache_socket"]:
        helper += f" --socket={module.params['cache_socket']}"
    git = module.get_bin_path("git", required=True)
    fields = {"protocol": key.protocol, "host": key.host, "username": key.username}
    if key.path:
        fields["path"] = key.path
    if password is not None:
        fields["password"] = password
    data = "".join(f"{name}={value}\n" for name, value in fields.items()) + "\n"
    argv = [git, "-c", "credential.helper=", "-c", f"credential.helper={helper}", "-c", "core.askPass="]
    if key.path:
        argv += ["-c", "credential.useHttpPath=true"]
    # No prompt: a credential the cache lacks makes `fill` fail instead of waiting for a terminal.
    rc, out, dummy = module.run_command(
        [*argv, "credential", action],
        data=data,
        binary_data=True,
        cwd="/",
        environ_update={"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "", "LC_ALL": "C"},
    )
    return rc, out


def cached_password(module: AnsibleModule, key: Key) -> str | None:
    rc, out = git_credential(module, "fill", key)
    if rc != 0:
        return None
    fields = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    return fields.get("password")


def run_cache(module: AnsibleModule, wanted: list[tuple[Key, str | None, str]]) -> dict:
    socket = module.params["cache_socket"]
    report, before, after = [], [], []
    for key, password, state in wanted:
        current = cached_password(module, key)
        if state == "absent":
            action = "removed" if current is not None else "unchanged"
        else:
            action = "unchanged" if current == password else ("updated" if current is not None else "added")
        before += [masked(key)] if current is not None else []
        after += [masked(key)] if state == "present" else []
        if action != "unchanged" and not module.check_mode:
            rc, dummy = git_credential(module, "approve" if state == "present" else "reject", key, password)
            if rc != 0:
                module.fail_json(msg=f"git credential could not {action} the credential for {key.host}", path=socket)
            if state == "present" and cached_password(module, key) != password:
                module.fail_json(msg=f"the credential cache did not keep the credential for {key.host}", path=socket)
        report.append({**key.describe(), "state": state, "action": action})
    result = {"path": socket, "credentials": report, "changed": any(r["action"] != "unchanged" for r in report)}
    if module._diff:
        result["diff"] = {
            "before_header": f"credential cache ({socket})",
            "after_header": f"credential cache ({socket})",
            "before": "".join(f"{line}\n" for line in before),
            "after": "".join(f"{line}\n" for line in after),
        }
    return result


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "helper": {"type": "str", "choices": ["store", "cache"], "default": "store"},
            "path": {"type": "path", "default": "~/.git-credentials"},
            "cache_timeout": {"type": "int", "default": 3600},
            "cache_socket": {"type": "path"},
            "credentials": {
                "type": "list",
                "elements": "dict",
                "required": True,
                "options": {
                    "host": {"type": "str", "required": True},
                    "protocol": {"type": "str", "choices": ["https", "http"], "default": "https"},
                    "username": {"type": "str", "required": True},
                    "password": {"type": "str", "no_log": True, "aliases": ["token"]},
                    "path": {"type": "str", "default": ""},
                    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
                },
                "required_if": [("state", "present", ["password"])],
            },
        },
        supports_check_mode=True,
    )
    for index, credential in enumerate(module.params["credentials"]):
        if not credential["host"] or any(c in credential["host"] for c in "/@ \n"):
            module.fail_json(msg=f"credentials[{index}].host must be a host name (and :port), no '/', '@' or spaces")
        if not credential["username"] or "\n" in credential["username"]:
            module.fail_json(msg=f"credentials[{index}].username must be a non-empty single line")
        if credential["password"] is not None and "\n" in credential["password"]:
            module.fail_json(msg=f"credentials[{index}].password must be a single line")
    wanted = wanted_credentials(module.params["credentials"])
    run = run_store if module.params["helper"] == "store" else run_cache
    module.exit_json(**run(module, wanted))


if __name__ == "__main__":
    main()
