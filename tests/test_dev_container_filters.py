"""The dev_container role's filters (plugins/filter/dev_container_*.py), called directly."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from types import SimpleNamespace

import pytest

from conftest import ROOT


def _load(part: str):
    path = ROOT / "plugins" / "filter" / f"dev_container_{part}.py"
    spec = importlib.util.spec_from_file_location(f"dev_container_{part}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The role's filters, from the three files they are split into by purpose.
filters = SimpleNamespace(
    **{name: value for part in ("checks", "host", "render") for name, value in vars(_load(part)).items()
       if callable(value) and not name.startswith("_")}
)


@pytest.mark.parametrize(
    ("networks", "expected"),
    [
        ({"mlops": {"subnet": "172.30.0.0/33"}}, "not an IPv4 network in CIDR form"),
        ({"mlops": {"subnet": "172.30.0.1/24"}}, "no host bits set"),
        ({"mlops": {"subnet": "fd00::/64"}}, "not an IPv4 network"),
        ({"mlops": {"subnet": "172.30.0.0/24", "gateway": "172.31.0.1"}}, "not a host address of"),
        ({"mlops": {"subnet": "172.30.0.0/24", "gateway": "172.30.0.255"}}, "not a host address of"),
        ({"mlops": {"gateway": "172.30.0.1"}}, "gateway needs"),
        ({"mlops": {"subnet": "172.30.0.0/24", "ip_range": "172.30.1.0/25"}}, "is not inside"),
        ({"mlops": {"driver": "overlay"}}, "not a known network driver"),
        ({"mlops": {"driver": "macvlan"}}, "needs options.parent"),
        ({"mlops": {"mtu": 20}}, "mtu must be"),
        ({"mlops": {"mtu": "1500b"}}, "mtu must be"),
        ({"mlops": {"internal": "yes"}}, "internal must be true or false"),
        ({"mlops": {"subnett": "172.30.0.0/24"}}, "unknown keys: subnett"),
        ({"mlops": {"state": "gone"}}, "state must be present or absent"),
        ({"mlops": {"ipv6_subnet": "fd00::/64"}}, "enable_ipv6 is not true"),
        ({"mlops": {"enable_ipv6": True, "ipv6_subnet": "172.30.0.0/24"}}, "not an IPv6 network"),
        ({"a": {"subnet": "10.10.0.0/16"}, "b": {"subnet": "10.10.5.0/24"}}, "overlaps dev_container_networks['a']"),
        ({"bad name!": {}}, "not a valid network name"),
        ({"mlops": "bridge"}, "must be a mapping"),
        (["mlops"], "must be a mapping of network names"),
    ],
)
def test_bad_networks_are_named(networks, expected):
    problems = filters.network_problems(networks)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    "networks",
    [
        {"mlops": {"driver": "bridge", "subnet": ""}},
        {"mlops": {"subnet": "172.30.0.0/24", "gateway": "172.30.0.1", "ip_range": "172.30.0.128/25", "mtu": 1400}},
        {"mlops": {"subnet": "172.30.0.0/24", "enable_ipv6": True, "ipv6_subnet": "fd00:30::/64"}},
        {"a": {"subnet": "10.10.0.0/24"}, "b": {"subnet": "10.10.1.0/24"}, "c": None},
        # An absent network's subnet may be reused by another.
        {"old": {"subnet": "10.10.0.0/24", "state": "absent"}, "new": {"subnet": "10.10.0.0/24"}},
        {"lan": {"driver": "macvlan", "options": {"parent": "eth0"}, "subnet": "192.168.50.0/24"}},
    ],
)
def test_good_networks_pass(networks):
    assert filters.network_problems(networks) == []


EXISTING = [
    {"Name": "bridge", "Id": "a" * 64, "Options": {"com.docker.network.bridge.name": "docker0"},
     "IPAM": {"Config": [{"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}]}},
    {"Name": "mlops", "Id": "b" * 64, "Options": {}, "IPAM": {"Config": [{"Subnet": "172.30.0.0/24"}]}},
    {"Name": "none", "Id": "c" * 64, "IPAM": {"Config": []}},
]
ROUTES = [
    {"dst": "default", "dev": "eth0"},
    {"dst": "172.17.0.0/16", "dev": "docker0"},
    {"dst": "172.30.0.0/24", "dev": "br-" + "b" * 12},
    {"dst": "10.8.0.0/16", "dev": "tun0"},
    {"dst": "192.168.1.7", "dev": "eth0"},
]


@pytest.mark.parametrize(
    ("subnet", "expected"),
    [
        ("172.17.3.0/24", "overlaps the Docker network 'bridge' (172.17.0.0/16)"),
        ("10.8.128.0/24", "overlaps the host route to 10.8.0.0/16 (dev tun0)"),
        ("192.168.1.0/24", "overlaps the host route to 192.168.1.7/32"),
        ("10.0.0.0/8", "overlaps the host route to 10.8.0.0/16"),
    ],
)
def test_overlaps_with_the_host_are_refused(subnet, expected):
    problems = filters.network_conflicts({"dev": {"subnet": subnet}}, EXISTING, ROUTES)
    assert any(expected in problem for problem in problems), problems


def test_a_network_does_not_conflict_with_itself():
    """Changing mlops's own subnet recreates it: its old self and its bridge's route are no conflict."""
    assert filters.network_conflicts({"mlops": {"subnet": "172.30.0.0/23"}}, EXISTING, ROUTES) == []
    assert filters.network_conflicts({"mlops": {"subnet": "172.30.9.0/24"}}, EXISTING, ROUTES) == []
    assert filters.network_conflicts({"mlops": {"subnet": "172.30.9.0/24", "state": "absent"},
                                      "x": {"subnet": "172.17.0.0/24", "state": "absent"}}, EXISTING, ROUTES) == []


def test_proc_routes_are_read_as_ip_gives_them():
    ipv4 = (
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
        "docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n"
        "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
    )
    ipv6 = (
        "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
        "fe800000000000000000000000000000 40 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "fe800000000000000000000000000001 00000400 00000001 00000000 00000003     eth0\n"
    )
    assert filters.proc_routes(ipv4, ipv6) == [
        {"dst": "172.17.0.0/16", "dev": "docker0"},
        {"dst": "192.0.2.0/24", "dev": "eth0"},
        {"dst": "fd00::/64", "dev": "eth0"},
    ]


@pytest.mark.parametrize(
    ("ports", "expected"),
    [
        ([{"container": 0}], "container must be a port number from 1 to 65535, got '0'"),
        ([{"container": 8888, "host": 70000}], "host must be a port number from 1 to 65535, got '70000'"),
        ([{"container": "http"}], "container must be a port number"),
        ([{"container": True}], "container must be a port number"),
        ([{"container": 8888}, {"container": 8889, "host": 8888}], "already published by dev_container_ports[0]"),
        ([{"container": 8888, "address": "0.0.0.0"}, {"container": 1, "host": 8888}], "already published"),
        ([{"container": 8888, "protocol": "sctp"}], "protocol must be tcp or udp"),
        ([{"container": 8888, "address": "localhost"}], "is not an IP address"),
        ([{"container": 8888, "hostport": 1}], "unknown keys: hostport"),
        ([8888], "must be a mapping"),
        ({"container": 8888}, "must be a list"),
    ],
)
def test_bad_ports_are_named(ports, expected):
    problems = filters.port_problems(ports)
    assert any(expected in problem for problem in problems), problems


def test_good_ports_pass():
    ports = [
        {"container": 8888},
        {"container": 8888, "host": 8888, "address": "192.168.1.7"},  # another address: no clash
        {"container": 6006, "host": "16006", "protocol": "tcp"},
        {"container": 6006, "host": 16006, "protocol": "udp"},
        {"container": 9000, "address": "::1"},
    ]
    assert filters.port_problems(ports) == []


def test_port_forms():
    port = {"container": 8888, "host": 18888, "address": "::1", "protocol": "tcp"}
    assert filters.published_port(port) == "[::1]:18888:8888/tcp"
    assert filters.compose_port({**port, "address": "127.0.0.1"}) == {
        "target": 8888, "published": "18888", "host_ip": "127.0.0.1", "protocol": "tcp"}


def test_the_summary_names_each_port_by_the_url_a_person_opens():
    assert filters.port_url({"name": "jupyter", "container": 8888, "host": 8888, "address": "127.0.0.1"}) == (
        "jupyter: http://127.0.0.1:8888/")
    # Published on every address: the workstation's own loopback is where its user opens it.
    assert filters.port_url({"container": 6006, "host": 16006, "address": "0.0.0.0"}) == "http://127.0.0.1:16006/"
    assert filters.port_url({"name": "x", "container": 1, "host": 9000, "address": "::1"}) == "x: http://[::1]:9000/"


def test_devcontainer_schema_refuses_what_vs_code_would():
    schema = json.loads((ROOT / "roles" / "dev_container" / "files" / "devcontainer.schema.json").read_text())
    good = {"name": "mlops-dev", "dockerComposeFile": ["../compose.yaml"], "service": "dev",
            "workspaceFolder": "/home/kim/workspace", "shutdownAction": "none",
            "customizations": {"vscode": {"extensions": ["ms-python.python"], "settings": {}}}}
    assert filters.schema_errors(good, schema) == []
    assert filters.schema_errors({**good, "workspaceFolder": "workspace"}, schema)
    assert filters.schema_errors({**good, "shutdownAction": "stop"}, schema)
    assert filters.schema_errors({**good, "servce": "dev"}, schema)
    assert filters.schema_errors({k: v for k, v in good.items() if k != "service"}, schema)
    bad_extension = {**good, "customizations": {"vscode": {"extensions": ["not an extension"]}}}
    assert filters.schema_errors(bad_extension, schema)
    # Where the Docker API runs the container: an image configuration, never both kinds at once.
    by_image = {k: v for k, v in good.items() if k not in ("dockerComposeFile", "service")}
    assert filters.schema_errors({**by_image, "image": "mlops-dev:3.9", "updateRemoteUserUID": False}, schema) == []
    assert filters.schema_errors({**good, "image": "mlops-dev:3.9"}, schema)
    assert filters.schema_errors(by_image, schema)


def test_address_in():
    assert filters.address_in("172.30.0.10", "172.30.0.0/24")
    assert not filters.address_in("172.31.0.10", "172.30.0.0/24")
    assert not filters.address_in("172.30.0.10", "")
    assert filters.not_addresses(["1.1.1.1", "dns.example.com", "::1"]) == ["dns.example.com"]


LAYERS = ("dev_container_default_networks", "dev_container_group_networks", "dev_container_host_networks")


def layered(group: object, host: object) -> list[str]:
    default = {"mlops": {"driver": "bridge", "subnet": ""}}
    return filters.layered_network_problems([list(pair) for pair in zip(LAYERS, (default, group, host), strict=True)])


def test_partial_layers_are_checked_once_merged():
    """A host layer may give only a gateway when the group layer gives the subnet."""
    assert layered({"mlops": {"subnet": "172.30.0.0/24"}}, {"mlops": {"gateway": "172.30.0.1"}}) == []


@pytest.mark.parametrize(
    ("group", "host", "expected"),
    [
        ({"mlops": {"subnet": "172.30.0.0/24"}}, {"mlops": {"gateway": "172.31.0.1"}},
         "dev_container_host_networks['mlops'].gateway 172.31.0.1 is not a host address of "
         "dev_container_group_networks['mlops'].subnet"),
        ({"a": {"subnet": "10.250.0.0/16"}}, {"b": {"subnet": "10.250.5.0/24"}},
         "dev_container_host_networks['b'].subnet 10.250.5.0/24 overlaps dev_container_group_networks['a']"),
        ({"mlops": {"driver": "overlay"}}, {}, "dev_container_group_networks['mlops'].driver 'overlay'"),
        (["mlops"], {}, "dev_container_group_networks must be a mapping"),
    ],
)
def test_layered_problems_name_the_layer_at_fault(group, host, expected):
    problems = layered(group, host)
    assert any(expected in problem for problem in problems), problems


# /proc/net/tcp and tcp6 as the kernel prints them: sshd on 0.0.0.0:22, something on
# 127.0.0.1:8888, a connected (not listening) socket to port 8080, and [::]:6006.
PROC_TCP = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0100007F:22B8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2 1 0 100 0 0 10 0
   2: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 3 1 0 100 0 0 10 0
"""
PROC_TCP6 = """  sl  local_address                         remote_address                        st tx_queue rx_queue
   0: 00000000000000000000000000000000:1776 00000000000000000000000000000000:0000 0A 00000000:00000000
"""


def test_proc_listeners_reads_listening_sockets_only():
    listeners = filters.proc_listeners({"tcp": PROC_TCP, "tcp6": PROC_TCP6, "udp": ""})
    assert listeners == [
        {"address": "0.0.0.0", "port": 22, "protocol": "tcp"},
        {"address": "127.0.0.1", "port": 8888, "protocol": "tcp"},
        {"address": "::", "port": 6006, "protocol": "tcp"},
    ]


SHA1_OF_X = hashlib.sha1(b"x\n").hexdigest()


def port(host, address="127.0.0.1", protocol="tcp"):
    return {"container": host, "host": host, "address": address, "protocol": protocol}


@pytest.mark.parametrize(
    ("published", "clash"),
    [
        (port(8888), "127.0.0.1:8888/tcp"),  # the same address
        (port(22), "0.0.0.0:22/tcp"),  # a listener on every address
        (port(6006), ":::6006/tcp"),  # IPv6's wildcard takes IPv4 too
        (port(8888, "0.0.0.0"), "127.0.0.1:8888/tcp"),  # publishing on every address
        (port(8080), None),  # only a connection's far end
        (port(8888, "192.0.2.7"), None),  # another address
        (port(8888, protocol="udp"), None),  # another protocol
    ],
)
def test_port_conflicts(published, clash):
    listeners = filters.proc_listeners({"tcp": PROC_TCP, "tcp6": PROC_TCP6})
    problems = filters.port_conflicts([published], listeners)
    if clash is None:
        assert problems == []
    else:
        assert len(problems) == 1
        assert problems[0].startswith("dev_container_ports[0] publishes")
        assert f"already listens on {clash}" in problems[0]


def test_the_containers_own_ports_are_no_conflict():
    listeners = filters.proc_listeners({"tcp": PROC_TCP})
    own = [
        {"IP": "127.0.0.1", "PrivatePort": 8888, "PublicPort": 8888, "Type": "tcp"},
        {"PrivatePort": 22, "Type": "tcp"},  # exposed, not published
    ]
    assert filters.port_conflicts([port(8888)], listeners, own) == []
    assert filters.port_conflicts([port(8888)], listeners, None) != []


SPEC = {
    "name": "dev",
    "image": "mlops-python:3.9",
    "hostname": "dev",
    "user": "",
    "init": True,
    "command": ["sleep", "infinity"],
    "restart_policy": "unless-stopped",
    "working_dir": "/srv/work",
    "shm_size": "2g",
    "labels": {"a": "b"},
    "env": {},
    "mounts": [{"source": "/srv/work", "target": "/srv/work", "read_only": False}],
    "ports": [],
    "dns": [],
    "dns_search": [],
    "extra_hosts": {},
    "ulimits": [],
    "gpus": False,
    "network": "mlops",
    "ipv4_address": "",
    "network_aliases": [],
}


def test_the_compose_service_of_a_plain_spec_has_only_what_is_set():
    service = filters.compose_service(SPEC)
    assert list(service) == [
        "image", "container_name", "hostname", "init", "command", "restart", "working_dir", "shm_size", "labels",
        "networks", "volumes",
    ]  # fmt: skip
    assert service["networks"] == {"mlops": {}}
    assert service["volumes"] == [
        {"type": "bind", "source": "/srv/work", "target": "/srv/work", "read_only": False,
         "bind": {"create_host_path": False}},
    ]  # fmt: skip


def test_the_compose_service_carries_every_optional_setting():
    spec = {
        **SPEC,
        "user": "alice",
        "env": {"NO_PROXY": "localhost"},
        "ports": [{"container": 8888, "host": 18888, "address": "127.0.0.1", "protocol": "tcp"}],
        "dns": ["192.0.2.53"],
        "dns_search": ["example.org"],
        "extra_hosts": {"b.example": "192.0.2.2", "a.example": "192.0.2.1"},
        "ulimits": [{"name": "nofile", "soft": 1024, "hard": 4096}],
        "gpus": True,
        "ipv4_address": "172.30.0.10",
        "network_aliases": ["workbench"],
    }
    service = filters.compose_service(spec)
    assert service["user"] == "alice"
    assert service["environment"] == {"NO_PROXY": "localhost"}
    assert service["ports"] == [{"target": 8888, "published": "18888", "host_ip": "127.0.0.1", "protocol": "tcp"}]
    assert service["extra_hosts"] == ["a.example:192.0.2.1", "b.example:192.0.2.2"]
    assert service["ulimits"] == {"nofile": {"soft": 1024, "hard": 4096}}
    assert service["networks"] == {"mlops": {"aliases": ["workbench"], "ipv4_address": "172.30.0.10"}}
    assert service["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"] == ["gpu"]
    assert filters.api_ulimits(spec["ulimits"]) == ["nofile:1024:4096"]
