"""Completion state transitions: the batch check of milestone events and the admin repairs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from db.engine import wrap_db_errors
from db.queries import query


@dataclass(frozen=True)
class BatchItem:
    """One milestone.completed event of a batch."""

    idempotency_key: str
    user_profile_id: UUID
    milestone_id: str


@dataclass(frozen=True)
class ItemResult:
    idempotency_key: str
    outcome: str  # completed, incomplete, already_completed, duplicate, or a bad-event outcome
    enrollment_id: str | None
    cohort_id: str | None

    @property
    def bad(self) -> bool:
        """The event names a milestone or an enrollment that does not exist (no key kept)."""
        return self.outcome in ("unknown_milestone", "no_enrollment")


def handle_milestones_completed(
    engine: sa.Engine, actor: str, message_id: str, items: list[BatchItem]
) -> list[ItemResult]:
    """Record every key and apply the completion rule for the whole batch in one statement.

    Autocommit on purpose, as for one event: the SQL function is the transaction.
    """
    events = [
        {"key": i.idempotency_key, "user_profile_id": str(i.user_profile_id),
         "milestone_id": i.milestone_id}
        for i in items
    ]  # fmt: skip
    params = {"actor": actor, "message_id": message_id, "events": json.dumps(events)}
    with wrap_db_errors(), engine.connect() as conn:
        rows: list[dict[str, Any]] = (
            conn.execution_options(isolation_level="AUTOCOMMIT")
            .execute(query("handle_milestones_completed"), params)
            .scalar_one()
        )
    return [
        ItemResult(r["key"], r["outcome"], r.get("enrollment_id"), r.get("cohort_id")) for r in rows
    ]


def fix_status(conn: sa.Connection, enrollment_id: UUID) -> dict[str, Any]:
    """The source's fix_completion_status, same JSON."""
    return dict(
        conn.execute(query("fix_completion_status"), {"enrollment_id": enrollment_id}).scalar_one()
    )


def fix_statuses(conn: sa.Connection, cohort_id: str, limit: int = 500) -> dict[str, Any]:
    """Every eligible enrollment of the cohort (up to ``limit``) fixed in one statement;
    an unknown cohort is refused with the source's message."""
    if not conn.execute(query("cohort_exists"), {"cohort_id": cohort_id}).scalar_one():
        return {"success": False, "message": "Cohort not found"}
    return dict(
        conn.execute(
            query("fix_completion_statuses"), {"cohort_id": cohort_id, "limit": limit}
        ).scalar_one()
    )


def force_clear_claim_lock(conn: sa.Connection, enrollment_id: UUID) -> dict[str, Any]:
    return dict(
        conn.execute(query("force_clear_claim_lock"), {"enrollment_id": enrollment_id}).scalar_one()
    )
