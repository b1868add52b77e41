"""Compare the objects of two DVC remotes of a project, and copy what the second lacks.

    dvc_remote_objects.py PROJECT SOURCE TARGET [--copy]

Run with the DVC venv's Python, as the project's owner (their keys and credentials). Prints a
JSON report: how many objects each remote holds, which objects of SOURCE are missing on TARGET
or have another size there (a file cut short by an interrupted upload), and with --copy how
many were copied first. Objects are compared by id and size from one listing of each remote;
nothing on SOURCE is changed, nothing on TARGET is deleted (a short object is overwritten).

Used by the dvc role's migrate entry point (playbooks/dvc_migrate_remote.yml): it copies at the
object level, so objects that no commit reaches (other branches, older commits whose
.dvc/config lacked the remote, other projects sharing the remote) move too.
"""

from __future__ import annotations

import json
import sys


def sizes(odb) -> dict[str, int]:
    """Object id -> size, from one recursive listing of the remote."""
    found: dict[str, int] = {}
    if not odb.fs.exists(odb.path):
        return found
    listing = odb.fs.fs.find(odb.path, detail=True)
    if not isinstance(listing, dict):  # DVC's local file system lists paths only; a stat is cheap there
        listing = {path: odb.fs.info(path) for path in listing}
    for path, info in listing.items():
        try:
            oid = odb.path_to_oid(path)
        except ValueError:  # not an object (a temporary file)
            continue
        found[oid] = int(info.get("size") or 0)
    return found


def lacking(source: dict[str, int], target: dict[str, int]) -> list[str]:
    """Objects of source that target has not, or has with another size."""
    return sorted(oid for oid, size in source.items() if target.get(oid) != size)


def main(project: str, source_name: str, target_name: str, copy: bool) -> dict:
    from dvc.repo import Repo  # the DVC venv's; the helpers above are tested without it

    repo = Repo(project)
    source = repo.cloud.get_remote_odb(source_name, hash_name="md5")
    target = repo.cloud.get_remote_odb(target_name, hash_name="md5")
    source_sizes, target_sizes = sizes(source), sizes(target)
    copied = 0
    errors: list[str] = []
    todo = lacking(source_sizes, target_sizes)
    if copy and todo:
        copied = target.add(
            [source.oid_to_path(oid) for oid in todo],
            source.fs,
            todo,
            check_exists=False,
            on_error=lambda path, exc: errors.append(f"{path}: {exc}"),
        )
        target_sizes = sizes(target)
    missing = lacking(source_sizes, target_sizes)
    return {
        "source": source_name,
        "target": target_name,
        "source_objects": len(source_sizes),
        "target_objects": len(target_sizes),
        "copied": copied,
        "missing": len(missing),
        "missing_sample": missing[:10],
        "errors": errors[:10],
    }


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5) or sys.argv[4:] not in ([], ["--copy"]):
        sys.exit(f"usage: {sys.argv[0]} PROJECT SOURCE TARGET [--copy]")
    report = main(sys.argv[1], sys.argv[2], sys.argv[3], copy=sys.argv[4:] == ["--copy"])
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    sys.exit(1 if report["missing"] else 0)
