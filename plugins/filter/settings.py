"""Filters the roles share to check their settings (ansible.cfg's filter_plugins)."""

from __future__ import annotations

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
    named in multiline (name[].key) may hold line breaks only. Never returns a value."""
    found = []
    for name, value in settings.items():
        for path, pattern, text in _walk(value, name, name):
            check = CONTROL_BUT_LINE_BREAKS if pattern in multiline else CONTROL
            if check.search(text):
                found.append(path)
    return found


class FilterModule:
    """The shared settings filters."""

    def filters(self):
        return {"control_characters": control_characters}
