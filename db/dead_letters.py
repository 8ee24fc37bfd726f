"""Dead letters: messages an admin must look at, and their replay."""

from __future__ import annotations

import json
from collections.abc import Sequence
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


@dataclass(frozen=True)
class Filters:
    """Which open dead letters an admin means; None matches everything."""

    ids: tuple[int, ...] | None = None
    queue: str | None = None
    actor: str | None = None
    error: str | None = None
    older_than_seconds: float | None = None
    newer_than_seconds: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The filters that were given, for the audit row."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items() if v}


def matching(conn: sa.Connection, filters: Filters, limit: int) -> list[dict[str, Any]]:
    params = {
        "ids": list(filters.ids) if filters.ids is not None else None,
        "queue": filters.queue,
        "actor": filters.actor,
        "error": filters.error,
        "older_than": filters.older_than_seconds,
        "newer_than": filters.newer_than_seconds,
        "limit": limit,
    }
    return [dict(row._mapping) for row in conn.execute(query("dead_letters_matching"), params)]


def existing(conn: sa.Connection, ids: Sequence[int]) -> list[int]:
    """Which of ``ids`` are dead letters at all (open, replayed or purged)."""
    return list(conn.execute(query("dead_letters_existing"), {"ids": list(ids)}).scalars())


def one(conn: sa.Connection, letter_id: int) -> dict[str, Any] | None:
    row = conn.execute(query("dead_letter_one"), {"id": letter_id}).first()
    return None if row is None else dict(row._mapping)


def effects(conn: sa.Connection, ids: list[int]) -> dict[int, str | None]:
    """Per letter id, the effect that already happened (None: replay would do the work)."""
    rows = conn.execute(query("dead_letter_effects"), {"ids": ids})
    return {row.id: row.already for row in rows}


def replay_many(conn: sa.Connection, ids: list[int]) -> list[int]:
    """Mark the open ones among ``ids`` replayed and re-send each through the outbox."""
    return [row.id for row in conn.execute(query("dead_letters_replay_many"), {"ids": ids})]


def purge_many(conn: sa.Connection, ids: list[int], by: str) -> list[int]:
    rows = conn.execute(query("dead_letters_purge_many"), {"ids": ids, "by": by})
    return [row.id for row in rows]


def per_queue(conn: sa.Connection) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in conn.execute(query("dead_letters_per_queue"))]


def selection(conn: sa.Connection, audit_id: int, command: str) -> list[int] | None:
    """The letter ids a dry run of ``command`` froze (its selection), or None."""
    row = conn.execute(query("dead_letter_selection"), {"id": audit_id, "command": command}).first()
    return None if row is None else [int(i) for i in row.ids]
