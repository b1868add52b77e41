# Copyright: (c) 2026, MLOps workstation maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The dev_container role's checks of its settings (networks, ports, devcontainer.json), as filters.

They run on the controller, before the role changes anything, and return a list of
problems (empty when all is well), each naming the variable at fault, so one assert can
report every problem at once.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.mlops.workstation.plugins.plugin_utils.dev_container import (
    NAME,
    NETWORK_DRIVERS,
    NETWORK_KEYS,
    PORT_KEYS,
    Net,
    parse_address,
    parse_network,
    parse_port,
)


def _check_addressing(where: str, spec: dict[str, Any], family: str) -> list[str]:
    """The subnet, gateway and ip range of one address family of a network."""
    problems = []
    subnet_key, gateway_key = ("subnet", "gateway") if family == "ipv4" else ("ipv6_subnet", "ipv6_gateway")
    subnet_value = spec.get(subnet_key) or ""
    subnet = parse_network(subnet_value) if subnet_value else None
    version = 4 if family == "ipv4" else 6
    if subnet_value and (subnet is None or subnet.version != version):
        problems.append(
            f"{where}.{subnet_key} '{subnet_value}' is not an IPv{version} network in CIDR form "
            "(address/prefix with no host bits set, e.g. "
            f"{'172.30.0.0/24' if version == 4 else 'fd00:30::/64'})"
        )
        return problems
    gateway_value = spec.get(gateway_key) or ""
    if gateway_value:
        gateway = parse_address(gateway_value)
        if subnet is None:
            problems.append(f"{where}.{gateway_key} needs {where}.{subnet_key}")
        elif gateway is None or gateway.version != version:
            problems.append(f"{where}.{gateway_key} '{gateway_value}' is not an IPv{version} address")
        elif gateway not in subnet or (
            version == 4 and subnet.prefixlen < 31 and gateway in (subnet.network_address, subnet.broadcast_address)
        ):
            problems.append(
                f"{where}.{gateway_key} {gateway_value} is not a host address of {where}.{subnet_key} {subnet}"
            )
    if family == "ipv4" and spec.get("ip_range"):
        ip_range = parse_network(spec["ip_range"])
        if subnet is None:
            problems.append(f"{where}.ip_range needs {where}.subnet")
        elif ip_range is None or ip_range.version != 4:
            problems.append(f"{where}.ip_range '{spec['ip_range']}' is not an IPv4 network in CIDR form")
        elif not ip_range.subnet_of(subnet):  # type: ignore[arg-type]
            problems.append(f"{where}.ip_range {ip_range} is not inside {where}.subnet {subnet}")
    return problems


def network_problems(networks: Any, variable: str = "dev_container_networks") -> list[str]:
    """What is wrong with the merged networks, taken alone (no host state needed)."""
    if not isinstance(networks, dict):
        return [f"{variable} must be a mapping of network names to settings"]
    problems: list[str] = []
    seen: list[tuple[str, Net]] = []
    for name, spec in networks.items():
        where = f"{variable}['{name}']"
        if not NAME.match(str(name)):
            problems.append(f"{where}: '{name}' is not a valid network name")
        if spec is None:
            continue
        if not isinstance(spec, dict):
            problems.append(f"{where} must be a mapping (or null to leave the network alone)")
            continue
        unknown = sorted(set(spec) - NETWORK_KEYS)
        if unknown:
            problems.append(
                f"{where} has unknown keys: {', '.join(map(str, unknown))} (known: {', '.join(sorted(NETWORK_KEYS))})"
            )
        if spec.get("state", "present") not in ("present", "absent"):
            problems.append(f"{where}.state must be present or absent, got '{spec.get('state')}'")
        driver = spec.get("driver", "bridge")
        if driver not in NETWORK_DRIVERS:
            problems.append(
                f"{where}.driver '{driver}' is not a known network driver (one of {', '.join(NETWORK_DRIVERS)})"
            )
        elif driver in ("macvlan", "ipvlan") and not (spec.get("options") or {}).get("parent"):
            problems.append(f"{where}: the {driver} driver needs options.parent (the host interface)")
        for key in ("internal", "enable_ipv6"):
            if key in spec and not isinstance(spec[key], bool):
                problems.append(f"{where}.{key} must be true or false, got '{spec[key]}'")
        for key in ("options", "labels"):
            if key in spec and not isinstance(spec[key] or {}, dict):
                problems.append(f"{where}.{key} must be a mapping")
        mtu = spec.get("mtu", 0) or 0
        if isinstance(mtu, bool) or not str(mtu).isdigit() or not (int(mtu) == 0 or 68 <= int(mtu) <= 65535):
            problems.append(f"{where}.mtu must be 0 (Docker's default) or a number from 68 to 65535, got '{mtu}'")
        problems += _check_addressing(where, spec, "ipv4")
        if spec.get("enable_ipv6"):
            problems += _check_addressing(where, spec, "ipv6")
        elif spec.get("ipv6_subnet"):
            problems.append(f"{where}.ipv6_subnet is set but enable_ipv6 is not true")
        if spec.get("state", "present") == "present":
            for key in ("subnet", "ipv6_subnet"):
                subnet = parse_network(spec.get(key) or "-")
                if subnet is None:
                    continue
                for other_name, other in seen:
                    if other.version == subnet.version and other.overlaps(subnet):  # type: ignore[arg-type]
                        problems.append(f"{where}.{key} {subnet} overlaps {variable}['{other_name}'] ({other})")
                seen.append((str(name), subnet))
    return problems


def _deep_merge(base: dict[str, Any], layer: dict[str, Any]) -> dict[str, Any]:
    """As Ansible's combine(recursive=true): mappings merge key by key, anything else replaces."""
    merged = dict(base)
    for key, value in layer.items():
        merged[key] = (
            _deep_merge(merged[key], value) if isinstance(merged.get(key), dict) and isinstance(value, dict) else value
        )
    return merged


_MARK = "\x00"

_MARKED = re.compile(r"\x00\['([^']*)'\](?:\.(\w+))?")


def layered_network_problems(layers: Any) -> list[str]:
    """What is wrong with the networks the layers give once merged, each problem naming the layer
    that set the value at fault: [[variable name, layer], ...], lowest layer first.

    A layer may be partial (a host layer giving only a gateway, the group layer the subnet), so
    the merged result is what is checked, not each layer alone."""
    problems = [
        f"{name} must be a mapping of network names to settings"
        for name, layer in layers
        if not isinstance(layer, dict)
    ]
    if problems:
        return problems
    merged: dict[str, Any] = {}
    for dummy, layer in layers:
        merged = _deep_merge(merged, layer)

    def layer_of(network: str, key: str | None) -> str:
        setting = [
            name
            for name, layer in layers
            if network in layer and (key is None or (isinstance(layer[network], dict) and key in layer[network]))
        ]
        if not setting:  # a key filled in by a default, e.g. a driver left unset
            setting = [name for name, layer in layers if network in layer]
        return setting[-1]

    def named(match: re.Match[str]) -> str:
        network, key = match.group(1), match.group(2)
        return f"{layer_of(network, key)}['{network}']" + (f".{key}" if key else "")

    return [_MARKED.sub(named, problem) for problem in network_problems(merged, _MARK)]


def port_problems(ports: Any, default_address: str = "127.0.0.1", variable: str = "dev_container_ports") -> list[str]:
    """Published ports: numbers in range, known protocol, an IP to bind, no host port twice."""
    if not isinstance(ports, list):
        return [f"{variable} must be a list of {{container, host, address, protocol}} mappings"]
    problems = []
    taken: dict[tuple[str, int, str], int] = {}
    for index, port in enumerate(ports):
        where = f"{variable}[{index}]"
        if not isinstance(port, dict):
            problems.append(f"{where} must be a mapping with container (and host, address, protocol)")
            continue
        unknown = sorted(set(port) - PORT_KEYS)
        if unknown:
            problems.append(f"{where} has unknown keys: {', '.join(map(str, unknown))}")
        container = parse_port(port.get("container"))
        host = parse_port(port.get("host", port.get("container")))
        if container is None:
            problems.append(f"{where}.container must be a port number from 1 to 65535, got '{port.get('container')}'")
        if host is None:
            problems.append(
                f"{where}.host must be a port number from 1 to 65535, got '{port.get('host', port.get('container'))}'"
            )
        protocol = port.get("protocol", "tcp")
        if protocol not in ("tcp", "udp"):
            problems.append(f"{where}.protocol must be tcp or udp, got '{protocol}'")
        address = str(port.get("address", default_address))
        parsed = parse_address(address)
        if parsed is None:
            problems.append(f"{where}.address '{address}' is not an IP address")
        if host is None or parsed is None:
            continue
        # 0.0.0.0 (or ::) takes the port on every address, so it clashes with any other binding.
        for (other_address, other_port, other_protocol), other_index in taken.items():
            if other_port != host or other_protocol != protocol:
                continue
            if other_address == str(parsed) or str(parsed) in ("0.0.0.0", "::") or other_address in ("0.0.0.0", "::"):
                problems.append(
                    f"{where} publishes host port {address}:{host}/{protocol}, "
                    f"already published by {variable}[{other_index}]"
                )
                break
        taken.setdefault((str(parsed), host, protocol), index)
    return problems


def not_addresses(values: Any) -> list[Any]:
    """The entries of a list that are not IP addresses (all of it when it is not a list)."""
    if not isinstance(values, list):
        return [values]
    return [value for value in values if parse_address(value) is None]


def address_in(address: Any, subnet: Any) -> bool:
    """Whether an address is a host address of a subnet (false when either is malformed)."""
    parsed, network = parse_address(address), parse_network(subnet)
    return parsed is not None and network is not None and parsed.version == network.version and parsed in network


def schema_errors(document: Any, schema: dict[str, Any]) -> list[str]:
    """JSON schema violations of a document (jsonschema is a controller requirement)."""
    import jsonschema  # only the callers of this filter need it

    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    ]


class FilterModule:
    """The dev_container role's checks of its settings."""

    def filters(self) -> dict[str, Any]:
        return {
            "dev_container_network_problems": network_problems,
            "dev_container_layered_network_problems": layered_network_problems,
            "dev_container_port_problems": port_problems,
            "dev_container_not_addresses": not_addresses,
            "dev_container_address_in": address_in,
            "dev_container_schema_errors": schema_errors,
        }
