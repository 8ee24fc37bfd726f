"""Dead letters: messages an admin must look at, and their replay."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from db.queries import query


@dataclass(frozen=True)
class DeadLetter:
    actor: str
    queue: str
    message_id: str
    idempotency_key: str | None
    enrollment_id: str | None
    outbox_id: int | None
    payload: dict[str, Any]
    error_type: str
    reason: str
    permanent: bool
    retries: int


def record(conn: sa.Connection, letter: DeadLetter) -> int:
    params = {**letter.__dict__, "payload": json.dumps(letter.payload, default=str)}
    return int(conn.execute(query("dead_letter_insert"), params).scalar_one())


def open_letters(conn: sa.Connection, limit: int = 100) -> list[sa.Row[Any]]:
    return list(conn.execute(query("dead_letters_open"), {"limit": limit}).all())


def take_for_replay(conn: sa.Connection, letter_id: int) -> sa.Row[Any] | None:
    """Mark a letter replayed; the caller re-sends it in the same transaction."""
    return conn.execute(query("dead_letter_take"), {"id": letter_id}).first()
