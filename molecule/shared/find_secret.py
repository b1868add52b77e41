"""Walks a test host's file system for secrets, given hex-encoded so that no command line holds
them, and prints each file that holds one with its mode and owner: "path 0o600 uid".

    python3 -c "$(cat find_secret.py)" HEX
    python3 -c "$(cat find_secret.py)" --json HEX...   {"HEX": [["path", "0o600", uid], ...], ...}

Run by the molecule scenarios' verifiers on their test hosts. Skipped: kernel file systems,
and apt's, pip's and the scenarios' read-only caches.
"""

import json
import os
import stat
import sys

as_json = sys.argv[1] == "--json"
secrets = {arg: bytes.fromhex(arg) for arg in sys.argv[1 + as_json :]}
found = {arg: [] for arg in secrets}
skip = ("/proc", "/sys", "/dev", "/var/cache/apt/archives", "/root/.cache/pip", "/opt/molecule")
for root, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if os.path.join(root, d) not in skip]
    for name in files:
        path = os.path.join(root, name)
        try:
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode):
                continue
            with open(path, "rb") as handle:
                content = handle.read()
        except OSError:
            continue
        for arg, secret in secrets.items():
            if secret in content:
                found[arg].append([path, oct(stat.S_IMODE(st.st_mode)), st.st_uid])
if as_json:
    print(json.dumps(found))
else:
    for path, mode, uid in found[sys.argv[1]]:
        print(path, mode, uid)
