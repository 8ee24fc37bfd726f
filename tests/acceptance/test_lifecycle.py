"""SIGTERM and the grace period: a process that cannot finish what it holds within
SHUTDOWN_GRACE_SECONDS exits anyway; its transaction rolls back and its job lock goes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from db.operations import job_lock
from tests.acceptance.processes import env_for, running, stop
from tests.fixtures.database import wait_until

pytestmark = pytest.mark.slow


def _waiting_on_enrollments(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        waiting = conn.execute(
            sa.text(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                " WHERE c.relname = 'bootcamp_enrollments' AND NOT l.granted"
            )
        ).scalar_one()
    return bool(waiting)


def test_a_scheduler_stuck_past_the_grace_period_exits_and_frees_its_job(
    database_url: str, redis_url: str, owner_engine: sa.Engine, worker_engine: sa.Engine,
    tmp_path: Path,
) -> None:  # fmt: skip
    env = env_for(database_url, redis_url, SHUTDOWN_GRACE_SECONDS="1")
    log = tmp_path / "scheduler.log"
    with owner_engine.connect() as blocker:
        # The reconcile pass's first statement waits on this lock for as long as it is held.
        blocker.execute(sa.text("LOCK TABLE bootcamp_enrollments IN ACCESS EXCLUSIVE MODE"))
        with running(["scheduler"], env, log) as proc:
            # The pass is inside its job, blocked on the table: a lock it waits for.
            wait_until(lambda: _waiting_on_enrollments(worker_engine), timeout=60)
            began = time.monotonic()
            code = stop(proc, timeout=10)
            took = time.monotonic() - began
        blocker.rollback()

    assert code == 1
    assert 1 <= took < 4
    assert "shutdown_grace_exceeded" in log.read_text()
    with job_lock(worker_engine, "reconcile") as taken:
        assert taken


def test_an_idle_scheduler_stops_at_once_with_exit_0(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = env_for(database_url, redis_url, SHUTDOWN_GRACE_SECONDS="30")
    log = tmp_path / "scheduler.log"
    with running(["scheduler"], env, log) as proc:
        wait_until(lambda: "scheduled_job_finished" in log.read_text(), timeout=60)
        began = time.monotonic()
        assert stop(proc) == 0
        assert time.monotonic() - began < 5
    assert "scheduler_stopped" in log.read_text()
