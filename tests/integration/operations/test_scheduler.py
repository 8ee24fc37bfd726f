"""The scheduler: each job under a Postgres advisory lock, so two schedulers never run one
job at the same time, and a scheduler that dies (its session with it) frees the lock."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import sqlalchemy as sa

from certflow.settings import Settings
from db.operations import job_lock
from tests.acceptance.processes import ROOT
from tests.fixtures.database import wait_until
from tests.integration.helpers import rows
from workers.scheduler import Job, Scheduler, default_jobs


def _recording_job(
    runs: list[tuple[float, float]], guard: threading.Lock, turned_away: threading.Event
) -> Job:
    def run() -> None:
        start = time.monotonic()
        # Hold the job until the other scheduler's run came due and was turned away (at
        # most 5 s: two runs at once would both wait here, which the test then sees).
        turned_away.wait(5)
        with guard:
            runs.append((start, time.monotonic()))

    return Job("overlap-probe", 0.02, run)


def test_two_schedulers_never_run_the_same_job_at_once(worker_engine: sa.Engine) -> None:
    runs: list[tuple[float, float]] = []
    guard = threading.Lock()
    turned_away = threading.Event()
    job = _recording_job(runs, guard, turned_away)
    schedulers = [Scheduler(worker_engine, [job]), Scheduler(worker_engine, [job])]
    outcomes: list[str] = []
    for scheduler in schedulers:
        scheduler.run_job = _counting(  # type: ignore[method-assign]
            scheduler.run_job, outcomes, turned_away
        )
        scheduler.start()
    wait_until(lambda: len(runs) >= 5, timeout=30)
    assert all(scheduler.stop(grace=5) for scheduler in schedulers)

    ordered = sorted(runs)
    assert len(ordered) >= 5
    overlaps = [(a, b) for a, b in itertools.pairwise(ordered) if b[0] < a[1]]
    assert overlaps == []
    assert outcomes.count("ok") == len(ordered)
    assert outcomes.count("skipped") > 0  # the other scheduler came due while one ran


def _counting(run_job: Any, outcomes: list[str], turned_away: threading.Event) -> Any:
    def counted(job: Job) -> str:
        outcome = str(run_job(job))
        outcomes.append(outcome)
        if outcome == "skipped":
            turned_away.set()
        return outcome

    return counted


_HOLDER = """
import sys
from certflow.settings import load_settings
from db.engine import make_engine
from db.operations import job_lock
with job_lock(make_engine(load_settings()), "reconcile") as taken:
    print("taken" if taken else "busy", flush=True)
    sys.stdin.read()  # holds the lock until the test kills this process
"""


def test_a_killed_schedulers_lock_is_released(settings: Settings, worker_engine: sa.Engine) -> None:
    env = {**os.environ, "DATABASE_URL": settings.database_url}
    with subprocess.Popen(
        [sys.executable, "-c", _HOLDER],
        env=env,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "taken"
            with job_lock(worker_engine, "reconcile") as taken:
                assert taken is False
            os.kill(holder.pid, signal.SIGKILL)  # no clean-up: the session just ends
            holder.wait(10)
        finally:
            if holder.poll() is None:
                holder.kill()

    def free() -> bool:
        with job_lock(worker_engine, "reconcile") as taken:
            return taken

    assert wait_until(free, timeout=10)


def test_the_default_jobs_heal_and_prune(settings: Settings, engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO event_outbox (kind, payload, idempotency_key, dispatched_at)"
                " VALUES ('certificate.key_granted', CAST(:p AS jsonb), 'old',"
                " now() - CAST(:age AS interval)),"
                " ('certificate.key_granted', CAST(:p AS jsonb), 'young', now())"
            ),
            {"p": json.dumps({}), "age": "40 days"},
        )
    from db.engine import make_engine

    jobs_engine = make_engine(settings, pool_size=2)
    try:
        scheduler = Scheduler(jobs_engine, default_jobs(settings, jobs_engine))
        outcomes = {job.name: scheduler.run_job(job) for job in scheduler.jobs}
    finally:
        jobs_engine.dispose()

    assert outcomes == {"reconcile": "ok", "retention": "ok"}
    assert [r.idempotency_key for r in rows(engine, "SELECT * FROM event_outbox")] == ["young"]
