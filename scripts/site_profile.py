"""Where the time of one ansible-playbook run went, from its output with the profile_tasks
callback (ansible.cfg enables it): the wall time of each play, and the slowest tasks.

    python3 scripts/site_profile.py LOG [--top N]

Prints Markdown (two tables) for docs/benchmarks.md. Only the last run in LOG is read, so a
log that several runs appended to gives the newest one. scripts/benchmark_fleet.sh uses it for
the warm re-run of site.yml.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

# profile_tasks' line before each task and play: "... (0:00:00.061)       0:00:09.834 *****"
_CLOCK = re.compile(r"\((\d+):(\d\d):(\d\d\.\d+)\)\s+(\d+):(\d\d):(\d\d\.\d+)\s+\*+\s*$")
_PLAY = re.compile(r"^PLAY \[(.*)\] \*+\s*$")
# The recap's lines: "dvc : Install DVC --------- 8.20s"
_RECAP_TASK = re.compile(r"^(.*?) -{2,} (\d+\.\d+)s\s*$")


def _seconds(hours: str, minutes: str, seconds: str) -> float:
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def last_run(text: str) -> str:
    """The output of the last playbook run in a log (each run starts with its first PLAY)."""
    runs = re.split(r"(?m)^(?=PLAY \[)", text)
    start = 0
    for index in range(1, len(runs)):
        # A run's end: its recap; the next PLAY after a recap starts a new run.
        if "PLAY RECAP" in runs[index - 1]:
            start = index
    return "".join(runs[start:])


def plays(text: str) -> list[tuple[str, float]]:
    """(play name, seconds) in order: the clock at each play's start to the next's, the last to
    the run's end (the clock of the recap)."""
    starts: list[tuple[str, float]] = []
    pending: str | None = None
    end = 0.0
    for line in text.splitlines():
        match = _PLAY.match(line)
        if match:
            pending = match.group(1)
            continue
        clock = _CLOCK.search(line)
        if clock:
            end = _seconds(*clock.groups()[3:])
            if pending is not None:
                starts.append((pending, end))
                pending = None
    return [
        (name, round((starts[index + 1][1] if index + 1 < len(starts) else end) - start, 1))
        for index, (name, start) in enumerate(starts)
    ]


def slowest(text: str, top: int) -> list[tuple[str, float]]:
    """The recap's tasks, slowest first (profile_tasks lists them so)."""
    recap = text.split("TASKS RECAP", 1)
    if len(recap) < 2:
        return []
    tasks = [(m.group(1).strip(), float(m.group(2))) for m in map(_RECAP_TASK.match, recap[1].splitlines()) if m]
    return sorted(tasks, key=lambda task: -task[1])[:top]


def markdown(text: str, top: int = 10) -> str:
    run = last_run(text)
    lines = ["| play | wall time |", "| --- | --- |"]
    lines += [f"| {name} | {seconds:.1f} s |" for name, seconds in plays(run)]
    lines += ["", "| slowest tasks | time |", "| --- | --- |"]
    lines += [f"| {name} | {seconds:.2f} s |" for name, seconds in slowest(run, top)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("log", type=Path)
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args(argv)
    print(markdown(args.log.read_text(errors="replace"), args.top), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
