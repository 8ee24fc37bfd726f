"""Durability with the real processes: nothing written while they are down is
lost, and killing them mid-flight does not do anything twice."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import redis
import sqlalchemy as sa

from db import seed
from tests.acceptance.processes import env_for, kill, running, start, stop
from tests.fixtures.database import wait_until
from tests.integration.helpers import drained, processed, scalar

pytestmark = pytest.mark.slow


def _cohort_with_all_milestones_done(
    engine: sa.Engine, learners: int, milestones: int
) -> seed.Cohort:
    with engine.begin() as conn:
        cohort = seed.create_cohort(conn, bootcamp_id="b1", cohort_id="c1", milestones=milestones)
        seed.enroll_learners(conn, cohort, [f"Learner {i}" for i in range(learners)])
        for user in cohort.learners:
            for m in cohort.milestone_ids:
                seed.complete_milestone(conn, user, m)
    return cohort


def _completed(engine: sa.Engine) -> int:
    return int(
        scalar(
            engine,
            "SELECT count(*) FROM bootcamp_enrollments WHERE enrollment_status = 'completed'",
        )
    )


def _assert_each_completed_once(engine: sa.Engine, learners: int) -> None:
    assert _completed(engine) == learners
    assert (
        scalar(
            engine,
            "SELECT count(*) FROM user_activities WHERE activity_type = 'bootcamp_completed'",
        )
        == learners
    )
    assert (
        scalar(
            engine, "SELECT count(DISTINCT activity_data ->> 'enrollment_id') FROM user_activities"
        )
        == learners
    )
    assert (
        scalar(engine, "SELECT count(*) FROM event_outbox WHERE kind = 'enrollment.completed'")
        == learners
    )
    assert scalar(engine, "SELECT count(*) FROM dead_letters") == 0


def test_thousand_completions_written_while_stopped_are_all_processed_once(
    engine: sa.Engine, database_url: str, redis_url: str, broker: object, tmp_path: Path
) -> None:
    _cohort_with_all_milestones_done(engine, learners=250, milestones=4)
    assert scalar(engine, "SELECT count(*) FROM event_outbox") == 1000
    assert _completed(engine) == 0

    env = env_for(database_url, redis_url)
    with (
        running(["relay"], env, tmp_path / "relay.log") as relay,
        running(
            ["worker", "--processes", "1", "--threads", "8"], env, tmp_path / "worker.log"
        ) as worker,
    ):
        wait_until(lambda: _completed(engine) == 250, timeout=120, interval=0.2)
        wait_until(lambda: drained(engine), timeout=30)
        wait_until(
            lambda: processed(engine) == 1000,
            timeout=30,
        )
        assert stop(relay) == 0
        assert stop(worker) == 0

    _assert_each_completed_once(engine, 250)


def _heartbeats_expired(redis_url: str, namespace: str, timeout_ms: int) -> bool:
    """Every process of this run's broker namespace last beat over ``timeout_ms`` ago, so
    the next broker maintenance takes the dead worker's unacknowledged messages back."""
    client = redis.Redis.from_url(redis_url)
    newest = client.zrevrange(f"{namespace}:__heartbeats__", 0, 0, withscores=True)
    return not newest or time.time() * 1000 - float(newest[0][1]) > timeout_ms


def test_killing_relay_and_worker_mid_flight_loses_nothing_and_repeats_nothing(
    engine: sa.Engine, database_url: str, redis_url: str, broker: Any, tmp_path: Path
) -> None:
    _cohort_with_all_milestones_done(engine, learners=300, milestones=3)
    env = env_for(
        database_url,
        redis_url,
        RELAY_BATCH_SIZE="20",
        WORKER_HEARTBEAT_TIMEOUT_MS="2000",
        BROKER_MAINTENANCE_CHANCE="200000",
    )

    relay = start(["relay"], env, tmp_path / "relay.log")
    worker = start(["worker", "--processes", "1", "--threads", "4"], env, tmp_path / "worker.log")
    wait_until(
        lambda: processed(engine) >= 100,
        timeout=60,
        interval=0.01,
    )
    kill(worker)
    kill(relay)
    done_at_kill = processed(engine)
    assert done_at_kill < 900, "the kill came too late to prove anything"

    wait_until(lambda: _heartbeats_expired(redis_url, broker.namespace, 2000), timeout=10)
    with (
        running(["relay"], env, tmp_path / "relay2.log") as relay2,
        running(
            ["worker", "--processes", "1", "--threads", "8"], env, tmp_path / "worker2.log"
        ) as worker2,
    ):
        wait_until(
            lambda: processed(engine) == 900,
            timeout=120,
            interval=0.2,
        )
        wait_until(lambda: _completed(engine) == 300, timeout=30)
        assert stop(relay2) == 0
        assert stop(worker2) == 0

    _assert_each_completed_once(engine, 300)
