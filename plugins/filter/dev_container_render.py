# Copyright: (c) 2026, MLOps workstation maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How the dev_container role writes a port: in a compose file, for docker run, as a URL."""

from __future__ import annotations

from typing import Any


def compose_port(port: dict[str, Any]) -> dict[str, Any]:
    """A filled-in port as a compose file's long syntax."""
    return {
        "target": int(port["container"]),
        "published": str(port["host"]),
        "host_ip": str(port["address"]),
        "protocol": port.get("protocol", "tcp"),
    }


def published_port(port: dict[str, Any]) -> str:
    """A filled-in port as docker run's -p value (IPv6 addresses in brackets)."""
    address = str(port["address"])
    if ":" in address:
        address = f"[{address}]"
    return f"{address}:{port['host']}:{port['container']}/{port.get('protocol', 'tcp')}"


def port_url(port: dict[str, Any]) -> str:
    """A filled-in port as the URL a person opens on the workstation, with its name when it has one."""
    address = str(port["address"])
    if address in ("", "0.0.0.0", "::"):
        address = "127.0.0.1"
    if ":" in address:
        address = f"[{address}]"
    url = f"http://{address}:{port['host']}/"
    return f"{port['name']}: {url}" if port.get("name") else url


class FilterModule:
    """The dev_container role's renderings of ports."""

    def filters(self) -> dict[str, Any]:
        return {
            "dev_container_compose_port": compose_port,
            "dev_container_published_port": published_port,
            "dev_container_port_url": port_url,
        }
