# Copyright: (c) 2026, MLOps workstation maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read and edit DVC's configuration files (configobj's INI dialect) line by line.

DVC keeps its settings in INI files written by configobj:

    [core]
        remote = storage
    ['remote "storage"']
        url = s3://bucket/path
    [cache]
        type = "reflink,symlink"

An edit changes only the lines of the keys it sets or removes; comments, order and keys it
does not touch stay as they were, so a file that a user or `dvc config` also edits survives.
Values are written quoted when configobj would otherwise read them as a list or cut them at
a comment, so `dvc` reads back exactly the string that was set.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field

SCOPES = ("system", "global", "project", "local")
_HEADER = re.compile(r"""^\s*\[\s*(?P<name>'[^']*'|"[^"]*"|[^\]'"]+?)\s*\]\s*(?:#.*)?$""")
_KEY = re.compile(r"""^(?P<indent>\s*)(?P<key>[^\s=#\[][^=]*?)\s*=\s*(?P<value>.*?)\s*$""")
# Sections that DVC names after the thing they configure: `remote.<name>.<option>`.
NAMED_SECTIONS = ("remote", "machine", "db")


def config_path(scope: str, repo: str | None = None, home: str | None = None) -> str:
    """Where DVC keeps the configuration of a scope (Linux; XDG directories as DVC resolves them)."""
    if scope == "system":
        base = (os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(":")[0]
        return os.path.join(base, "dvc", "config")
    if scope == "global":
        base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home or os.path.expanduser("~"), ".config")
        return os.path.join(base, "dvc", "config")
    if scope in ("project", "local"):
        if not repo:
            raise ValueError(f"the {scope} scope needs the project's path")
        return os.path.join(repo, ".dvc", "config" if scope == "project" else "config.local")
    raise ValueError(f"unknown scope {scope!r} (one of {', '.join(SCOPES)})")


def split_key(name: str) -> tuple[str, str]:
    """`core.remote` -> ('core', 'remote'); `remote.hdd.url` -> ('remote "hdd"', 'url')."""
    parts = name.split(".")
    if len(parts) >= 3 and parts[0] in NAMED_SECTIONS:
        return f'{parts[0]} "{parts[1]}"', ".".join(parts[2:])
    if len(parts) == 2 and all(parts):
        return parts[0], parts[1]
    raise ValueError(f"{name!r} is not a DVC setting (section.option, or remote.<name>.<option>)")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    # An unquoted value ends at a comment.
    return value.split("#", 1)[0].rstrip()


def quote(value: str) -> str:
    """A value as configobj writes it: quoted when it holds what configobj would split or cut."""
    if value == "" or any(c in value for c in ",#'\"\n") or value != value.strip():
        if "\n" in value:
            raise ValueError("a DVC setting cannot hold a line break")
        return f"'{value}'" if '"' in value else f'"{value}"'
    return value


def _header(section: str) -> str:
    return f"['{section}']" if " " in section or '"' in section else f"[{section}]"


@dataclass
class ConfigFile:
    """The lines of one configuration file, with lookups by section and key."""

    lines: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> ConfigFile:
        return cls(text.splitlines())

    def render(self) -> str:
        return "\n".join(self.lines) + ("\n" if self.lines else "")

    def _sections(self) -> list[tuple[str, int, int]]:
        """(name, header line, end line) of each section, in order."""
        found: list[tuple[str, int]] = []
        for index, line in enumerate(self.lines):
            match = _HEADER.match(line)
            if match:
                name = match.group("name")
                found.append((name[1:-1] if name[0] in "'\"" else name, index))
        return [(name, start, found[i + 1][1] if i + 1 < len(found) else len(self.lines))
                for i, (name, start) in enumerate(found)]

    def _find(self, section: str, key: str) -> tuple[int | None, tuple[str, int, int] | None]:
        for block in self._sections():
            if block[0] != section:
                continue
            for index in range(block[1] + 1, block[2]):
                match = _KEY.match(self.lines[index])
                if match and match.group("key") == key:
                    return index, block
            return None, block
        return None, None

    def get(self, name: str) -> str | None:
        section, key = split_key(name)
        index, dummy = self._find(section, key)
        if index is None:
            return None
        match = _KEY.match(self.lines[index])
        if match is None:
            raise ValueError(f"not a setting: {self.lines[index]!r}")
        return _unquote(match.group("value"))

    def items(self) -> dict[str, str]:
        """Every setting, by its `dvc config` name."""
        settings = {}
        for section, start, end in self._sections():
            named = re.match(r'^(\w+) "(.*)"$', section)
            prefix = f"{named.group(1)}.{named.group(2)}" if named else section
            for index in range(start + 1, end):
                match = _KEY.match(self.lines[index])
                if match:
                    settings[f"{prefix}.{match.group('key')}"] = _unquote(match.group("value"))
        return settings

    def set(self, name: str, value: str) -> bool:
        """Set a key; True when the file changed."""
        section, key = split_key(name)
        if self.get(name) == value:
            return False
        index, block = self._find(section, key)
        line = f"    {key} = {quote(value)}"
        if index is not None:
            self.lines[index] = line
        elif block is not None:
            # After the section's last key, before blank lines and comments that follow it.
            end = block[2]
            while end - 1 > block[1] and not _KEY.match(self.lines[end - 1]):
                end -= 1
            self.lines.insert(end, line)
        else:
            self.lines += [_header(section), line]
        return True

    def unset(self, name: str) -> bool:
        """Remove a key (and its section when nothing is left in it); True when the file changed."""
        section, key = split_key(name)
        index, block = self._find(section, key)
        if index is None or block is None:
            return False
        del self.lines[index]
        dummy, start, end = next(b for b in self._sections() if b[0] == section and b[1] == block[1])
        if all(not line.strip() for line in self.lines[start + 1:end]):
            del self.lines[start:end]
        return True

    def remove_section(self, section: str) -> bool:
        for name, start, end in self._sections():
            if name == section:
                del self.lines[start:end]
                return True
        return False

    def sections(self) -> list[str]:
        return [name for name, dummy, dummy in self._sections()]


# Remote options that hold credentials (DVC's remote schemas: s3, ssh, webdav, http, gs, azure,
# oss, gdrive, hdfs). They belong only in the local or the user's global configuration.
SECRET_OPTIONS = frozenset({
    "password", "secret_access_key", "access_key_id", "session_token", "token", "passphrase",
    "key", "account_key", "sas_token", "connection_string", "client_secret", "oss_key_secret",
    "oss_key_id", "gdrive_client_secret", "gdrive_service_account_json_file_path",
    "custom_auth_header",
})


def is_secret(name: str) -> bool:
    """Whether a `dvc config` name is a credential (`remote.s3.secret_access_key`)."""
    return name.split(".")[-1] in SECRET_OPTIONS


def read(path: str) -> ConfigFile:
    try:
        with open(path, encoding="utf-8") as handle:
            return ConfigFile.parse(handle.read())
    except FileNotFoundError:
        return ConfigFile()


def write(path: str, text: str, mode: int, owner: tuple[int, int] | None = None) -> None:
    """Replace a file whole: a new file with its final mode from the start, renamed into place."""
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".config.", dir=directory)  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if owner is not None:
            os.chown(temporary, *owner)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
