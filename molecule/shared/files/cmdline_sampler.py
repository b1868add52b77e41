"""Samples every process's command line and environment while the scenario runs.

Writes each distinct command line, and each distinct environment entry, once to the log
(mode 0600): the verifier searches it for the canary token and for the role's own git
commands, which show that the sampling caught the run."""

import os
import sys
import time

log_path = sys.argv[1]
seen: set[bytes] = set()
fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
while True:
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        for name, sep in (("cmdline", b" "), ("environ", b"\n")):
            try:
                with open(f"/proc/{pid}/{name}", "rb") as handle:
                    data = handle.read()
            except OSError:
                continue
            entries = [data.replace(b"\0", sep)] if name == "cmdline" else data.split(b"\0")
            for entry in entries:
                line = name.encode() + b": " + entry.replace(b"\n", b" ") + b"\n"
                if entry and line not in seen:
                    seen.add(line)
                    os.write(fd, line)
    time.sleep(0.02)
