"""The python_image_state filter on answers shaped as community.docker's docker_host_info
(verbose, images of the repository, all containers) and docker_image_info (the base) give them,
registered with failed_when false."""

from __future__ import annotations

import hashlib

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.mlops.workstation.plugins.filter.python_image import (
    lock_pins,
    python_image_state,
    registry_fault,
)

BASE_ID = "sha256:" + "b" * 64
INPUTS = "0123abcd" * 8


def digest(base_id: str) -> str:
    return hashlib.sha256(f"{INPUTS}\n{base_id}".encode()).hexdigest()


CURRENT_TAG = f"3.9-{digest(BASE_ID)[:12]}"


def answers(images: dict[str, dict], containers: list[dict] | None = None, base: str | None = BASE_ID):
    """docker_host_info's and docker_image_info's results for an engine holding these images (by ref)."""
    by_id: dict[str, dict] = {}
    for ref, image in images.items():
        if ref.rpartition(":")[0] == "mlops-dev":
            by_id.setdefault(image["Id"], {**image, "RepoTags": []})["RepoTags"].append(ref)
    host = {
        "changed": False,
        "can_talk_to_docker": True,
        "host_info": {"ServerVersion": "26.1.5"},
        "images": list(by_id.values()),
        "containers": containers or [],
    }
    return host, {"changed": False, "images": [{"Id": base}] if base else []}


def state(host: dict, base: dict, **kwargs) -> dict:
    return python_image_state(host, base, INPUTS, "3.9", "mlops-dev", **kwargs)


def test_without_an_engine_it_reports_so_and_names_the_build_for_an_absent_base():
    host = {"failed": True, "can_talk_to_docker": False, "msg": "Error connecting: No such file or directory"}
    result = state(host, {"failed": True, "msg": "same"})
    assert result["engine"] == {"reachable": False, "version": "", "error": host["msg"]}
    assert result["tag"] == f"3.9-{digest('')[:12]}"
    assert result["ref"] == f"mlops-dev:{result['tag']}"
    assert result["image"] == {}


def test_an_unchanged_image_is_found_with_its_report():
    image_id = "sha256:" + "c" * 64
    image = {"Id": image_id, "Created": 10, "Size": 566_000_000, "Labels": {"x": "y"}}
    host, base = answers({f"mlops-dev:{CURRENT_TAG}": image, "mlops-dev:3.9": image})
    result = state(host, base, report={"id": image_id, "python_version": "3.9.2"})
    assert result["engine"] == {"reachable": True, "version": "26.1.5", "error": ""}
    assert result["base_id"] == BASE_ID
    assert result["tag"] == CURRENT_TAG
    assert result["image"] == {"Id": image_id, "Size": 566_000_000, "Created": 10, "Labels": {"x": "y"}}
    assert result["python_version"] == "3.9.2"
    assert result["builds"] == []


def test_a_new_base_is_a_new_tag():
    other_base = "sha256:" + "d" * 64
    host, base = answers({f"mlops-dev:{CURRENT_TAG}": {"Id": "sha256:current", "Created": 1}}, base=other_base)
    result = state(host, base)
    assert result["tag"] == f"3.9-{digest(other_base)[:12]}"
    assert result["image"] == {}
    # The build of the old base is an earlier build now.
    assert [build["ref"] for build in result["builds"]] == [f"mlops-dev:{CURRENT_TAG}"]


def test_earlier_builds_come_newest_first_with_the_ones_in_use_marked():
    host, base = answers(
        {
            "mlops-dev:3.9-aaaaaaaaaaaa": {"Id": "sha256:old", "Created": 100},
            "mlops-dev:3.9-bbbbbbbbbbbb": {"Id": "sha256:newer", "Created": 300},
            "mlops-dev:3.11-cccccccccccc": {"Id": "sha256:middle", "Created": 200},
            # Not builds: the alias, another tag, and the current build.
            "mlops-dev:3.9": {"Id": "sha256:newer", "Created": 300},
            "mlops-dev:experiment": {"Id": "sha256:exp", "Created": 400},
            f"mlops-dev:{CURRENT_TAG}": {"Id": "sha256:current", "Created": 600},
        },
        containers=[{"Id": "c1", "ImageID": "sha256:old"}],
    )
    # What the reference filter lets through of another repository is not this one's.
    host["images"].append({"Id": "sha256:other", "Created": 500, "RepoTags": ["mlops-dev-other:3.9-dddddddddddd"]})
    result = state(host, base)
    assert [(b["ref"], b["in_use"]) for b in result["builds"]] == [
        ("mlops-dev:3.9-bbbbbbbbbbbb", False),
        ("mlops-dev:3.11-cccccccccccc", False),
        ("mlops-dev:3.9-aaaaaaaaaaaa", True),
    ]


def test_a_report_of_another_image_is_ignored():
    host, base = answers({f"mlops-dev:{CURRENT_TAG}": {"Id": "sha256:current", "Created": 10}})
    assert state(host, base, report={"id": "sha256:previous", "python_version": "3.9.1"})["python_version"] == ""
    assert state(host, base, report={})["python_version"] == ""


def test_an_engine_that_answers_with_an_error_fails_with_its_words():
    host, base = answers({})
    base = {"failed": True, "msg": "Error inspecting image: engine is broken"}
    with pytest.raises(AnsibleFilterError, match="engine is broken"):
        state(host, base)


def test_a_locks_pins_are_read_by_normalised_name():
    text = (
        "# This file was autogenerated by uv\n"
        "Dvc==3.67.1 \\\n    --hash=sha256:aa\n"
        "ruamel.yaml.clib==0.2.12 \\\n    --hash=sha256:bb\n"
        "    # via dvc\n"
        "dvc_s3[extra]==3.2.0 ; python_version >= '3.9' \\\n"
        "--require-hashes\n"
    )
    assert lock_pins(text) == {"dvc": "3.67.1", "ruamel-yaml-clib": "0.2.12", "dvc-s3": "3.2.0"}


# What Docker 20.10 said in the fleet scenario's faults, each with the setting to look at.
REGISTRY_ERRORS = {
    "login attempt to https://r:5000/v2/ failed with status: 401 Unauthorized": "python_image_registry_password",
    "manifest for r:5000/mlops-dev@sha256:00 not found: manifest unknown: manifest unknown": "python_image_digest",
    'Get "https://r:5000/v2/": dial tcp 172.18.0.2:5000: connect: connection refused': "does not answer",
    'Get "https://r:5000/v2/": x509: certificate signed by unknown authority': "docker_registry_ca_certificates",
}


@pytest.mark.parametrize(("error", "named"), REGISTRY_ERRORS.items(), ids=REGISTRY_ERRORS.values())
def test_a_registry_error_is_named_by_its_cause_and_kept_whole(error, named):
    said = registry_fault(error)
    assert named in said
    assert said.endswith(f"({error})")


def test_an_unknown_registry_error_is_passed_on_as_it_is():
    assert registry_fault("something else") == "(something else)"
