"""Print the object ids a DVC remote holds, as a JSON list (run with the DVC venv's Python).

    dvc_remote_objects.py PROJECT REMOTE

Used by playbooks/dvc_migrate_remote.yml to check that the new remote holds every object of
the old one before the default is switched.
"""

from __future__ import annotations

import json
import sys

from dvc.repo import Repo


def objects(project: str, remote: str) -> list[str]:
    repo = Repo(project)
    odb = repo.cloud.get_remote_odb(remote, hash_name="md5")
    return sorted(odb.all())


if __name__ == "__main__":
    json.dump(objects(sys.argv[1], sys.argv[2]), sys.stdout)
    sys.stdout.write("\n")
