"""scripts/site_profile.py: the plays' wall times and the slowest tasks of the last run in a log."""

from __future__ import annotations

from conftest import load_script

site_profile = load_script("site_profile")

STAMP = "Saturday 28 November 2026  20:45:03 +0000 ({step})       {clock} *****"


def run(first_task: float, install: float) -> str:
    """A two-play run as ansible-playbook prints it with profile_tasks."""
    second = 1.5 + install
    return "\n".join([
        "PLAY [Preflight] ***************************************************************",
        STAMP.format(step="0:00:00.050", clock="0:00:00.050"),
        "",
        "TASK [Check] *******************************************************************",
        STAMP.format(step="0:00:00.100", clock=f"0:00:0{first_task:.3f}"),
        "ok: [fleet-01]",
        "",
        "PLAY [Docker engine] ***********************************************************",
        STAMP.format(step="0:00:01.000", clock="0:00:01.500"),
        "",
        "TASK [docker : Install Docker] *************************************************",
        STAMP.format(step="0:00:00.010", clock="0:00:01.510"),
        "ok: [fleet-01]",
        "",
        "PLAY RECAP *********************************************************************",
        "fleet-01                   : ok=2    changed=0    unreachable=0    failed=0",
        "",
        "TASKS RECAP ********************************************************************",
        STAMP.format(step=f"0:00:0{install:.3f}", clock=f"0:00:0{second:.3f}"),
        "=" * 79,
        f"docker : Install Docker ------------------------------------------------ {install:.2f}s",
        "Check ------------------------------------------------------------------- 1.40s",
        "",
    ])


def test_each_plays_wall_time_runs_to_the_next_play_or_the_end():
    assert site_profile.plays(run(1.2, 3.0)) == [("Preflight", 1.4), ("Docker engine", 3.0)]


def test_the_slowest_tasks_come_first():
    assert site_profile.slowest(run(1.2, 0.5), 5) == [("Check", 1.4), ("docker : Install Docker", 0.5)]
    assert site_profile.slowest(run(1.2, 0.5), 1) == [("Check", 1.4)]


def test_only_the_last_run_of_a_log_counts():
    log = run(1.2, 7.0) + run(1.2, 2.0)
    assert site_profile.plays(site_profile.last_run(log))[1] == ("Docker engine", 2.0)
    table = site_profile.markdown(log, top=1)
    assert "| Docker engine | 2.0 s |" in table
    assert "7.0" not in table
    assert "| docker : Install Docker | 2.00 s |" in table
    assert "Check" not in table.split("slowest tasks")[1]
