"""The delivery engine as deployed: `certflow relay` and `certflow worker --queues webhooks`
as real processes, killed with SIGKILL, Redis emptied under them, one reconcile pass."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from subprocess import Popen

import pytest
import sqlalchemy as sa

from certflow.settings import Settings
from issuance.operations.reconcile import reconcile_once
from tests.acceptance.processes import env_for, kill, start, stop
from tests.fixtures.database import clear_queues, wait_until
from tests.integration.helpers import drained
from tests.integration.webhooks.conftest import (
    WEBHOOK_ENV,
    World,
    deliveries,
    endpoint,
    unlock,
    wait_delivered,
)
from tests.integration.webhooks.receiver import Receiver, always

pytestmark = pytest.mark.slow

WORKER = ["worker", "--queues", "webhooks", "--processes", "1", "--threads", "8"]


@pytest.fixture
def env(database_url: str, redis_url: str) -> dict[str, str]:
    return env_for(
        database_url,
        redis_url,
        BROKER_NAMESPACE=os.environ["BROKER_NAMESPACE"],
        # A killed worker's messages go back to the queue within a second or so.
        WORKER_HEARTBEAT_TIMEOUT_MS="1000",
        BROKER_MAINTENANCE_CHANCE="1000000",
        **WEBHOOK_ENV,
    )


@pytest.fixture
def relay(env: dict[str, str], tmp_path: Path, redis_url: str) -> Iterator[Popen[bytes]]:
    clear_queues(redis_url, os.environ["BROKER_NAMESPACE"])
    proc = start(["relay"], env, tmp_path / "relay.log")
    yield proc
    stop(proc)
    clear_queues(redis_url, os.environ["BROKER_NAMESPACE"])


def test_kill_9_mid_delivery_still_delivers_once_under_the_same_id(
    engine: sa.Engine,
    world: World,
    receiver: Receiver,
    env: dict[str, str],
    relay: Popen[bytes],
    tmp_path: Path,
) -> None:
    released = threading.Event()
    receiver.hold_first["/slow"] = released
    endpoint(engine, receiver, "/slow")
    first = start(WORKER, env, tmp_path / "worker-1.log")
    try:
        unlock(engine, world.learner)
        wait_until(lambda: receiver.counts.get("/slow") == 1, timeout=60)
    finally:
        kill(first)  # SIGKILL mid-delivery: the request is in the receiver's hands
    released.set()
    second = start(WORKER, env, tmp_path / "worker-2.log")
    try:
        wait_delivered(engine, 1, timeout=60)
    finally:
        stop(second)
    got = receiver.of("/slow")
    assert len(got) == 2
    assert got[0].webhook_id == got[1].webhook_id
    assert got[1].verified_by == (0,)
    (row,) = deliveries(engine)
    assert (row.id, row.status, row.attempts) == (got[0].webhook_id, "delivered", 2)


def test_redis_emptied_then_one_reconcile_pass_delivers_everything(
    engine: sa.Engine,
    world: World,
    receiver: Receiver,
    env: dict[str, str],
    relay: Popen[bytes],
    settings: Settings,
    worker_engine: sa.Engine,
    redis_url: str,
    tmp_path: Path,
) -> None:
    receiver.scripts["/r"] = always(500)
    endpoint(engine, receiver, "/r")
    env = {**env, "WEBHOOK_RETRY_SCHEDULE": "1h"}
    worker = start(WORKER, env, tmp_path / "worker-1.log")
    try:
        unlock(engine, world.learner, 10)  # attempted once; the next attempt in an hour
        wait_until(lambda: len(receiver.of("/r")) == 10, timeout=60)
        wait_until(lambda: all(d.attempts == 1 and d.next_attempt_at for d in deliveries(engine)))
    finally:
        kill(worker)
    unlock(engine, world.learner, 5)  # no worker: their fan-out waits in Redis
    wait_until(lambda: drained(engine))
    clear_queues(redis_url, os.environ["BROKER_NAMESPACE"])  # Redis loses everything
    with engine.begin() as conn:  # the hour passes
        conn.execute(
            sa.text("UPDATE webhook_deliveries SET next_attempt_at = now() - interval '1 minute'")
        )
        conn.execute(sa.text("UPDATE webhook_endpoints SET backoff_until = NULL"))
    receiver.scripts["/r"] = always(200)
    worker = start(WORKER, env, tmp_path / "worker-2.log")
    try:
        healing = settings.model_copy(update={"reconcile_after_seconds": 0})
        report = reconcile_once(healing, worker_engine, {})
        assert (report["webhook_fan_outs"], report["webhook_resends"]) == (5, 10)
        wait_delivered(engine, 15, timeout=60)
    finally:
        stop(worker)
    assert len(deliveries(engine)) == 15
    ids = [r.webhook_id for r in receiver.of("/r") if r.status == 200]
    assert len(ids) == len(set(ids)) == 15
    assert all(r.verified_by == (0,) for r in receiver.of("/r"))


def _distinct(receiver: Receiver, path: str) -> int:
    return len({r.webhook_id for r in receiver.of(path)})


def test_a_dead_endpoint_does_not_delay_the_others(
    engine: sa.Engine,
    world: World,
    receiver: Receiver,
    env: dict[str, str],
    relay: Popen[bytes],
    tmp_path: Path,
) -> None:
    """1,000 events to three endpoints, one never answers: the two others get all 1,000."""
    receiver.hang.add("/dead")
    for path in ("/a", "/b", "/dead"):
        endpoint(engine, receiver, path)
    workers = ["worker", "--queues", "webhooks", "--processes", "2", "--threads", "8"]
    worker = start(workers, env, tmp_path / "worker.log")
    try:
        time.sleep(1)  # the worker's start, not counted
        started = time.monotonic()
        unlock(engine, world.learner, 1000)
        wait_until(
            lambda: _distinct(receiver, "/a") >= 1000 and _distinct(receiver, "/b") >= 1000, 120
        )
        elapsed = time.monotonic() - started
    finally:
        stop(worker)
    print(f"1000 events to two live endpoints (and a dead one): {elapsed:.1f} s")
    assert elapsed < 90
    for path in ("/a", "/b"):
        assert all(r.verified_by == (0,) for r in receiver.of(path))
