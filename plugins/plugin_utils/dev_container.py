# Copyright: (c) 2026, MLOps workstation maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the dev_container role's filters share (plugins/filter/dev_container_*.py): the keys
of its settings and the parsing of networks, addresses and ports."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

NETWORK_DRIVERS = ("bridge", "macvlan", "ipvlan")

NETWORK_KEYS = {
    "state",
    "driver",
    "subnet",
    "gateway",
    "ip_range",
    "mtu",
    "internal",
    "enable_ipv6",
    "ipv6_subnet",
    "ipv6_gateway",
    "options",
    "labels",
}

PORT_KEYS = {"name", "container", "host", "address", "protocol"}

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

Net = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_network(value: Any) -> Net | None:
    try:
        return ipaddress.ip_network(str(value), strict=True)
    except ValueError:
        return None


def parse_address(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(str(value))
    except ValueError:
        return None


def parse_route_network(destination: str) -> Net | None:
    """A route's destination; one without a prefix is a single address."""
    try:
        return ipaddress.ip_network(destination, strict=False)
    except ValueError:
        return None


def parse_port(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        port = int(value)
        return port if 1 <= port <= 65535 else None
    return None
