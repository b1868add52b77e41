"""Verify the docker role as a user would see it: the engine answers, runs containers, applies
the merged daemon.json, and lets exactly the configured users in. The hosts had their user's
Docker first (molecule/shared/lived_in_docker.yml): its packages, daemon.json and data stay."""

from __future__ import annotations

import json

import pytest

SMOKE_IMAGE = "mlops-smoke:busybox"
SMOKE_TARBALL = "/opt/molecule/mlops-smoke.tar"


def release(host) -> str:
    return host.system_info.release.split(".")[0]


def expected_max_size(host) -> str:
    # Set per host in molecule.yml (host layer); the group layer sets max-file.
    return {"12": "20m", "13": "30m"}[release(host)]


@pytest.fixture(scope="module")
def docker_info(host) -> dict:
    result = host.run("docker info --format '{{json .}}'")
    if result.rc != 0:
        print(host.run("journalctl -u docker --no-pager -n 50").stdout)
    assert result.rc == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def smoke_image(host) -> str:
    load = host.run(f"docker load -i {SMOKE_TARBALL}")
    assert load.rc == 0, load.stderr
    return SMOKE_IMAGE


def test_service_is_enabled_and_running(host):
    service = host.service("docker")
    if not service.is_running:
        print(host.run("journalctl -u docker --no-pager -n 50").stdout)
    assert service.is_running
    assert service.is_enabled


def test_a_container_runs_and_its_output_is_seen(host, smoke_image):
    result = host.run(f"docker run --rm --name molecule-smoke {smoke_image} sh -c 'echo hello from $(hostname -s)'")
    assert result.rc == 0, result.stderr
    assert result.stdout.startswith("hello from ")


def test_daemon_json_holds_the_merged_layers(host):
    daemon_json = host.file("/etc/docker/daemon.json")
    assert daemon_json.user == "root"
    assert daemon_json.mode == 0o644
    config = json.loads(daemon_json.content_string)
    assert config["live-restore"] is True  # default layer
    assert config["log-driver"] == "json-file"  # default layer
    assert config["log-opts"] == {"max-size": expected_max_size(host), "max-file": "5"}  # host + group + default
    assert config["registry-mirrors"] == ["https://mirror.molecule.test"]  # group layer
    assert config["default-address-pools"] == [{"base": "172.31.0.0/16", "size": 24}]  # feature variable
    assert "no-such-option" not in config  # the refused side-effect converge left nothing behind
    # The user's own daemon.json, beneath the layers.
    assert config["data-root"] == "/srv/docker"
    assert config["insecure-registries"] == ["registry.lan:5000"]
    assert config["runtimes"]["nvidia"]["path"] == "/usr/bin/nvidia-container-runtime"


def test_the_users_daemon_json_is_kept_as_it_was(host):
    copies = host.run("ls /etc/docker/daemon.json.orig-*").stdout.split()
    assert len(copies) == 1
    original = host.file(copies[0])
    assert original.mode == 0o600
    assert json.loads(original.content_string) == {
        "data-root": "/srv/docker",
        "insecure-registries": ["registry.lan:5000"],
        "runtimes": {"nvidia": {"path": "/usr/bin/nvidia-container-runtime", "runtimeArgs": []}},
    }


def test_the_users_engine_and_data_are_kept(host, docker_info):
    codename = {"12": "bookworm", "13": "trixie"}[release(host)]
    version = f"5:27.3.1-1~debian.{release(host)}~{codename}"
    assert host.package("docker-ce").version == version
    assert host.package("containerd.io").is_installed
    assert docker_info["DockerRootDir"] == "/srv/docker"
    assert "theirs:latest" in host.check_output("docker images --format '{{.Repository}}:{{.Tag}}'").split()


def test_daemon_settings_are_in_effect(docker_info):
    assert docker_info["LiveRestoreEnabled"] is True
    assert docker_info["LoggingDriver"] == "json-file"
    assert docker_info["RegistryConfig"]["Mirrors"] == ["https://mirror.molecule.test/"]
    assert docker_info["HttpProxy"] == "http://127.0.0.1:3128"
    assert docker_info["Debug"] is True  # docker_dockerd_extra_args through the drop-in


def test_log_rotation_applies_to_new_containers(host, smoke_image):
    run = host.run(f"docker run -d --name molecule-logs {smoke_image} sleep 30")
    assert run.rc == 0, run.stderr
    try:
        log_config = json.loads(host.check_output("docker inspect -f '{{json .HostConfig.LogConfig}}' molecule-logs"))
    finally:
        host.run("docker rm -f molecule-logs")
    assert log_config["Type"] == "json-file"
    assert log_config["Config"] == {"max-size": expected_max_size(host), "max-file": "5"}


def test_networks_draw_from_the_address_pool(host):
    host.run("docker network rm molecule-pool")
    assert host.run("docker network create molecule-pool").rc == 0
    try:
        subnet = host.check_output("docker network inspect -f '{{(index .IPAM.Config 0).Subnet}}' molecule-pool")
    finally:
        host.run("docker network rm molecule-pool")
    assert subnet.startswith("172.31.")
    assert subnet.endswith("/24")


def test_proxy_lives_in_a_private_environment_file(host):
    env_file = host.file("/etc/docker/dockerd.env")
    assert env_file.mode == 0o600
    assert env_file.user == "root"
    assert "HTTP_PROXY=http://127.0.0.1:3128" in env_file.content_string
    dropin = host.file("/etc/systemd/system/docker.service.d/10-ansible.conf").content_string
    assert "EnvironmentFile=/etc/docker/dockerd.env" in dropin
    assert "--debug" in dropin


def test_packaged_unit_is_not_edited(host):
    # dpkg --verify lists every packaged file whose checksum changed.
    modified = host.run("dpkg --verify docker.io").stdout
    assert "docker.service" not in modified


def test_no_configuration_backups_are_left(host):
    leftovers = host.run("ls /etc/docker /etc/systemd/system/docker.service.d").stdout
    assert "~" not in leftovers


def test_a_registry_ca_marked_absent_is_no_longer_trusted(host):
    """Converge wrote both registries' CAs; side_effect.yml's last run marked old.registry.test's absent."""
    kept = host.file("/etc/docker/certs.d/registry.lan:5000/ca.crt")
    assert kept.content_string == "-----BEGIN CERTIFICATE-----\nMIIBmolecule\n-----END CERTIFICATE-----\n"
    assert kept.mode == 0o644
    assert not host.file("/etc/docker/certs.d/old.registry.test/ca.crt").exists


def test_docker_user_runs_docker_without_sudo(host):
    assert "docker" in host.user("ada").groups
    result = host.run("su -s /bin/sh ada -c 'docker ps --format {{.ID}}'")
    assert result.rc == 0, result.stderr


def test_user_with_a_prefix_of_the_name_gets_no_access(host):
    assert "docker" not in host.user("adam").groups
    result = host.run("su -s /bin/sh adam -c 'docker ps'")
    assert result.rc != 0
    assert "permission denied" in result.stderr.lower()
