"""Verify the development container as its user would: it is on the configured network, other
containers find it by name, its traffic reaches a server outside the workstation, its published
ports answer on the host's loopback and nowhere else, the workspace and DVC cache are the host's
own directories, git's files and the SSH agent arrive as prepared, and the compose file and
devcontainer.json describe the same container. side_effect.yml's record shows what a port change
and a subnet change did."""

from __future__ import annotations

import ipaddress
import json
import shlex

import pytest

NAME = "mlops-dev"
WORKSPACE = "/home/kim/workspace"
COMPOSE_DIR = f"/etc/dev-container/{NAME}"  # dev_container_compose_project defaults to the name
CACHE = "/srv/dvc-cache"
IMAGE = "molecule-dev:latest"  # the stand-in image prepare.yml built
SUBNETS = {"12": "172.30.12.0/24", "13": "172.30.13.0/24"}


def release(host) -> str:
    return host.backend.get_hostname().rsplit("-", 1)[1]


def inspect(host, what: str = NAME) -> dict:
    return json.loads(host.check_output(f"docker inspect {what}"))[0]


def in_container(host, command: str, user: str = ""):
    return host.run(f"docker exec {user and '--user ' + user} {NAME} sh -c {shlex.quote(command)}")


@pytest.fixture(scope="module")
def web(host):
    """A web server inside the development container on 8888 (Jupyter's port), serving a marker."""
    in_container(host, f"mkdir -p {WORKSPACE}/www && echo from-dev-container > {WORKSPACE}/www/index.html")
    host.run(f"docker exec -d {NAME} python3 -m http.server 8888 --directory {WORKSPACE}/www")
    for dummy in range(50):
        if fetch(host, "http://127.0.0.1:8888/").rc == 0:
            break
        host.run("sleep 0.2")
    yield
    in_container(host, "pkill -f http.server || kill $(pgrep -f http.server) || true")


GET = "import sys, urllib.request as u; print(u.urlopen(sys.argv[1], timeout=3).read().decode())"


def fetch(host, url: str):
    """GET a URL from the test host."""
    return host.run(f"python3 -c {shlex.quote(GET)} {shlex.quote(url)}")


def test_container_runs_on_the_network_with_an_address_in_its_subnet(host):
    info = inspect(host)
    assert info["State"]["Running"]
    network = info["NetworkSettings"]["Networks"]["mlops"]
    assert ipaddress.ip_address(network["IPAddress"]) in ipaddress.ip_network(SUBNETS[release(host)])
    if release(host) == "12":
        assert network["IPAddress"] == "172.30.12.10"
        options = json.loads(host.check_output("docker network inspect mlops"))[0]["Options"]
        assert options["com.docker.network.driver.mtu"] == "1400"
    assert info["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    assert info["HostConfig"]["Init"] is True


def test_another_container_resolves_and_reaches_it_by_name(host, web):
    for name in (NAME, "notebook"):
        run = host.run(f"docker run --rm --network mlops {IMAGE} python3 -c {shlex.quote(GET)} http://{name}:8888/")
        assert run.rc == 0, run.stderr
        assert run.stdout.strip() == "from-dev-container"


def test_a_container_off_the_network_cannot_reach_it(host, web):
    address = inspect(host)["NetworkSettings"]["Networks"]["mlops"]["IPAddress"]
    run = host.run(f"docker run --rm {IMAGE} python3 -c {shlex.quote(GET)} http://{address}:8888/")
    assert run.rc != 0


def test_outbound_traffic_reaches_a_server_outside_the_workstation(host):
    address = host.check_output("getent hosts dev-http | cut -d' ' -f1")
    run = in_container(host, f"python3 -c {shlex.quote(GET)} http://{address}/")
    assert run.rc == 0, run.stderr
    assert run.stdout.strip() == "outbound-ok"


def test_published_port_answers_on_loopback_only(host, web):
    assert fetch(host, "http://127.0.0.1:8888/").stdout.strip() == "from-dev-container"
    bindings = inspect(host)["HostConfig"]["PortBindings"]
    assert bindings["8888/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": "8888"}]
    assert bindings["6006/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": "6006"}]
    # The host's address on its own network: the port is not there.
    other = host.check_output("hostname -I").split()[0]
    assert not ipaddress.ip_address(other).is_loopback
    assert fetch(host, f"http://{other}:8888/").rc != 0


def test_files_written_in_the_workspace_belong_to_the_host_user(host):
    assert in_container(host, f"echo data > {WORKSPACE}/written-inside").rc == 0
    written = host.file(f"{WORKSPACE}/written-inside")
    assert written.user == "kim"
    assert written.group == "kim"
    assert inspect(host)["Config"]["WorkingDir"] == WORKSPACE


def test_the_dvc_cache_is_the_same_directory_inside_and_out(host):
    host.run(f"runuser -u kim -- sh -c 'echo cached > {CACHE}/from-host'")
    assert in_container(host, f"cat {CACHE}/from-host").stdout.strip() == "cached"
    assert in_container(host, f"echo back > {CACHE}/from-container").rc == 0
    assert host.file(f"{CACHE}/from-container").content_string.strip() == "back"
    # Same path, same inode: DVC's links resolve alike on both sides.
    inode = host.check_output(f"stat -c %i {CACHE}/from-host")
    assert in_container(host, f"stat -c %i {CACHE}/from-host").stdout.strip() == inode


def test_git_files_are_mounted_read_only(host):
    assert "email = kim@molecule.test" in in_container(host, "cat /home/kim/.gitconfig").stdout
    assert in_container(host, "echo x >> /home/kim/.gitconfig").rc != 0


def test_ssh_agent_is_forwarded_when_asked(host):
    keys = in_container(host, "ssh-add -l")
    if release(host) == "13":
        assert keys.rc == 0, keys.stderr
        assert "kim@molecule" in keys.stdout
        assert in_container(host, 'echo "$SSH_AUTH_SOCK"').stdout.strip() == "/run/host-ssh-agent.sock"
        # Only the agent: no private key file inside.
        assert in_container(host, "ls /home/kim/.ssh/id_ed25519").rc != 0
    else:
        assert keys.rc != 0


def test_runtime_settings(host):
    # The container's own process (runc set its limits); on Debian 12's Docker 20.10 a process
    # `docker exec` starts now and then got the hard limit as its soft one (twice in 6 runs).
    limits = in_container(host, "grep '^Max open files' /proc/1/limits").stdout.split()
    assert limits[3:5] == ["4096", "8192"], limits
    assert "search molecule.test" in in_container(host, "cat /etc/resolv.conf").stdout
    assert in_container(host, 'echo "$MLOPS_STAGE"').stdout.strip() == "molecule"
    shm = int(in_container(host, "df -k /dev/shm | tail -1").stdout.split()[1])
    assert shm == 256 * 1024


def devcontainer_json(host) -> dict:
    """devcontainer.json as VS Code reads it (JSON with comments): the role's marker line first."""
    marker, dummy, document = host.file(f"{WORKSPACE}/.devcontainer/devcontainer.json").content_string.partition("\n")
    assert marker.startswith("// Written by the dev_container role (Ansible)")
    return json.loads(document)


def test_compose_file_describes_the_same_container_outside_the_workspace(host):
    compose = host.file(f"{COMPOSE_DIR}/compose.yaml")
    assert compose.user == "kim"
    assert compose.mode == 0o600  # it may hold a proxy's password
    assert not host.file(f"{WORKSPACE}/compose.yaml").exists
    if release(host) != "13":
        pytest.skip("Compose v2 is Debian 13's (Debian 12 ships only docker-compose 1.29)")
    assert inspect(host)["Config"]["Labels"]["com.docker.compose.service"] == "dev"
    before = inspect(host)["Id"]
    run = host.run(f"runuser -u kim -- sh -c 'cd {COMPOSE_DIR} && docker compose up -d 2>&1'")
    assert run.rc == 0, run.stdout
    assert inspect(host)["Id"] == before


def test_a_proxy_file_left_by_a_run_with_a_password_is_removed(host):
    # side_effect.yml leaves one; the role, with no proxy password, removes it.
    assert not host.file(f"{COMPOSE_DIR}/proxy.sh").exists


def test_the_role_keeps_its_files_out_of_the_projects_git_status(host):
    if release(host) != "13":
        pytest.skip("the workspace is a git repository on Debian 13 (prepare.yml)")
    status = host.run(f"runuser -u kim -- git -C {WORKSPACE} status --porcelain --untracked-files=all")
    assert status.rc == 0, status.stderr
    # What the tests and prepare.yml put in the workspace is there; the role's files are not.
    assert "www/index.html" in status.stdout
    assert [line for line in status.stdout.splitlines() if ".devcontainer" in line or "compose.yaml" in line] == []


def test_a_devcontainer_json_the_role_did_not_write_is_kept(host):
    if release(host) != "12":
        pytest.skip("kim's own devcontainer.json is Debian 12's (prepare.yml)")
    copies = host.run(f"ls {WORKSPACE}/.devcontainer/").stdout.split()
    kept = [name for name in copies if name.startswith("devcontainer.json.orig-")]
    assert len(kept) == 1, copies
    assert "kim-own" in host.file(f"{WORKSPACE}/.devcontainer/{kept[0]}").content_string
    assert devcontainer_json(host)["name"] == NAME


def test_the_roles_own_devcontainer_json_is_rewritten_without_a_copy(host):
    """side_effect.yml left it as an earlier version wrote it (its marker first): the next run rewrote it."""
    text = host.file(f"{WORKSPACE}/.devcontainer/devcontainer.json").content_string
    assert "an earlier version of the role" not in text
    copies = host.run(f"ls {WORKSPACE}/.devcontainer/").stdout.split()
    kept = [name for name in copies if name.startswith("devcontainer.json.orig-")]
    assert len(kept) == (1 if release(host) == "12" else 0), copies  # Debian 12's is kim's own, from prepare.yml


def test_devcontainer_json_points_at_the_service(host):
    document = devcontainer_json(host)
    if host.run("docker compose version").rc == 0:
        assert document["dockerComposeFile"] == [f"{COMPOSE_DIR}/compose.yaml"]
        assert document["service"] == "dev"
    else:
        # The Docker API runs it (Compose v1 reads no project name): the clients find it by its labels.
        assert document["image"] == "molecule-dev:latest"
        assert "dockerComposeFile" not in document
    assert document["workspaceFolder"] == WORKSPACE
    assert document["remoteUser"] == "kim"
    labels = inspect(host)["Config"]["Labels"]
    metadata = json.loads(labels["devcontainer.metadata"])
    # The label holds image metadata only; the CLI and VS Code find the container by these two.
    assert "workspaceFolder" not in metadata[0]
    assert labels["devcontainer.local_folder"] == WORKSPACE
    assert labels["devcontainer.config_file"] == f"{WORKSPACE}/.devcontainer/devcontainer.json"
    assert document["updateRemoteUserUID"] is False
    assert "ms-python.python" in metadata[0]["customizations"]["vscode"]["extensions"]


@pytest.fixture(scope="module")
def changes(host) -> dict:
    return json.loads(host.file("/opt/molecule/side_effect.json").content_string)


def test_a_port_change_recreates_the_container_but_not_the_network(changes):
    assert changes["port"]["container"] != changes["before"]["container"]
    assert changes["port"]["network"] == changes["before"]["network"]


def test_a_subnet_change_recreates_the_network_and_rejoins_the_container(host, changes):
    assert changes["subnet"]["network"] != changes["port"]["network"]
    new = {"12": "172.30.22.0/24", "13": "172.30.23.0/24"}[release(host)]
    assert ipaddress.ip_address(changes["subnet"]["address"]) in ipaddress.ip_network(new)
    assert ipaddress.ip_address(changes["revert"]["address"]) in ipaddress.ip_network(SUBNETS[release(host)])


def test_the_other_network_is_internal(host):
    if release(host) != "13":
        pytest.skip("the second network is Debian 13's")
    info = json.loads(host.check_output("docker network inspect mlops-batch"))[0]
    assert info["Internal"] is True
    assert info["IPAM"]["Config"][0]["Subnet"] == "172.30.14.0/24"


def test_a_replaced_single_file_mount_is_current_after_the_next_run(host):
    seen = json.loads(host.file("/opt/molecule/gitconfig_seen.json").content_string)
    assert "seen = renamed" not in seen["before"]  # the replaced file: the container kept the old one
    assert "seen = renamed" in seen["after"]
