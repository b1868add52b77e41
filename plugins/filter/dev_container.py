"""Checks of the dev_container role's networks and ports, as filters.

They run on the controller, before the role changes anything, and return a list of
problems (empty when all is well), each naming the variable at fault, so one assert can
report every problem at once.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Iterable
from typing import Any

NETWORK_DRIVERS = ("bridge", "macvlan", "ipvlan")
NETWORK_KEYS = {
    "state", "driver", "subnet", "gateway", "ip_range", "mtu", "internal",
    "enable_ipv6", "ipv6_subnet", "ipv6_gateway", "options", "labels",
}
PORT_KEYS = {"name", "container", "host", "address", "protocol"}
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

Net = ipaddress.IPv4Network | ipaddress.IPv6Network


def _network(value: Any) -> Net | None:
    try:
        return ipaddress.ip_network(str(value), strict=True)
    except ValueError:
        return None


def _address(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(str(value))
    except ValueError:
        return None


def _route_network(destination: str) -> Net | None:
    """A route's destination; one without a prefix is a single address."""
    try:
        return ipaddress.ip_network(destination, strict=False)
    except ValueError:
        return None


def _port(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        port = int(value)
        return port if 1 <= port <= 65535 else None
    return None


def _check_addressing(where: str, spec: dict[str, Any], family: str) -> list[str]:
    """The subnet, gateway and ip range of one address family of a network."""
    problems = []
    subnet_key, gateway_key = ("subnet", "gateway") if family == "ipv4" else ("ipv6_subnet", "ipv6_gateway")
    subnet_value = spec.get(subnet_key) or ""
    subnet = _network(subnet_value) if subnet_value else None
    version = 4 if family == "ipv4" else 6
    if subnet_value and (subnet is None or subnet.version != version):
        problems.append(f"{where}.{subnet_key} '{subnet_value}' is not an IPv{version} network in CIDR form "
                        "(address/prefix with no host bits set, e.g. "
                        f"{'172.30.0.0/24' if version == 4 else 'fd00:30::/64'})")
        return problems
    gateway_value = spec.get(gateway_key) or ""
    if gateway_value:
        gateway = _address(gateway_value)
        if subnet is None:
            problems.append(f"{where}.{gateway_key} needs {where}.{subnet_key}")
        elif gateway is None or gateway.version != version:
            problems.append(f"{where}.{gateway_key} '{gateway_value}' is not an IPv{version} address")
        elif gateway not in subnet or (version == 4 and subnet.prefixlen < 31
                                       and gateway in (subnet.network_address, subnet.broadcast_address)):
            problems.append(f"{where}.{gateway_key} {gateway_value} is not a host address of "
                            f"{where}.{subnet_key} {subnet}")
    if family == "ipv4" and spec.get("ip_range"):
        ip_range = _network(spec["ip_range"])
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
            problems.append(f"{where} has unknown keys: {', '.join(map(str, unknown))} "
                            f"(known: {', '.join(sorted(NETWORK_KEYS))})")
        if spec.get("state", "present") not in ("present", "absent"):
            problems.append(f"{where}.state must be present or absent, got '{spec.get('state')}'")
        driver = spec.get("driver", "bridge")
        if driver not in NETWORK_DRIVERS:
            problems.append(f"{where}.driver '{driver}' is not a known network driver "
                            f"(one of {', '.join(NETWORK_DRIVERS)})")
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
                subnet = _network(spec.get(key) or "-")
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
        merged[key] = (_deep_merge(merged[key], value) if isinstance(merged.get(key), dict) and isinstance(value, dict)
                       else value)
    return merged


_MARK = "\x00"
_MARKED = re.compile(r"\x00\['([^']*)'\](?:\.(\w+))?")


def layered_network_problems(layers: Any) -> list[str]:
    """What is wrong with the networks the layers give once merged, each problem naming the layer
    that set the value at fault: [[variable name, layer], ...], lowest layer first.

    A layer may be partial (a host layer giving only a gateway, the group layer the subnet), so
    the merged result is what is checked, not each layer alone."""
    problems = [f"{name} must be a mapping of network names to settings"
                for name, layer in layers if not isinstance(layer, dict)]
    if problems:
        return problems
    merged: dict[str, Any] = {}
    for _, layer in layers:
        merged = _deep_merge(merged, layer)

    def layer_of(network: str, key: str | None) -> str:
        setting = [name for name, layer in layers if network in layer
                   and (key is None or (isinstance(layer[network], dict) and key in layer[network]))]
        if not setting:  # a key filled in by a default, e.g. a driver left unset
            setting = [name for name, layer in layers if network in layer]
        return setting[-1]

    def named(match: re.Match[str]) -> str:
        network, key = match.group(1), match.group(2)
        return f"{layer_of(network, key)}['{network}']" + (f".{key}" if key else "")

    return [_MARKED.sub(named, problem) for problem in network_problems(merged, _MARK)]


def _bridge_of(network: dict[str, Any]) -> str:
    options = network.get("Options") or {}
    return options.get("com.docker.network.bridge.name") or "br-" + str(network.get("Id", ""))[:12]


def network_conflicts(networks: Any, existing: Iterable[dict[str, Any]], routes: Iterable[dict[str, Any]],
                      variable: str = "dev_container_networks") -> list[str]:
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
            subnet = _network(spec.get(key) or "-")
            if subnet is None:
                continue
            where = f"{variable}['{name}'].{key} {subnet}"
            for other in existing:
                if other.get("Name") == name:
                    continue
                for config in (other.get("IPAM") or {}).get("Config") or []:
                    theirs = _network(config.get("Subnet") or "-")
                    if theirs is not None and theirs.version == subnet.version and theirs.overlaps(subnet):  # type: ignore[arg-type]
                        problems.append(f"{where} overlaps the Docker network '{other.get('Name')}' ({theirs})")
            for route in routes:
                destination = route.get("dst", "")
                if destination in ("default", "") or route.get("dev") in own_devices:
                    continue
                theirs = _route_network(destination)
                if theirs is None or theirs.version != subnet.version or theirs.prefixlen == 0:
                    continue
                if route.get("type", "unicast") not in ("unicast", "local"):
                    continue
                if theirs.overlaps(subnet):  # type: ignore[arg-type]
                    problems.append(f"{where} overlaps the host route to {theirs} (dev {route.get('dev', '?')})")
    return problems


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
        container = _port(port.get("container"))
        host = _port(port.get("host", port.get("container")))
        if container is None:
            problems.append(f"{where}.container must be a port number from 1 to 65535, got '{port.get('container')}'")
        if host is None:
            problems.append(f"{where}.host must be a port number from 1 to 65535, "
                            f"got '{port.get('host', port.get('container'))}'")
        protocol = port.get("protocol", "tcp")
        if protocol not in ("tcp", "udp"):
            problems.append(f"{where}.protocol must be tcp or udp, got '{protocol}'")
        address = str(port.get("address", default_address))
        parsed = _address(address)
        if parsed is None:
            problems.append(f"{where}.address '{address}' is not an IP address")
        if host is None or parsed is None:
            continue
        # 0.0.0.0 (or ::) takes the port on every address, so it clashes with any other binding.
        for (other_address, other_port, other_protocol), other_index in taken.items():
            if other_port != host or other_protocol != protocol:
                continue
            if other_address == str(parsed) or str(parsed) in ("0.0.0.0", "::") or other_address in ("0.0.0.0", "::"):
                problems.append(f"{where} publishes host port {address}:{host}/{protocol}, "
                                f"already published by {variable}[{other_index}]")
                break
        taken.setdefault((str(parsed), host, protocol), index)
    return problems


def _proc_address(field: str) -> tuple[str, int]:
    """'0100007F:22B8' (or 32 hex digits of IPv6) from /proc/net/tcp -> ('127.0.0.1', 8888)."""
    hex_address, hex_port = field.split(":")
    raw = bytes.fromhex(hex_address)
    # The kernel prints each 32-bit word in host (little-endian) order.
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
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


def port_conflicts(ports: Any, listeners: Any, own: Any = None, variable: str = "dev_container_ports") -> list[str]:
    """Published ports (filled in) that another program already listens on, on this host.

    own: the PortBindings of the role's container as `docker inspect` gives them (its own
    ports are not a conflict)."""
    owned = set()
    for key, bindings in (own or {}).items():
        protocol = str(key).partition("/")[2]
        for binding in bindings or []:
            owned.add((int(binding.get("HostPort") or 0), protocol or "tcp"))
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
                problems.append(f"{variable}[{index}] publishes {address}:{host}/{protocol}, but something on this "
                                f"host already listens on {listener['address']}:{host}/{protocol}")
                break
    return problems


def compose_port(port: dict[str, Any]) -> dict[str, Any]:
    """A filled-in port as a compose file's long syntax."""
    return {"target": int(port["container"]), "published": str(port["host"]), "host_ip": str(port["address"]),
            "protocol": port.get("protocol", "tcp")}


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


def not_addresses(values: Any) -> list[Any]:
    """The entries of a list that are not IP addresses (all of it when it is not a list)."""
    if not isinstance(values, list):
        return [values]
    return [value for value in values if _address(value) is None]


def address_in(address: Any, subnet: Any) -> bool:
    """Whether an address is a host address of a subnet (false when either is malformed)."""
    parsed, network = _address(address), _network(subnet)
    return parsed is not None and network is not None and parsed.version == network.version and parsed in network


def schema_errors(document: Any, schema: dict[str, Any]) -> list[str]:
    """JSON schema violations of a document (jsonschema is a controller requirement)."""
    import jsonschema  # only the callers of this filter need it

    validator = jsonschema.Draft7Validator(schema)
    return [f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
            for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))]


def path_differs(found: Any, owner: str, mode: str, content: str | None = None) -> bool:
    """Whether the file module (a directory, content None) or copy (a file of that text) would change
    the path, from dev_container_host_state's look at it: run them only then."""
    if not isinstance(found, dict) or not found.get("exists"):
        return True
    if (found.get("pw_name"), found.get("mode")) != (owner, mode):
        return True
    if content is None:
        return not found.get("isdir")
    checksum = hashlib.sha1(str(content).encode("utf-8"), usedforsecurity=False).hexdigest()
    return not found.get("isreg") or found.get("checksum") != checksum


class FilterModule:
    """The dev_container role's checks."""

    def filters(self) -> dict[str, Any]:
        return {
            "dev_container_network_problems": network_problems,
            "dev_container_layered_network_problems": layered_network_problems,
            "dev_container_network_conflicts": network_conflicts,
            "dev_container_port_problems": port_problems,
            "dev_container_proc_routes": proc_routes,
            "dev_container_proc_listeners": proc_listeners,
            "dev_container_port_conflicts": port_conflicts,
            "dev_container_address_in": address_in,
            "dev_container_not_addresses": not_addresses,
            "dev_container_compose_port": compose_port,
            "dev_container_published_port": published_port,
            "dev_container_port_url": port_url,
            "dev_container_schema_errors": schema_errors,
            "dev_container_path_differs": path_differs,
        }
