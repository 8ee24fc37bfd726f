"""Small helpers shared by integration tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import dramatiq
import sqlalchemy as sa

from certflow.settings import Settings


def scalar(engine: sa.Engine, statement: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.text(statement), params).scalar()


def rows(engine: sa.Engine, statement: str, **params: Any) -> list[sa.Row[Any]]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(statement), params).all())


def enrollment_status(engine: sa.Engine, enrollment_id: UUID) -> str:
    return str(
        scalar(
            engine,
            "SELECT enrollment_status FROM bootcamp_enrollments WHERE id = :id",
            id=enrollment_id,
        )
    )


def completion_activities(engine: sa.Engine, enrollment_id: UUID) -> list[sa.Row[Any]]:
    return rows(
        engine,
        "SELECT activity_data FROM user_activities WHERE activity_type = 'bootcamp_completed'"
        " AND activity_data ->> 'enrollment_id' = :id",
        id=str(enrollment_id),
    )


def processed(engine: sa.Engine, actor: str = "check_completion") -> int:
    return int(scalar(engine, "SELECT count(*) FROM processed_messages WHERE actor = :a", a=actor))


def drained(engine: sa.Engine) -> bool:
    """Every outbox event dispatched or parked."""
    pending = scalar(
        engine,
        "SELECT count(*) FROM event_outbox WHERE dispatched_at IS NULL AND failed_at IS NULL",
    )
    return int(pending) == 0


def replay_dead_letters(settings: Any, ids: list[int] | None) -> list[int]:
    """What `certflow dead-letters replay IDS|--all` does, on a one-test engine as the
    admin login ``settings`` names: the named letters, or every open one (``None``)."""
    from db.dead_letters import Filters
    from db.engine import make_engine
    from issuance.operations.dead_letters import replay, select

    engine = make_engine(settings, pool_size=1)
    try:
        return replay(engine, ids if ids is not None else select(engine, Filters()))
    finally:
        engine.dispose()


@contextlib.contextmanager
def worker_process(settings: Settings, *queues: str) -> Iterator[dramatiq.Worker]:
    """What one `certflow worker` process runs: its own runtime and broker, these queues."""
    from workers.actors import declare_actors
    from workers.runtime import Runtime

    runtime = Runtime.build(settings)
    declare_actors(runtime)
    worker = dramatiq.Worker(
        runtime.broker, queues=set(queues), worker_threads=4, worker_timeout=50
    )
    worker.start()
    try:
        yield worker
    finally:
        worker.stop(timeout=10_000)
        runtime.close()


def processed_events(engine: sa.Engine, actor: str, kind: str) -> int:
    """How many events of ``kind`` ``actor`` recorded in its ledger."""
    return int(
        scalar(
            engine,
            "SELECT count(*) FROM processed_messages p JOIN event_outbox o"
            " ON o.idempotency_key = p.idempotency_key WHERE p.actor = :a AND o.kind = :k",
            a=actor,
            k=kind,
        )
    )


def sent_long_ago(owner_engine: sa.Engine, kind: str) -> None:
    """The events of ``kind`` were sent ten minutes ago (their messages are long gone)."""
    with owner_engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE event_outbox SET dispatched_at = now() - interval '10 minutes'"
                " WHERE kind = :k"
            ),
            {"k": kind},
        )
