# Copyright: (c) 2026, MLOps workstation maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters for URLs that may carry credentials, mlops.workstation.<name>."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from ansible.errors import AnsibleFilterError

# The user part of a URL, with or without a scheme: user:password@ or token@, up to the last @
# before the path (a password may hold one unencoded).
USER_PART = re.compile(r"^((?:[A-Za-z][A-Za-z0-9+.-]*://)?)([^/?#\s]*)@")


def url_masked(url: str) -> str:
    """The URL to show in a message: its password replaced by ***, or its user part when that
    has no password (a token as the user)."""
    match = USER_PART.match(url)
    if not match:
        return url
    user, colon, dummy = match.group(2).partition(":")
    shown = f"{user}:***" if colon else "***"
    return f"{match.group(1)}{shown}@{url[match.end() :]}"


def url_without_credentials(url: str) -> str:
    """The URL with its user part removed, for a file or a command line: url_netrc carries it."""
    return USER_PART.sub(r"\1", url, count=1)


def url_netrc(urls: list[str]) -> str:
    """A netrc file with the credentials of those URLs that carry some (one machine each, the
    first URL's winning), or an empty string when none does."""
    machines: dict[str, tuple[str, str]] = {}
    for url in urls:
        parts = urlsplit(url)
        if parts.username is not None and parts.hostname and parts.hostname not in machines:
            login, password = unquote(parts.username), unquote(parts.password or "")
            if re.search(r"[\s\"']", login + password):
                raise AnsibleFilterError(
                    f"the credentials of the URL for {parts.hostname} hold a space or a quote: a netrc file cannot"
                )
            machines[parts.hostname] = (login, password)
    return "".join(
        f"machine {host}\n  login {login}\n  password {password}\n" for host, (login, password) in machines.items()
    )


class FilterModule:
    """The shared URL filters."""

    def filters(self):
        return {
            "url_masked": url_masked,
            "url_netrc": url_netrc,
            "url_without_credentials": url_without_credentials,
        }
