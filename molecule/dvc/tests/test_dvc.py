"""molecule/dvc: DVC installed, the cache linked the way the file system allows, ana's data
pushed to a local, an SFTP and an S3 remote and pulled back identical in fresh clones, two
users sharing one cache, a migration killed midway then completed, the S3 secret only in a 0600
file, and a check-mode run that reports a change without making it."""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest
import testinfra

SECRET = "dvc-canary-5e81c0a7d3"  # molecule.yml: molecule_canary_secret
INDEX_TOKEN = "dvc-index-canary-92b4e1"  # molecule.yml: molecule_index_token
ANA_UID = 1701
EPHEMERAL = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"))


@pytest.fixture(scope="module")
def shared(host) -> bool:
    """Debian 12 shares its cache between ana and ben (molecule.yml's host_vars)."""
    return host.system_info.release.startswith("12")


@pytest.fixture(scope="module")
def project(shared) -> str:
    return "/home/ana/mlops" if shared else "/mnt/xfs/ana/mlops"


def run_as(host, user: str, command: str, cwd: str = "/tmp"):
    return host.run(f"cd {shlex.quote(cwd)} && sudo -u {user} -H bash -c {shlex.quote(command)}")


def checked(result) -> str:
    assert result.rc == 0, result.stdout + result.stderr
    return result.stdout


def manifest(host, user: str, directory: str) -> str:
    # -L: on Debian 12 the files are symlinks into the cache.
    return checked(run_as(host, user, "find -L data -type f | sort | xargs md5sum", cwd=directory))


def test_dvc_is_installed_on_path_and_doctor_is_clean(host):
    out = checked(run_as(host, "ana", "dvc doctor"))
    assert "DVC version: 3.67.1" in out
    supported = re.search(r"Supports:(.*?)\n\S", out, re.S)
    assert supported
    assert all(name in supported.group(1) for name in ("s3", "ssh"))
    assert host.file("/usr/local/bin/dvc").linked_to == "/opt/dvc/bin/dvc"


def test_auto_picked_the_link_type_the_file_system_allows(host, shared, project):
    cache_type = checked(run_as(host, "ana", "dvc config --local cache.type", cwd=project)).strip()
    # Overlay on ext4 cannot clone, and a shared cache is never hard-linked: symlink. XFS clones.
    assert cache_type == ("symlink" if shared else "reflink")
    assert host.file(project + "/.dvc/config.local").mode == 0o600


def test_checkout_links_instead_of_copying(host, shared, project):
    big = host.file(project + "/data/big.bin")
    if shared:
        assert big.is_symlink
        assert big.linked_to.startswith("/srv/dvc-cache/files/md5/")
    else:
        assert host.file("/mnt/xfs").exists
        assert checked(host.run("stat -f -c %T /mnt/xfs")).strip() == "xfs"
        assert not big.is_symlink  # a file of its own ...
        assert checked(host.run(f"stat -c %h {project}/data/big.bin")).strip() == "1"
        extents = checked(host.run(f"filefrag -v {project}/data/big.bin"))
        assert "shared" in extents  # ... whose blocks are the cache's (a reflink)


def test_the_shared_cache_belongs_to_the_group(host, shared):
    if not shared:
        pytest.skip("Debian 13's cache is ana's alone")
    cache = host.file("/srv/dvc-cache")
    assert cache.group == "mlops"
    assert cache.mode == 0o2775
    listing = checked(host.run("find /srv/dvc-cache/files -printf '%g %m %y\\n' | sort | uniq -c"))
    for line in listing.splitlines():
        _count, group, mode, kind = line.split()
        assert group == "mlops", line
        if kind == "d":
            assert int(mode, 8) & 0o2070 == 0o2070, line  # setgid, group-writable


def test_ben_and_ana_check_out_each_others_data(host, shared, project):
    if not shared:
        pytest.skip("only Debian 12 has two users")
    assert manifest(host, "ben", "/home/ben/mlops") == manifest(host, "ana", project)
    assert host.file(project + "/notes/ben.txt").content_string.startswith("ben's notes")


@pytest.mark.parametrize("remote", ["hdd", "ssh", "s3"])
def test_a_fresh_clone_pulls_identical_data(host, project, remote):
    fresh = f"/tmp/fresh-{remote}"
    script = f"""set -euo pipefail
    rm -rf {fresh} {fresh}-cache
    git clone -q /srv/git/mlops.git {fresh}
    cp {project}/.dvc/config {project}/.dvc/config.local {fresh}/.dvc/
    cd {fresh}
    dvc config --local cache.dir {fresh}-cache
    dvc config --local cache.type copy
    dvc pull --quiet -r {remote} data.dvc"""
    checked(run_as(host, "ana", script))
    assert manifest(host, "ana", fresh) == checked(host.run("cat /tmp/ana-data.md5"))
    assert host.file(f"{fresh}-cache/files/md5").is_directory  # pulled, not read from the project's cache


def remote_files(host, directory: str) -> set[tuple[str, int]]:
    """(path, size) of every file: an object cut short by the kill would differ in size."""
    out = checked(host.run(f"find {directory} -type f -printf '%P %s\\n'"))
    return {(path, int(size)) for path, size in (line.split() for line in out.splitlines())}


def test_the_interrupted_migration_was_completed_by_the_rerun(host, project):
    remotes = testinfra.get_host("docker://dvc-remotes")
    name = host.backend.get_hostname()
    old = remote_files(host, "/srv/dvc-hdd")
    new = remote_files(remotes, f"/srv/dvc/{name}")
    partial = int(json.loads((EPHEMERAL / "interrupted.json").read_text())[name])
    assert len(old) > 1500
    assert 0 < partial < len(old), "the first run was not stopped midway"
    assert old <= new, f"missing on the new remote: {sorted(old - new)[:5]}"
    assert checked(run_as(host, "ana", "dvc config core.remote", cwd=project)).strip() == "ssh"


# molecule/shared/find_secret.py: files holding a secret, with their mode and owner.
FIND_SECRET = (Path(__file__).parents[2] / "shared" / "find_secret.py").read_text()


def test_the_secret_is_only_in_0600_files_of_ana(host, project):
    found = checked(host.run(f"python3 -c {shlex.quote(FIND_SECRET)} {SECRET.encode().hex()}"))
    places = {path: (mode, int(uid)) for path, mode, uid in (line.split() for line in found.splitlines())}
    assert places.get(project + "/.dvc/config.local") == ("0o600", ANA_UID)  # the search finds it there
    assert {path: where for path, where in places.items() if where != ("0o600", ANA_UID)} == {}


def test_the_index_token_is_only_in_the_venvs_0600_pip_conf(host):
    found = checked(host.run(f"python3 -c {shlex.quote(FIND_SECRET)} {INDEX_TOKEN.encode().hex()}"))
    assert found.splitlines() == ["/opt/dvc/pip.conf 0o600 0"]


def test_no_command_line_or_environment_held_the_index_token(host):
    host.run("systemctl stop cmdline-sampler")
    sampled = host.file("/var/log/cmdline-sampler.log").content_string
    # The sampler saw pip install DVC (the run it must have watched), and no token.
    assert re.search(r"cmdline: .*/opt/dvc/bin/pip3? install .*dvc==", sampled), sampled[-2000:]
    assert INDEX_TOKEN not in sampled


def playbook_outputs() -> list[str]:
    """The output of each ansible-playbook run of the scenario, from its log (lines are tagged
    with the process id of their run). Left out: testinfra's ansible-inventory calls, which
    list the inventory, canary and all."""
    runs: dict[str, list[str]] = {}
    pid = ""
    for line in (EPHEMERAL / "ansible.log").read_text().splitlines():
        match = re.match(r"^\S+ \S+ p=(\d+) ", line)
        pid = match.group(1) if match else pid  # continuation lines belong to the run above
        runs.setdefault(pid, []).append(line)
    return ["\n".join(lines) for lines in runs.values() if "PLAY [" in "\n".join(lines)]


def test_no_output_of_any_run_shows_the_secret():
    outputs = playbook_outputs()
    assert len(outputs) >= 5  # prepare, check, converge, idempotence, side effect
    assert any("TASK [dvc : Configure the remotes of" in output for output in outputs)
    for output in outputs:
        assert SECRET not in output
        assert INDEX_TOKEN not in output
    assert SECRET not in (EPHEMERAL / "check-copy.log").read_text()


def test_the_remote_layers_were_merged_key_by_key(host, shared, project):
    def get(key: str) -> str:
        return checked(run_as(host, "ana", f"dvc config --project {key}", cwd=project)).strip()

    assert get("remote.s3.endpointurl") == "http://remotes.molecule.test:5000"  # group layer
    assert get("remote.s3.region") == ("eu-west-1" if shared else "us-east-1")  # host layer on 12
    assert get("remote.s3.url") == f"s3://dvc-store/{host.backend.get_hostname()}"  # defaults
    assert SECRET not in host.file(project + "/.dvc/config").content_string


def test_each_user_has_a_site_cache_of_their_own(host):
    config = host.file("/home/ana/.config/dvc/config")
    assert config.user == "ana"
    assert config.mode == 0o600
    assert "site_cache_dir = /home/ana/.cache/dvc-site" in config.content_string
    assert host.file("/home/ana/.cache/dvc-site").user == "ana"


def test_check_mode_reported_a_change_and_made_none(host, shared, project):
    output = re.sub(r"\x1b\[[0-9;]*m", "", (EPHEMERAL / "check-copy.log").read_text())
    name = host.backend.get_hostname()
    recap = re.search(rf"^{re.escape(name)}\s+:.*changed=(\d+)", output, re.M)
    assert recap
    assert int(recap.group(1)) > 0
    assert "+    type = copy" in output
    cache_type = checked(run_as(host, "ana", "dvc config --local cache.type", cwd=project)).strip()
    assert cache_type == ("symlink" if shared else "reflink")


def test_a_cache_move_stopped_partway_is_finished_by_the_next_run(host):
    if host.backend.get_hostname() != "dvc-debian-13":
        pytest.skip("the cache move is Debian 13's (side_effect.yml)")
    record = json.loads(host.file("/opt/molecule-cache-move.json").content_string)
    copied, total = (int(n) for n in re.findall(r"\d+", record["stopped"][0]))
    assert 0 < copied < total, record  # the first run did stop partway
    assert record["stopped"][1] == "cache.dir: /mnt/xfs/dvc-cache"  # the settings had not moved yet
    assert record["resumed"] == [
        "bad objects: 0",
        f"objects: {total} of {total}",
        "cache.dir: /mnt/xfs/dvc-cache-moved",
        "record left: no",
        "data: intact",
    ]
    # Back on the scenario's cache afterwards.
    assert (
        checked(run_as(host, "ana", "dvc config cache.dir", cwd="/mnt/xfs/ana/mlops")).strip() == "/mnt/xfs/dvc-cache"
    )
