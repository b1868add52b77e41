"""The files the docker role renders, checked without a Docker host: Docker's deb822 source
and apt pin (the `upstream` path cannot install here), the systemd drop-in, and daemon.json
merged from its layers. All variants render in one ansible-playbook run."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import render_variants

FACTS = {"ansible_distribution_release": "bookworm", "ansible_architecture": "x86_64"}

# name: settings over the role defaults
VARIANTS: dict[str, dict] = {
    "defaults": {},
    "trixie_arm": {"ansible_distribution_release": "trixie", "ansible_architecture": "aarch64"},
    "pin_short": {"docker_upstream_version": "27.3.1"},
    "pin_full": {"docker_upstream_version": "5:27.3.1-1~debian.12~bookworm"},
    "upstream_flags": {"docker_install_source": "upstream", "docker_dockerd_extra_args": ["--debug"]},
    "distro_proxy": {
        "docker_dockerd_extra_args": ["--debug"],
        "docker_http_proxy": "http://proxy:3128",
        "docker_no_proxy": ["localhost", ".corp"],
    },
    "layers": {
        "docker_group_daemon_options": {"log-opts": {"max-file": "5"}, "features": {"buildkit": True}},
        "docker_host_daemon_options": {"log-opts": {"max-size": "50m"}, "live-restore": False},
        "docker_registry_mirrors": ["https://mirror.example"],
        "docker_default_address_pools": [{"base": "172.30.0.0/16", "size": 24}],
    },
    "nvidia": {"docker_nvidia_runtime_enabled": True, "docker_nvidia_runtime_default": True},
    # The host's own daemon.json, as tasks/configure.yml adopts it.
    "adopted": {
        "_docker_daemon_base": {
            "data-root": "/srv/docker",
            "runtimes": {"nvidia": {"path": "/usr/bin/nvidia-container-runtime"}},
            "insecure-registries": ["registry.lan:5000"],
            "log-opts": {"max-size": "100m", "compress": "true"},
        },
    },
    "adopted_moved": {"_docker_daemon_base": {"data-root": "/srv/docker"}, "docker_data_root": "/data/docker"},
}


def key_files(base: Path) -> dict[str, dict]:
    """gpg's colon listing of a key file with one key, and of one with that key and another (a
    subkey each), as the upstream install reads them; and the first key's fingerprint."""
    if not shutil.which("gpg"):
        return {}
    home = base / "gnupg"
    home.mkdir(mode=0o700)
    gpg = ["gpg", "--batch", "--homedir", str(home), "--pinentry-mode", "loopback", "--passphrase", ""]
    fingerprints = []
    for name in ("pinned", "another"):
        subprocess.run([*gpg, "--quick-gen-key", f"{name} <{name}@example.com>", "ed25519", "sign",
                        "never"], check=True, capture_output=True)  # fmt: skip
        listing = subprocess.run([*gpg, "--with-colons", "--fingerprint", f"{name}@example.com"], check=True,
                                 capture_output=True, text=True).stdout  # fmt: skip
        fingerprints.append(next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")))
        subprocess.run([*gpg, "--quick-add-key", fingerprints[-1], "cv25519", "encr", "never"], check=True,
                       capture_output=True)  # fmt: skip

    def listing(*keys: str) -> list[str]:
        exported = base / "keys.asc"
        export = subprocess.run([*gpg, "--export", "--armor", *keys], check=True, capture_output=True)
        exported.write_bytes(export.stdout)
        return subprocess.run([*gpg, "--show-keys", "--with-colons", "--with-fingerprint", str(exported)], check=True,
                              capture_output=True, text=True).stdout.splitlines()  # fmt: skip

    pinned = {"docker_upstream_gpg_fingerprint": fingerprints[0]}
    return {
        "key_pinned": {**pinned, "_docker_key_info": {"stdout_lines": listing(fingerprints[0])}},
        "key_pinned_and_another": {**pinned, "_docker_key_info": {"stdout_lines": listing(*fingerprints)}},
    }


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("docker-templates")
    return render_variants(
        base,
        "render_docker_templates.yml",
        "docker",
        ["defaults/main.yml", "vars/main.yml", "vars/Debian-12.yml"],
        {**VARIANTS, **key_files(base)},
        FACTS,
    )


def test_only_a_key_file_of_the_pinned_key_alone_passes(rendered):
    """apt trusts every key of the file: a second primary key beside Docker's is not Docker's."""
    if "key_pinned" not in rendered:
        pytest.skip("gpg is not installed")
    pinned = json.loads((rendered["key_pinned"] / "key_fingerprints.json").read_text())
    both = json.loads((rendered["key_pinned_and_another"] / "key_fingerprints.json").read_text())
    assert len(pinned) == 1  # the subkey's fingerprint is not a primary key's
    assert len(both) == 2
    assert pinned[0] == both[0]


def deb822(text: str) -> dict[str, str]:
    fields = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    return fields


def apt_get(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["apt-get", *args], capture_output=True, text=True, check=False)


def test_upstream_source_names_dockers_repository_and_pins_its_key(rendered):
    source = deb822((rendered["defaults"] / "docker.sources").read_text())
    assert source == {
        "Types": "deb",
        "URIs": "https://download.docker.com/linux/debian",
        "Suites": "bookworm",
        "Components": "stable",
        "Architectures": "amd64",
        "Signed-By": "/etc/apt/keyrings/docker.asc",
    }


def test_upstream_source_follows_release_and_architecture(rendered):
    source = deb822((rendered["trixie_arm"] / "docker.sources").read_text())
    assert source["Suites"] == "trixie"
    assert source["Architectures"] == "arm64"


@pytest.mark.skipif(not shutil.which("apt-get"), reason="needs apt")
def test_apt_reads_the_rendered_source(rendered, tmp_path):
    out = rendered["defaults"]
    parts = tmp_path / "sources.list.d"
    parts.mkdir()
    shutil.copy(out / "docker.sources", parts / "docker.sources")
    (tmp_path / "lists").mkdir()
    result = apt_get(
        "-o",
        f"Dir::Etc::SourceParts={parts}",
        "-o",
        "Dir::Etc::SourceList=/dev/null",
        "-o",
        f"Dir::State::Lists={tmp_path / 'lists'}",
        "indextargets",
        "--no-release-info",
    )
    assert result.returncode == 0, result.stderr
    assert "download.docker.com/linux/debian/dists/bookworm/stable/binary-amd64/Packages" in result.stdout


@pytest.mark.parametrize(
    ("variant", "pin"),
    [
        ("pin_short", "Pin: version 5:27.3.1-*"),
        ("pin_full", "Pin: version 5:27.3.1-1~debian.12~bookworm"),
    ],
)
def test_version_pin(rendered, variant, pin):
    preferences = (rendered[variant] / "docker-preferences").read_text()
    assert pin in preferences.splitlines()
    assert "Pin-Priority: 1001" in preferences
    assert "Package: docker-ce docker-ce-cli docker-ce-rootless-extras" in preferences


@pytest.mark.skipif(not shutil.which("apt-cache"), reason="needs apt")
def test_apt_reads_the_rendered_pin(rendered, tmp_path):
    out = rendered["pin_short"]
    result = subprocess.run(
        [
            "apt-cache",
            "-o",
            f"Dir::Etc::Preferences={out / 'docker-preferences'}",
            "-o",
            f"Dir::Etc::PreferencesParts={tmp_path}",
            "policy",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "E:" not in result.stderr
    assert "W:" not in result.stderr


def test_dropin_for_upstream_keeps_containerd_socket(rendered):
    dropin = (rendered["upstream_flags"] / "docker.service.conf").read_text()
    assert "ExecStart=\n" in dropin
    assert "ExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock --debug" in dropin
    assert "EnvironmentFile" not in dropin


def test_dropin_for_distro_keeps_docker_opts_and_reads_the_proxy_file(rendered):
    out = rendered["distro_proxy"]
    dropin = (out / "docker.service.conf").read_text()
    assert "ExecStart=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS --debug" in dropin
    assert "EnvironmentFile=/etc/docker/dockerd.env" in dropin
    env = (out / "dockerd.env").read_text()
    assert "HTTP_PROXY=http://proxy:3128" in env
    assert "NO_PROXY=localhost,.corp" in env
    assert "HTTPS_PROXY" not in env


def test_daemon_json_is_the_deep_merge_of_its_layers(rendered):
    assert json.loads((rendered["layers"] / "daemon.json").read_text()) == {
        "log-driver": "json-file",
        "log-opts": {"max-size": "50m", "max-file": "5"},
        "live-restore": False,
        "features": {"buildkit": True},
        "registry-mirrors": ["https://mirror.example"],
        "default-address-pools": [{"base": "172.30.0.0/16", "size": 24}],
    }


def test_daemon_json_defaults(rendered):
    assert json.loads((rendered["defaults"] / "daemon.json").read_text()) == {
        "log-driver": "json-file",
        "log-opts": {"max-size": "10m", "max-file": "3"},
        "live-restore": True,
    }


def test_a_hosts_own_daemon_json_stays_beneath_the_layers(rendered):
    """Its data-root, runtime and registries are kept; the layers win only the keys they set."""
    assert json.loads((rendered["adopted"] / "daemon.json").read_text()) == {
        "data-root": "/srv/docker",
        "runtimes": {"nvidia": {"path": "/usr/bin/nvidia-container-runtime"}},
        "insecure-registries": ["registry.lan:5000"],
        "log-driver": "json-file",
        "log-opts": {"max-size": "10m", "max-file": "3", "compress": "true"},
        "live-restore": True,
    }
    # data-root moves only where the inventory sets it.
    assert json.loads((rendered["adopted_moved"] / "daemon.json").read_text())["data-root"] == "/data/docker"


def test_daemon_json_registers_the_nvidia_runtime(rendered):
    config = json.loads((rendered["nvidia"] / "daemon.json").read_text())
    assert config["runtimes"] == {"nvidia": {"path": "/usr/bin/nvidia-container-runtime", "runtimeArgs": []}}
    assert config["default-runtime"] == "nvidia"
