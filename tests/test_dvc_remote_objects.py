"""roles/dvc/files/dvc_remote_objects.py: the migration's object comparison, without DVC (a
stand-in object database over a directory)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from conftest import ROOT

SPEC = importlib.util.spec_from_file_location("dvc_remote_objects", ROOT / "roles/dvc/files/dvc_remote_objects.py")
assert SPEC is not None
assert SPEC.loader is not None
objects = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(objects)


class LocalFS:
    """DVC's local file system: find() yields paths only."""

    def __init__(self) -> None:
        self.fs = self

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def find(self, path: str, detail: bool = False):
        for root, _dirs, files in os.walk(path):
            for name in files:
                yield os.path.join(root, name)

    def info(self, path: str) -> dict:
        return {"size": os.path.getsize(path)}


class ODB:
    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.fs = LocalFS()

    def path_to_oid(self, path: str) -> str:
        parent, name = os.path.split(os.path.relpath(path, self.path))
        if len(parent) != 2 or name.endswith(".tmp"):
            raise ValueError(path)
        return parent + name


def put(root: Path, oid: str, data: bytes) -> None:
    (root / oid[:2]).mkdir(parents=True, exist_ok=True)
    (root / oid[:2] / oid[2:]).write_bytes(data)


def test_sizes_lists_objects_and_skips_other_files(tmp_path):
    put(tmp_path, "aa11", b"12345")
    put(tmp_path, "bb22.dir", b"[]")
    (tmp_path / "aa").joinpath("x.tmp").write_bytes(b"partial")
    assert objects.sizes(ODB(tmp_path)) == {"aa11": 5, "bb22.dir": 2}


def test_a_remote_that_does_not_exist_yet_holds_nothing(tmp_path):
    assert objects.sizes(ODB(tmp_path / "nowhere")) == {}


def test_lacking_names_missing_and_short_objects_only():
    source = {"aa11": 5, "bb22": 7, "cc33.dir": 2}
    target = {"aa11": 5, "bb22": 3, "dd44": 9}  # bb22 cut short; dd44 only on the target
    assert objects.lacking(source, target) == ["bb22", "cc33.dir"]
    assert objects.lacking(source, {**source, "dd44": 1}) == []
