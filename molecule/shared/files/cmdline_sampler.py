"""Samples every process's command line and environment while the scenario runs.

Writes each distinct command line, and each distinct environment entry with the process that
had it, once to the log (mode 0600):

    cmdline: ARGV JOINED BY SPACES
    environ COMM UID WHERE: NAME=VALUE     (WHERE: host, or ctr for a process in a container)

The verifiers search it for their canaries (and, for the environment, which process held one)
and for the roles' own commands, which show that the sampling caught the run."""

import os
import sys
import time

log_path = sys.argv[1]
seen: set[bytes] = set()
fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
host_pid_namespace = os.readlink("/proc/self/ns/pid")


def read(pid: str, name: str) -> bytes:
    with open(f"/proc/{pid}/{name}", "rb") as handle:
        return handle.read()


while True:
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmdline, environ = read(pid, "cmdline"), read(pid, "environ")
            # Which process: its name, and its user (only that user and root may read its environment).
            comm = read(pid, "comm").strip().replace(b" ", b"_")
            uid = str(os.stat(f"/proc/{pid}").st_uid).encode()
            where = b"host" if os.readlink(f"/proc/{pid}/ns/pid") == host_pid_namespace else b"ctr"
        except OSError:
            continue
        lines = [b"cmdline: " + cmdline.replace(b"\0", b" ")] if cmdline else []
        who = b" ".join([b"environ", comm, uid, where]) + b": "
        lines += [who + entry for entry in environ.split(b"\0") if entry]
        for line in lines:
            line = line.replace(b"\n", b" ") + b"\n"
            if line not in seen:
                seen.add(line)
                os.write(fd, line)
    time.sleep(0.02)
