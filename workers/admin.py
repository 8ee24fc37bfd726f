"""Admin operations on dead letters."""

from __future__ import annotations

from typing import Any

from certflow.settings import Settings
from db import dead_letters, outbox
from db.engine import make_engine, transaction


def list_dead_letters(settings: Settings, limit: int = 100) -> list[dict[str, Any]]:
    with transaction(make_engine(settings, pool_size=1)) as conn:
        return [dict(row._mapping) for row in dead_letters.open_letters(conn, limit)]


def replay_dead_letters(settings: Settings, ids: list[int] | None) -> list[int]:
    """Re-send dead letters through the outbox, each to its own actor only.

    The replay keeps the original idempotency key, so a letter whose effect did
    happen after all (or that is replayed twice) still has one effect.
    """
    engine = make_engine(settings, pool_size=1)
    with transaction(engine) as conn:
        if ids is None:
            ids = [row.id for row in dead_letters.open_letters(conn, limit=10_000)]
        replayed = []
        for letter_id in ids:
            row = dead_letters.take_for_replay(conn, letter_id)
            if row is None:
                continue
            outbox.emit(
                conn,
                "replay",
                {
                    "actor": row.actor,
                    "payload": row.payload,
                    "idempotency_key": row.idempotency_key,
                    "outbox_id": row.outbox_id,
                },
                f"replay:{row.id}",
            )
            replayed.append(row.id)
    engine.dispose()
    return replayed
