"""The transactional outbox: claiming, dispatching and parking events."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from db.queries import query


@dataclass(frozen=True)
class OutboxEvent:
    id: int
    kind: str
    payload: Any
    idempotency_key: str


def emit(conn: sa.Connection, kind: str, payload: dict[str, Any], idempotency_key: str) -> None:
    """Write an event in the caller's transaction (a second write of the key is a no-op)."""
    conn.execute(
        query("emit_event"),
        {"kind": kind, "payload": json.dumps(payload), "idempotency_key": idempotency_key},
    )


def claim_batch(conn: sa.Connection, limit: int) -> list[OutboxEvent]:
    """Lock up to ``limit`` pending events; other relays skip them until we commit."""
    rows = conn.execute(query("outbox_claim_batch"), {"limit": limit}).all()
    return [OutboxEvent(r.id, r.kind, r.payload, r.idempotency_key) for r in rows]


def mark_dispatched(conn: sa.Connection, ids: list[int]) -> None:
    if ids:
        conn.execute(query("outbox_mark_dispatched"), {"ids": ids})


def mark_failed(conn: sa.Connection, event_id: int, error: str) -> None:
    conn.execute(query("outbox_mark_failed"), {"id": event_id, "error": error})


def set_waiting(conn: sa.Connection, waiting: bool) -> None:
    conn.execute(query("outbox_set_waiting"), {"waiting": waiting})


def counts(conn: sa.Connection) -> dict[str, int]:
    row = conn.execute(query("outbox_counts")).one()
    return {"pending": row.pending, "dispatched": row.dispatched, "failed": row.failed}


def failed(conn: sa.Connection, limit: int = 100) -> list[sa.Row[Any]]:
    return list(conn.execute(query("outbox_failed"), {"limit": limit}).all())


def retry_failed(conn: sa.Connection, event_id: int | None) -> list[int]:
    """Put parked events back in line (after the payload or the code was fixed)."""
    return [r.id for r in conn.execute(query("outbox_retry_failed"), {"id": event_id})]
