# Copyright: (c) 2026, MLOps workstation maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How the dev_container role writes its container: a compose service, a port for docker run, a URL."""

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


def compose_service(spec: dict[str, Any]) -> dict[str, Any]:
    """The role's container spec (vars/main.yml's _dev_container_spec) as a compose file's service.

    Keys come in the order earlier versions wrote them, so an unchanged container's file stays
    byte for byte the same."""
    network: dict[str, Any] = {"aliases": spec["network_aliases"]} if spec.get("network_aliases") else {}
    if spec.get("ipv4_address"):
        network["ipv4_address"] = spec["ipv4_address"]
    service: dict[str, Any] = {
        "image": spec["image"],
        "container_name": spec["name"],
        "hostname": spec["hostname"],
        "init": bool(spec["init"]),
        "command": spec["command"],
        "restart": spec["restart_policy"],
        "working_dir": spec["working_dir"],
        "shm_size": spec["shm_size"],
        "labels": spec["labels"],
        "networks": {spec["network"]: network},
    }
    if spec.get("user"):
        service["user"] = spec["user"]
    if spec.get("env"):
        service["environment"] = spec["env"]
    service["volumes"] = [
        {
            "type": "bind",
            "source": mount["source"],
            "target": mount["target"],
            "read_only": mount["read_only"],
            "bind": {"create_host_path": False},
        }
        for mount in spec["mounts"]
    ]
    if spec.get("ports"):
        service["ports"] = [compose_port(port) for port in spec["ports"]]
    if spec.get("dns"):
        service["dns"] = spec["dns"]
    if spec.get("dns_search"):
        service["dns_search"] = spec["dns_search"]
    if spec.get("extra_hosts"):
        service["extra_hosts"] = [f"{name}:{address}" for name, address in sorted(spec["extra_hosts"].items())]
    if spec.get("ulimits"):
        service["ulimits"] = {
            limit["name"]: {"soft": limit["soft"], "hard": limit["hard"]} for limit in spec["ulimits"]
        }
    if spec.get("gpus"):
        service["deploy"] = {
            "resources": {"reservations": {"devices": [{"driver": "nvidia", "count": "all", "capabilities": ["gpu"]}]}}
        }
    return service


def api_ulimits(ulimits: list[dict[str, Any]]) -> list[str]:
    """The spec's ulimits as docker_container's name:soft:hard strings."""
    return [f"{limit['name']}:{limit['soft']}:{limit['hard']}" for limit in ulimits]


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
    """The dev_container role's renderings of its container."""

    def filters(self) -> dict[str, Any]:
        return {
            "dev_container_compose_service": compose_service,
            "dev_container_api_ulimits": api_ulimits,
            "dev_container_published_port": published_port,
            "dev_container_port_url": port_url,
        }
