"""The relay: several at once never send an event twice; it survives its
connection being killed; events written while it was down are sent when it starts."""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

import psycopg
import redis
import sqlalchemy as sa

from certflow.settings import Settings
from events.relay import GRACE_SECONDS, Relay
from tests.fixtures.database import wait_until
from tests.integration.helpers import drained, scalar


def _emit_orphans(engine: sa.Engine, n: int, prefix: str = "e") -> None:
    """n milestone events, straight into the outbox as a trigger would write them."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO event_outbox (kind, payload, idempotency_key)"
                " SELECT 'milestone.completed', CAST(:p AS jsonb), :prefix || g"
                " FROM generate_series(1, :n) g"
            ),
            {
                "p": json.dumps(
                    {"user_profile_id": "00000000-0000-0000-0000-000000000001", "milestone_id": "m"}
                ),
                "n": n,
                "prefix": prefix,
            },
        )


def _queued_message_ids(redis_url: str) -> list[str]:
    """Idempotency keys of every event waiting on the completion queue.

    milestone.completed events travel in batches: each batch message is
    opened, so an event sent twice shows up twice.
    """
    client = redis.Redis.from_url(redis_url)
    blobs = client.hvals(f"{os.environ['BROKER_NAMESPACE']}:completion.msgs")
    keys: list[str] = []
    for blob in blobs:
        message = json.loads(blob)
        payload = message["args"][0]
        if "events" in payload:
            keys += [event["idempotency_key"] for event in payload["events"]]
        else:
            keys.append(message["options"]["idempotency_key"])
    return keys


def _start(relay: Relay) -> threading.Thread:
    thread = threading.Thread(target=relay.run, daemon=True)
    thread.start()
    return thread


def test_three_relays_at_once_send_each_event_exactly_once(
    engine: sa.Engine, settings: Settings, broker: Any, redis_url: str
) -> None:
    small_batches = settings.model_copy(update={"relay_batch_size": 50})
    relays = [Relay(small_batches, broker) for _ in range(3)]
    threads = [_start(r) for r in relays]
    _emit_orphans(engine, 3000)

    wait_until(lambda: drained(engine), timeout=60)
    for r in relays:
        r.stop()
    for t in threads:
        t.join(10)

    ids = _queued_message_ids(redis_url)
    assert len(ids) == 3000
    assert len(set(ids)) == 3000
    assert sum(r.sent for r in relays) == 3000
    assert sum(1 for r in relays if r.sent > 0) >= 2, "the relays should share the work"


def test_events_written_while_the_relay_was_down_are_sent_when_it_starts(
    engine: sa.Engine, settings: Settings, broker: Any, redis_url: str
) -> None:
    _emit_orphans(engine, 120)
    assert _queued_message_ids(redis_url) == []

    relay = Relay(settings, broker)
    thread = _start(relay)
    wait_until(lambda: drained(engine))
    relay.stop()
    thread.join(10)

    assert len(set(_queued_message_ids(redis_url))) == 120


def test_relay_reconnects_after_its_connection_is_killed(
    engine: sa.Engine,
    settings: Settings,
    broker: Any,
    redis_url: str,
    database_name: str,
    pg_admin_url: str,
) -> None:
    relay = Relay(settings, broker)
    thread = _start(relay)
    _emit_orphans(engine, 10, prefix="before")
    wait_until(lambda: drained(engine))

    # The fault is injected by the cluster's superuser, as an operator would.
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = %s AND usename = 'certflow_test_worker'"
            " AND (query LIKE 'LISTEN%%' OR application_name = '')",
            (database_name,),
        ).fetchone()[0]  # type: ignore[index]
    assert killed >= 1
    _emit_orphans(engine, 10, prefix="after")

    wait_until(lambda: drained(engine), timeout=30)
    relay.stop()
    thread.join(10)
    assert thread.is_alive() is False
    assert len(set(_queued_message_ids(redis_url))) == 20


def _in_its_long_wait(pg_admin_url: str, database_name: str) -> bool:
    """The relay's session has sent nothing for ten grace periods: past its grace poll,
    it is blocked in the fallback poll's wait (read by the superuser, who sees every
    session's state)."""
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        row = admin.execute(
            "SELECT bool_and(state = 'idle'"
            "                AND now() - state_change > make_interval(secs => %s))"
            " FROM pg_stat_activity WHERE datname = %s AND usename = 'certflow_test_worker'",
            (10 * GRACE_SECONDS, database_name),
        ).fetchone()
    return bool(row and row[0])


def test_idle_relay_is_woken_by_notify_not_by_its_poll(
    engine: sa.Engine, settings: Settings, broker: Any, pg_admin_url: str, database_name: str
) -> None:
    """With a 10 s fallback poll, only NOTIFY can deliver within a second."""
    slow_poll = settings.model_copy(update={"relay_poll_seconds": 10.0})
    relay = Relay(slow_poll, broker)
    thread = _start(relay)
    wait_until(lambda: scalar(engine, "SELECT waiting FROM outbox_relay_state"))
    wait_until(lambda: _in_its_long_wait(pg_admin_url, database_name), timeout=5)

    started = time.monotonic()
    with engine.begin() as conn:
        conn.execute(
            sa.text("SELECT emit_event('milestone.completed', CAST(:p AS jsonb), 'k1')"),
            {
                "p": json.dumps(
                    {"user_profile_id": "00000000-0000-0000-0000-000000000001", "milestone_id": "m"}
                )
            },
        )
    wait_until(lambda: drained(engine), timeout=5, interval=0.005)
    elapsed = time.monotonic() - started
    relay.stop()
    thread.join(15)

    assert elapsed < 1.0


def test_relay_marks_itself_waiting_again_after_handling_an_event(
    engine: sa.Engine, settings: Settings, broker: Any
) -> None:
    relay = Relay(settings, broker)
    thread = _start(relay)
    wait_until(lambda: scalar(engine, "SELECT waiting FROM outbox_relay_state") is True)
    _emit_orphans(engine, 1)
    wait_until(lambda: drained(engine))
    wait_until(lambda: scalar(engine, "SELECT waiting FROM outbox_relay_state") is True)
    relay.stop()
    thread.join(10)
    assert relay.sent == 1
