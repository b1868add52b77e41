"""The Dockerfile and pip.conf the python_image role renders, for settings the molecule
scenario does not build (a registry base, the toolbox, DVC plugins, index settings). All
variants render in one ansible-playbook run."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest

from conftest import render_variants

TOKEN = "idx-t0ken-canary"

VARIANTS: dict[str, dict] = {
    "defaults": {},
    "debootstrap": {"python_image_base_source": "debootstrap", "python_image_python_version": "3.13"},
    "toolbox": {"python_image_toolbox": True, "python_image_dvc_plugins": ["s3", "ssh"]},
    # A requirements file with hashes (make lock), as validate.yml records it.
    "locked": {"_python_image_requirements_file_text": "dvc==3.67.1 \\\n    --hash=sha256:" + "0" * 64 + "\n"},
    "user": {"python_image_user_name": "ada", "python_image_user_uid": 1500, "python_image_user_gid": 1600},
    "index": {
        "python_image_pip_index_url": f"https://ci:{TOKEN}@pypi.example.com/simple",
        "python_image_pip_extra_index_urls": ["https://a.example/simple", "https://b.example/simple"],
        "python_image_pip_trusted_hosts": ["a.example"],
    },
}


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> dict[str, Path]:
    return render_variants(
        tmp_path_factory.mktemp("python-image-templates"),
        "render_python_image_templates.yml",
        "python_image",
        ["defaults/main.yml", "vars/main.yml"],
        VARIANTS,
    )


def dockerfile(rendered, variant: str) -> str:
    # Continuation lines joined, as Docker reads them.
    return (rendered[variant] / "Dockerfile").read_text().replace("\\\n", " ")


def instructions(text: str) -> list[str]:
    return [line.split()[0] for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_the_default_base_is_the_official_slim_image(rendered):
    assert "FROM python:3.9-slim-bookworm\n" in dockerfile(rendered, "defaults")


def test_a_bootstrapped_base_installs_the_python_it_ships(rendered):
    text = dockerfile(rendered, "debootstrap")
    assert "FROM mlops-debian:trixie\n" in text
    assert 'packages="$packages python3.13 python3.13-venv"' in text


def test_layers_go_from_the_least_to_the_most_often_changed(rendered):
    text = dockerfile(rendered, "defaults")
    order = ["apt-get install", "useradd", "COPY with-build-secrets", "-m venv", "dvc==", "COPY requirements.txt"]
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert instructions(text)[-2:] == ["WORKDIR", "CMD"]


def test_every_pip_step_gets_the_secrets_as_mounts_only(rendered):
    text = dockerfile(rendered, "defaults")
    pip_runs = [line for line in text.splitlines() if line.startswith("RUN") and "pip install" in line]
    assert len(pip_runs) == 2
    for run in pip_runs:
        assert "--mount=type=secret,id=ca-bundle" in run
        assert "--mount=type=secret,id=pip-conf" in run
        assert "--mount=type=secret,id=netrc" in run
        assert "--mount=type=cache" in run
        assert all("with-build-secrets" in part for part in run.split(";") if "pip install" in part)
    # No instruction copies or sets a secret.
    assert "pip.conf" not in text
    assert not re.search(r"^(ENV|ARG)\s+(PIP_|.*PROXY)", text, re.MULTILINE | re.IGNORECASE)


def test_toolbox_and_dvc_plugins(rendered):
    text = dockerfile(rendered, "toolbox")
    assert '"dvc[s3,ssh]==3.67.1"' in text
    for package in ("pipreqs", "pyan3", "pandera", "nox", "py-spy", "optuna", "snakeviz", "ray"):
        assert re.search(rf"\s{re.escape(package)}(\s|$)", text), package
    assert "snakeviz" not in dockerfile(rendered, "defaults")


def test_a_lock_is_the_whole_venv_installed_by_its_hashes(rendered):
    text = dockerfile(rendered, "locked")
    assert "--require-hashes --no-deps -r /opt/python-image/requirements.txt" in text
    assert '"dvc==' not in text  # DVC comes from the lock
    assert "--require-hashes" not in dockerfile(rendered, "defaults")


def test_the_user_has_the_given_ids(rendered):
    text = dockerfile(rendered, "user")
    assert "groupadd --gid 1600 ada" in text
    assert "useradd --uid 1500 --gid 1600" in text
    assert "USER 1500:1600" in text
    assert "uid=1500,gid=1600" in text


def test_pip_conf_carries_the_index_settings(rendered):
    config = configparser.ConfigParser()
    config.read(rendered["index"] / "pip.conf")
    # Without the credentials, which pip would pass on to the pip of a build isolation on its
    # command line: they are in the netrc secret (build_image.yml).
    assert config["global"]["index-url"] == "https://pypi.example.com/simple"
    assert TOKEN not in (rendered["index"] / "pip.conf").read_text()
    assert config["global"]["extra-index-url"].split() == ["https://a.example/simple", "https://b.example/simple"]
    assert config["global"]["trusted-host"].split() == ["a.example"]
    assert TOKEN not in dockerfile(rendered, "index")
