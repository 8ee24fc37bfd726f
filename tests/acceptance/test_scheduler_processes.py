"""Two ``certflow scheduler`` processes side by side: every run of a job, read from both
processes' logs, starts after the previous run of that job ended, whichever process
ran it; a job whose lock another session holds is skipped, by both, not run; and when
one scheduler won every race, stopping it hands the jobs to the other."""

from __future__ import annotations

import itertools
import json
import time
from collections import defaultdict
from collections.abc import Callable
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
        elif entry["event"] in ("scheduled_job_finished", "scheduled_job_failed"):
            # A failed run held the lock too: it counts for the overlap check.
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
        _hold_reconcile_lock_until_skipped(database_url, logs)
        # At least five runs of each job, and a skip seen.
        _wait_or_explain(lambda: _enough(*_collect(logs)), logs)
        exits = []
        if len(_where(_collect(logs)[0])) == 1:
            # On a loaded machine one scheduler can win every race (its runs last as long
            # as the period): stop it, and the standby must take the jobs over.
            winner = logs.index(tmp_path / next(iter(_where(_collect(logs)[0]))))
            exits.append(stop(procs[winner]))
            _wait_or_explain(lambda: len(_where(_collect(logs)[0])) == 2, logs)
        exits += [stop(proc) for proc in procs if proc.poll() is None]
        assert exits == [0, 0]

    runs, _ = _collect(logs)
    assert set(runs) == {"reconcile", "retention"}
    for job, job_runs in runs.items():
        ordered = sorted(job_runs)
        overlaps = [(a, b) for a, b in itertools.pairwise(ordered) if b[0] < a[1]]
        assert overlaps == [], job


def _hold_reconcile_lock_until_skipped(database_url: str, logs: list[Path]) -> None:
    """Take the reconcile job's lock as a third session: both schedulers must skip it.

    (Left alone, two schedulers on a quiet machine settle into phases that never
    collide, so a skip is not guaranteed to happen by itself.)
    """
    from certflow.settings import load_settings
    from db.engine import make_engine
    from db.operations import job_lock

    engine = make_engine(load_settings({"DATABASE_URL": database_url}), pool_size=1)
    try:
        _wait_or_explain(lambda: len(_collect(logs)[0].get("reconcile", [])) >= 2, logs)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # a scheduler may hold it right now: try again
            with job_lock(engine, "reconcile") as taken:
                if taken:
                    wait_until(lambda: _collect(logs)[1] >= 2, timeout=30, interval=0.2)
                    return
            time.sleep(0.005)
        pytest.fail("the reconcile job's lock was never free for 30 s")
    finally:
        engine.dispose()


def _wait_or_explain(condition: Callable[[], bool], logs: list[Path]) -> None:
    """wait_until, failing with what the schedulers did (their runs and their logs' ends)."""
    try:
        wait_until(condition, timeout=120, interval=0.5)
    except BaseException:
        runs, skipped = _collect(logs)
        spans = {
            job: [round((end - start).total_seconds(), 3) for start, end, _ in job_runs][-5:]
            for job, job_runs in runs.items()
        }
        tails = [log.read_text()[-2000:] for log in logs if log.exists()]
        pytest.fail(f"runs (last durations) {spans}, skipped {skipped}, logs: {tails}")


def _collect(logs: list[Path]) -> tuple[dict[str, list[Run]], int]:
    runs: dict[str, list[Run]] = defaultdict(list)
    skipped = 0
    for log in logs:
        found, skips = _runs(log) if log.exists() else ({}, 0)
        skipped += skips
        for job, job_runs in found.items():
            runs[job] += job_runs
    return runs, skipped


def _where(runs: dict[str, list[Run]]) -> set[str]:
    """The logs (so the processes) that ran a job to its end."""
    return {where for job_runs in runs.values() for _, _, where in job_runs}


def _enough(runs: dict[str, list[Run]], skipped: int) -> bool:
    counts = [len(runs.get(job, [])) for job in ("reconcile", "retention")]
    return skipped > 0 and min(counts) >= 5
