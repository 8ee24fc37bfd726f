"""The ledger of processed idempotency keys (exactly-once effects)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from db.queries import query


@dataclass(frozen=True)
class LedgerKey:
    """Who is processing which message: the ledger row written with the effect."""

    actor: str
    idempotency_key: str
    message_id: str | None


def claim(conn: sa.Connection, actor: str, key: str, message_id: str | None) -> bool:
    """Record the key inside the caller's transaction; False if it was already recorded.

    The row commits with the effect or not at all, so a crash in between leaves
    the key free for the redelivery.
    """
    row = conn.execute(
        query("ledger_claim"), {"actor": actor, "key": key, "message_id": message_id}
    ).first()
    return row is not None


def release(conn: sa.Connection, actor: str, key: str) -> None:
    """Give a key back in the caller's transaction: the work it stood for was not done."""
    conn.execute(query("ledger_release"), {"actor": actor, "key": key})


def commit_without_flush(conn: sa.Connection) -> None:
    """Let the caller's transaction commit without waiting for the WAL flush.

    For a ledger row that only lets a redelivery skip work early: a crash may
    lose it (the pass runs again and finds its work done), and in a burst of
    a thousand messages each flush waited on a shared disk.
    """
    conn.execute(query("ledger_commit_without_flush"))
