# Copyright: (c) 2026, MLOps workstation maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters the roles share to check their settings, mlops.workstation.<name>."""

from __future__ import annotations

import posixpath
import re
from typing import Any

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A line break (CR LF too) where a setting may hold several lines (a PEM certificate or key).
CONTROL_BUT_LINE_BREAKS = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")


def _walk(value: Any, path: str, pattern: str):
    """Each string of a setting (dictionary keys too), with where it is: a readable path
    (name[0].key) and the pattern the multiline list names (name[].key)."""
    if isinstance(value, str):
        yield path, pattern, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield f"{path} (a key)", f"{pattern}{{}}", str(key)
            yield from _walk(item, f"{path}.{key}", f"{pattern}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]", f"{pattern}[]")


def control_characters(settings: dict[str, Any], multiline: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Where the settings (name: value) hold a control character: a line break, a tab, an escape.
    Such a value would add a line to a file, an environment or a command line. The places
    named in multiline (name[].key, name.* for a mapping's values) may hold line breaks only.
    Never returns a value."""
    found = []
    for name, value in settings.items():
        for path, pattern, text in _walk(value, name, name):
            # name.* stands for the values of a mapping, whatever their keys.
            multi = pattern in multiline or any(m.endswith(".*") and pattern.startswith(m[:-1]) for m in multiline)
            check = CONTROL_BUT_LINE_BREAKS if multi else CONTROL
            if check.search(text):
                found.append(path)
    return found


# A credential in a URL: a password in the user part, any user part of an http(s) URL (a token
# as the user), or a query parameter named like one.
URL_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#@\s:]*:[^/?#@\s]*@")
HTTP_USER = re.compile(r"https?://[^/?#@\s]+@", re.IGNORECASE)
QUERY_CREDENTIAL = re.compile(
    r"[?&][^=&#\s]*(token|secret|passw|key|signature|sig|auth|credential)[^=&#\s]*=", re.IGNORECASE
)


def url_credentials(settings: dict[str, Any]) -> list[str]:
    """Where the settings (name: value) hold a credential in a URL, keys of mappings too: the
    places (as control_characters names them) of settings not meant for credentials. Never
    returns a value."""
    return [
        path
        for name, value in settings.items()
        for path, dummy, text in _walk(value, name, name)
        if URL_PASSWORD.search(text) or HTTP_USER.search(text) or QUERY_CREDENTIAL.search(text)
    ]


# Directories of the system itself: a setting that writes, owns or mounts a directory must name
# one of its own below them.
SYSTEM_DIRECTORIES = frozenset(
    [
        "/",
        "/bin",
        "/boot",
        "/dev",
        "/etc",
        "/home",
        "/lib",
        "/lib32",
        "/lib64",
        "/libx32",
        "/media",
        "/mnt",
        "/opt",
        "/proc",
        "/root",
        "/run",
        "/sbin",
        "/srv",
        "/sys",
        "/tmp",
        "/usr",
        "/usr/bin",
        "/usr/include",
        "/usr/lib",
        "/usr/lib64",
        "/usr/libexec",
        "/usr/local",
        "/usr/local/bin",
        "/usr/local/lib",
        "/usr/local/sbin",
        "/usr/local/share",
        "/usr/sbin",
        "/usr/share",
        "/usr/src",
        "/var",
        "/var/cache",
        "/var/lib",
        "/var/log",
        "/var/spool",
        "/var/tmp",
    ]
)


def system_paths(settings: dict[str, Any]) -> list[str]:
    """Where the path settings (name: path, or a list of paths) name / or a directory of the system
    itself, or climb with '..': the places (name, name[0]) to refuse."""
    found = []
    for name, value in settings.items():
        for path, dummy, text in _walk(value, name, name):
            if text and (posixpath.normpath("/" + text.lstrip("/")) in SYSTEM_DIRECTORIES or ".." in text.split("/")):
                found.append(path)
    return found


# Each kind of name by the grammar of what consumes it: Docker (containers, networks, images'
# repositories), Compose (project names), DNS host names, environment variables, Unix
# accounts and groups (useradd's), DVC remotes (never an option: no leading '-').
NAME_GRAMMARS = {
    "docker": re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*\Z"),
    "compose": re.compile(r"[a-z0-9][a-z0-9_-]*\Z"),
    "hostname": re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\Z"),
    "env": re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z"),
    "unix": re.compile(r"[a-z_][a-z0-9_-]{0,31}\Z"),
    "dvc_remote": re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*\Z"),
}


def bad_names(settings: dict[str, Any], kind: str) -> list[str]:
    """Where the name settings (name: a name, a list of names, or a mapping whose keys are names)
    break the grammar of kind (NAME_GRAMMARS); empty values are left to the roles (a default)."""
    grammar = NAME_GRAMMARS[kind]
    found = []
    for name, value in settings.items():
        if isinstance(value, dict):
            found += [f"{name}[{key!r}]" for key in value if not grammar.match(str(key))]
        elif isinstance(value, (list, tuple)):
            found += [
                f"{name}[{index}]"
                for index, item in enumerate(value)
                if item not in (None, "") and not grammar.match(str(item))
            ]
        elif value not in (None, "") and not grammar.match(str(value)):
            found.append(name)
    return found


class FilterModule:
    """The shared settings filters."""

    def filters(self):
        return {
            "bad_names": bad_names,
            "control_characters": control_characters,
            "system_paths": system_paths,
            "url_credentials": url_credentials,
        }
