# Copyright: (c) 2026, MLOps workstation maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The dev_container role's filters over what the host has: its routes and listening sockets
(/proc tables) and the settings' conflicts with them."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from ansible_collections.mlops.workstation.plugins.plugin_utils.dev_container import (
    parse_network,
    parse_route_network,
)


def proc_routes(ipv4_table: str, ipv6_table: str = "") -> list[dict[str, str]]:
    """The routes of /proc/net/route and /proc/net/ipv6_route, as `ip -json route` gives them.

    /proc needs no tool on the host (minimal systems lack iproute2). Its IPv4 addresses are in
    the kernel's byte order, taken as little-endian (x86, arm64). Default, link-local,
    multicast and loopback routes are left out: no subnet conflicts with those.
    """
    routes = []
    for line in ipv4_table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        destination = ipaddress.IPv4Address(int(fields[1], 16).to_bytes(4, "little"))
        prefix = bin(int(fields[7], 16)).count("1")
        if prefix > 0:
            routes.append({"dst": f"{destination}/{prefix}", "dev": fields[0]})
    for line in ipv6_table.splitlines():
        fields = line.split()
        if len(fields) < 10:
            continue
        network = ipaddress.IPv6Network((int(fields[0], 16), int(fields[1], 16)), strict=False)
        if network.prefixlen == 0 or network.is_link_local or network.is_multicast or network.is_loopback:
            continue
        routes.append({"dst": str(network), "dev": fields[9]})
    return routes


def _proc_address(field: str) -> tuple[str, int]:
    """'0100007F:22B8' (or 32 hex digits of IPv6) from /proc/net/tcp -> ('127.0.0.1', 8888)."""
    hex_address, hex_port = field.split(":")
    raw = bytes.fromhex(hex_address)
    # The kernel prints each 32-bit word in host (little-endian) order.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(words)), int(hex_port, 16)


def proc_listeners(tables: Any) -> list[dict[str, Any]]:
    """The sockets listening on the host, from {protocol: text} of /proc/net/{tcp,tcp6,udp,udp6}
    (other tables in the mapping are left alone)."""
    listeners = []
    for name, text in (tables or {}).items():
        if name not in ("tcp", "tcp6", "udp", "udp6"):
            continue
        protocol = "udp" if str(name).startswith("udp") else "tcp"
        for line in str(text or "").splitlines()[1:]:
            fields = line.split()
            # TCP: LISTEN (0A); UDP: any bound socket without a peer (07, "close").
            if len(fields) < 4 or fields[3] != ("0A" if protocol == "tcp" else "07"):
                continue
            try:
                address, port = _proc_address(fields[1])
            except ValueError:
                continue
            listeners.append({"address": address, "port": port, "protocol": protocol})
    return listeners


def _bridge_of(network: dict[str, Any]) -> str:
    options = network.get("Options") or {}
    return options.get("com.docker.network.bridge.name") or "br-" + str(network.get("Id", ""))[:12]


def network_conflicts(
    networks: Any,
    existing: Iterable[dict[str, Any]],
    routes: Iterable[dict[str, Any]],
    variable: str = "dev_container_networks",
) -> list[str]:
    """Subnets that overlap another Docker network or a route of the host.

    existing: `docker network inspect` output of every network; routes: `ip -json route` output
    (IPv4 and IPv6) or proc_routes'. A network's own earlier incarnation and the routes of its bridge are not
    conflicts: changing a subnet recreates the network.
    """
    if not isinstance(networks, dict):
        return []
    existing = list(existing)
    routes = list(routes)
    problems = []
    for name, spec in networks.items():
        if not isinstance(spec, dict) or spec.get("state", "present") != "present":
            continue
        own = [n for n in existing if n.get("Name") == name]
        own_devices = {_bridge_of(n) for n in own}
        for key in ("subnet", "ipv6_subnet"):
            subnet = parse_network(spec.get(key) or "-")
            if subnet is None:
                continue
            where = f"{variable}['{name}'].{key} {subnet}"
            for other in existing:
                if other.get("Name") == name:
                    continue
                for config in (other.get("IPAM") or {}).get("Config") or []:
                    theirs = parse_network(config.get("Subnet") or "-")
                    if theirs is not None and theirs.version == subnet.version and theirs.overlaps(subnet):  # type: ignore[arg-type]
                        problems.append(f"{where} overlaps the Docker network '{other.get('Name')}' ({theirs})")
            for route in routes:
                destination = route.get("dst", "")
                if destination in ("default", "") or route.get("dev") in own_devices:
                    continue
                theirs = parse_route_network(destination)
                if theirs is None or theirs.version != subnet.version or theirs.prefixlen == 0:
                    continue
                if route.get("type", "unicast") not in ("unicast", "local"):
                    continue
                if theirs.overlaps(subnet):  # type: ignore[arg-type]
                    problems.append(f"{where} overlaps the host route to {theirs} (dev {route.get('dev', '?')})")
    return problems


def port_conflicts(ports: Any, listeners: Any, own: Any = None, variable: str = "dev_container_ports") -> list[str]:
    """Published ports (filled in) that another program already listens on, on this host.

    own: the Ports of the role's running container as the engine lists them (`docker ps`):
    its own ports are not a conflict."""
    owned = {(int(binding.get("PublicPort") or 0), binding.get("Type") or "tcp") for binding in own or []}
    wildcards = ("0.0.0.0", "::")
    problems = []
    for index, port in enumerate(ports if isinstance(ports, list) else []):
        host, protocol, address = int(port["host"]), port.get("protocol", "tcp"), str(port["address"])
        if (host, protocol) in owned:
            continue
        for listener in listeners or []:
            if listener["port"] != host or listener["protocol"] != protocol:
                continue
            if address in wildcards or listener["address"] in wildcards or listener["address"] == address:
                problems.append(
                    f"{variable}[{index}] publishes {address}:{host}/{protocol}, but something on this "
                    f"host already listens on {listener['address']}:{host}/{protocol}"
                )
                break
    return problems


class FilterModule:
    """The dev_container role's reading of the host."""

    def filters(self) -> dict[str, Any]:
        return {
            "dev_container_proc_routes": proc_routes,
            "dev_container_proc_listeners": proc_listeners,
            "dev_container_network_conflicts": network_conflicts,
            "dev_container_port_conflicts": port_conflicts,
        }
