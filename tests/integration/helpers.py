"""Small helpers shared by integration tests."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa


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
