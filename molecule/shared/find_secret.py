"""Walks a test host's file system for a secret, given hex-encoded so that no command line holds
it, and prints each file that holds it with its mode and owner: "path 0o600 uid".

    python3 -c "$(cat find_secret.py)" HEX

Run by the molecule scenarios' verifiers (git, dvc) on their test hosts. Skipped: kernel file
systems, and apt's, pip's and the scenarios' read-only caches.
"""

import os
import stat
import sys

secret = bytes.fromhex(sys.argv[1])
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
                if secret in handle.read():
                    print(path, oct(stat.S_IMODE(st.st_mode)), st.st_uid)
        except OSError:
            pass
