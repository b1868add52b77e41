"""Verify the workstation role by its effects: TLS to a server signed by the extra CA verifies,
one signed by an unknown CA does not; the proxy reaches apt and login shells; the user exists
with the requested ids."""

from __future__ import annotations

import contextlib

import pytest

CLIENT = (
    "python3 -c \"import urllib.request; print(urllib.request.urlopen('https://localhost:{port}/', timeout=5).status)\""
)
SERVER = (
    "import http.server, ssl; "
    "s = http.server.HTTPServer(('127.0.0.1', {port}), http.server.SimpleHTTPRequestHandler); "
    "c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); "
    "c.load_cert_chain('/opt/molecule/tls/{ca}-server.pem', '/opt/molecule/tls/{ca}-server.key'); "
    "s.socket = c.wrap_socket(s.socket, server_side=True); s.serve_forever()"
)


@contextlib.contextmanager
def tls_server(host, ca: str, port: int):
    unit = f"molecule-tls-{port}"
    host.run(f"systemctl stop {unit}")
    started = host.run(
        f'systemd-run --unit={unit} --collect --working-directory=/tmp python3 -c "{SERVER.format(ca=ca, port=port)}"'
    )
    assert started.rc == 0, started.stderr
    assert host.run(f"timeout 10 sh -c 'until ss -ltn | grep -q :{port}; do sleep 0.2; done'").rc == 0
    try:
        yield
    finally:
        host.run(f"systemctl stop {unit}")


def test_tls_to_a_server_signed_by_the_extra_ca_verifies(host):
    with tls_server(host, "trusted-ca", 8443):
        result = host.run(CLIENT.format(port=8443))
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "200"


def test_tls_to_a_server_signed_by_an_unknown_ca_is_refused(host):
    with tls_server(host, "untrusted-ca", 8444):
        result = host.run(CLIENT.format(port=8444))
    assert result.rc != 0
    assert "CERTIFICATE_VERIFY_FAILED" in result.stderr


@pytest.mark.parametrize("name", ["molecule-root-src", "molecule-root-content"])
def test_extra_cas_are_in_the_bundle(host, name):
    cert = host.file(f"/usr/local/share/ca-certificates/{name}.crt")
    assert cert.mode == 0o644
    assert host.file(f"/etc/ssl/certs/{name}.pem").is_symlink


def test_ca_marked_absent_is_no_longer_trusted(host):
    assert not host.file("/usr/local/share/ca-certificates/molecule-stale.crt").exists
    assert not host.file("/etc/ssl/certs/molecule-stale.pem").exists


def test_apt_uses_the_proxy_from_a_private_file(host):
    conf = host.file("/etc/apt/apt.conf.d/80workstation-proxy")
    assert conf.mode == 0o600
    dump = host.check_output("apt-config dump")
    assert 'Acquire::http::Proxy "http://127.0.0.1:3128";' in dump
    assert 'Acquire::http::Proxy::deb.debian.org "DIRECT";' in dump


def test_apt_reaches_hosts_in_no_proxy_directly(host):
    result = host.run("apt-get update -o Acquire::Retries=0")
    assert result.rc == 0, result.stderr


def test_apt_goes_through_the_proxy_without_the_no_proxy_rule(host):
    # The role's apt settings less the DIRECT lines, in a configuration of their own: apt must
    # then try the (absent) proxy on loopback.
    host.run(
        "mkdir -p /tmp/molecule-apt-parts"
        " && grep -v DIRECT /etc/apt/apt.conf.d/80workstation-proxy > /tmp/molecule-apt-parts/80proxy"
        " && echo 'Dir::Etc::Parts \"/tmp/molecule-apt-parts\";' > /tmp/molecule-apt.conf"
    )
    result = host.run("APT_CONFIG=/tmp/molecule-apt.conf apt-get update -o Acquire::Retries=0")
    assert "Could not connect to 127.0.0.1:3128" in result.stdout + result.stderr


def test_login_shells_get_the_proxy(host):
    env = host.check_output("su - ada -c env")
    assert "https_proxy=http://127.0.0.1:3128" in env
    assert "no_proxy=localhost,127.0.0.1,.molecule.test,deb.debian.org" in env


def test_workstation_user_has_the_requested_ids(host):
    user = host.user("ada")
    assert user.exists
    assert user.uid == 1500
    assert user.gid == 1500
    assert user.group == "ada"
    assert "users" in user.groups
    assert user.shell == "/bin/bash"
    assert host.file(user.home).user == "ada"
