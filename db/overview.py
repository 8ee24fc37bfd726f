"""The database half of the status overview: backlog, cohorts, locks, failures, transactions."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from db import dead_letters
from db.queries import query

#: The source's weekly review flags claim locks older than 10 minutes.
STALE_LOCK_SECONDS = 600


def _all(conn: sa.Connection, name: str, **params: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in conn.execute(query(name), params)]


def gather(conn: sa.Connection, chain_id: int, limit: int = 50) -> dict[str, Any]:
    """Everything the overview reads from Postgres, in one read transaction."""
    return {
        "dead_letters": dead_letters.per_queue(conn),
        "outbox": dict(conn.execute(query("overview_outbox")).one()._mapping),
        "cohorts": _all(conn, "overview_cohorts"),
        "stale_claim_locks": _all(
            conn, "overview_stale_locks", older_than=STALE_LOCK_SECONDS, limit=limit
        ),
        "failures": _all(conn, "overview_failures", limit=limit),
        "pending_transactions": _all(
            conn, "overview_pending_transactions", chain_id=chain_id, limit=limit
        ),
    }


def last_signer(conn: sa.Connection, chain_id: int) -> str | None:
    """The signer of the latest transaction on this chain (when no key is at hand)."""
    value = conn.execute(query("overview_last_signer"), {"chain_id": chain_id}).scalar()
    return None if value is None else str(value)
