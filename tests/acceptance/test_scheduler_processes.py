"""Two ``certflow scheduler`` processes side by side: every run of a job, read from both
processes' logs, starts after the previous run of that job ended, whichever process
ran it; the loser of a race logs a skip instead of running."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import pytest

from tests.acceptance.processes import env_for, running, stop
from tests.fixtures.database import wait_until

pytestmark = pytest.mark.slow

Run = tuple[datetime, datetime, str]


def _runs(log: Path) -> tuple[dict[str, list[Run]], int]:
    """Each job's runs (start, end, which log) and how many runs were skipped."""
    runs: dict[str, list[Run]] = defaultdict(list)
    started: dict[str, datetime] = {}
    skipped = 0
    for line in log.read_text().splitlines():
        if not (line.startswith("{") and line.endswith("}")):
            continue  # not ours, or the line being written right now
        entry = json.loads(line)
        at = datetime.fromisoformat(entry["timestamp"])
        if entry["event"] == "scheduled_job_started":
            started[entry["job"]] = at
        elif entry["event"] == "scheduled_job_finished":
            runs[entry["job"]].append((started.pop(entry["job"]), at, log.name))
        elif entry["event"] == "scheduled_job_skipped":
            skipped += 1
    return runs, skipped


def test_two_scheduler_processes_never_run_one_job_at_once(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = env_for(
        database_url,
        redis_url,
        SCHEDULE_RECONCILE_SECONDS="0.1",
        SCHEDULE_RETENTION_SECONDS="0.1",
    )
    logs = [tmp_path / "scheduler-1.log", tmp_path / "scheduler-2.log"]
    with ExitStack() as stack:
        procs = [stack.enter_context(running(["scheduler"], env, log)) for log in logs]
        # Until both have run jobs, at least ten runs each, and a race ended in a skip.
        wait_until(lambda: _enough(*_collect(logs)), timeout=90, interval=0.5)
        assert [stop(proc) for proc in procs] == [0, 0]

    runs, _ = _collect(logs)
    assert set(runs) == {"reconcile", "retention"}
    for job, job_runs in runs.items():
        ordered = sorted(job_runs)
        overlaps = [(a, b) for a, b in itertools.pairwise(ordered) if b[0] < a[1]]
        assert overlaps == [], job


def _collect(logs: list[Path]) -> tuple[dict[str, list[Run]], int]:
    runs: dict[str, list[Run]] = defaultdict(list)
    skipped = 0
    for log in logs:
        found, skips = _runs(log) if log.exists() else ({}, 0)
        skipped += skips
        for job, job_runs in found.items():
            runs[job] += job_runs
    return runs, skipped


def _enough(runs: dict[str, list[Run]], skipped: int) -> bool:
    where = {where for job_runs in runs.values() for _, _, where in job_runs}
    counts = [len(runs.get(job, [])) for job in ("reconcile", "retention")]
    return skipped > 0 and len(where) == 2 and min(counts) >= 10
