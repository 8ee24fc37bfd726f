"""Achievements, streaks and activities: the SQL functions of migration 0014 from Python."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from certflow.errors import UnknownUser
from db.engine import translate, wrap_db_errors
from db.queries import query

#: SQLSTATE record_activity raises for a user it does not know.
_FOREIGN_KEY_VIOLATION = "23503"


@dataclass(frozen=True)
class EventRef:
    """One event for the engine: its kind, its idempotency key and whose it is."""

    kind: str
    key: str
    user_profile_id: UUID | None = None
    enrollment_id: UUID | None = None

    def as_json(self) -> dict[str, str | None]:
        return {
            "kind": self.kind,
            "key": self.key,
            "user_profile_id": None if self.user_profile_id is None else str(self.user_profile_id),
            "enrollment_id": None if self.enrollment_id is None else str(self.enrollment_id),
        }


@dataclass(frozen=True)
class Evaluation:
    """What one evaluation did: keys evaluated (the rest were replays), keys whose learner
    is unknown, the awards made, and how many progress rows moved."""

    evaluated: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    awarded: list[dict[str, str]] = field(default_factory=list)
    progress_updated: int = 0


def evaluate(
    engine: sa.Engine, *, actor: str, message_id: str, events: list[EventRef]
) -> Evaluation:
    """Record the keys, refresh streaks and award, atomically, in one statement.

    Autocommit on purpose, as for check_completion: the SQL function is the
    transaction, so a whole batch of events costs one round trip.
    """
    params = {
        "actor": actor,
        "message_id": message_id,
        "events": json.dumps([event.as_json() for event in events]),
    }
    with wrap_db_errors(), engine.connect() as conn:
        result: dict[str, Any] = (
            conn.execution_options(isolation_level="AUTOCOMMIT")
            .execute(query("evaluate_achievements"), params)
            .scalar_one()
        )
    return Evaluation(
        evaluated=list(result["evaluated"]),
        unknown=list(result["unknown"]),
        awarded=list(result["awarded"]),
        progress_updated=int(result["progress_updated"]),
    )


def record_activity(
    conn: sa.Connection,
    user_profile_id: UUID,
    kind: str,
    occurred_at: datetime,
    data: dict[str, Any] | None = None,
) -> UUID:
    """The activity row and its activity.recorded event, in the caller's transaction."""
    params = {
        "user_profile_id": user_profile_id,
        "kind": kind,
        "occurred_at": occurred_at,
        "data": json.dumps(data or {}),
    }
    try:
        with conn.begin_nested():
            value = conn.execute(query("record_activity"), params).scalar_one()
    except sa_exc.DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == _FOREIGN_KEY_VIOLATION:
            diag = getattr(exc.orig, "diag", None)
            raise UnknownUser(getattr(diag, "message_primary", None) or str(exc.orig)) from exc
        raise translate(exc) from exc
    return UUID(str(value))


def rebuild_streaks(conn: sa.Connection, user_profile_id: UUID | None = None) -> int:
    """Streaks recomputed from the activity log (one learner, or everyone); rows written."""
    users = None if user_profile_id is None else [str(user_profile_id)]
    with wrap_db_errors():
        value = conn.execute(query("rebuild_streaks"), {"user_profile_ids": users}).scalar_one()
    return int(value)


def dashboard(conn: sa.Connection, user_profile_id: UUID, within_reach: int = 3) -> dict[str, Any]:
    """The learner's achievements with progress, points, streaks and what is within reach."""
    with wrap_db_errors():
        value = conn.execute(
            query("achievement_dashboard"),
            {"user_profile_id": user_profile_id, "within_reach": within_reach},
        ).scalar_one()
    return dict(value)


def validate_milestone(
    conn: sa.Connection,
    user_profile_id: UUID,
    milestone_id: str,
    *,
    approved: bool,
    note: str | None = None,
) -> dict[str, Any]:
    """An instructor's decision on a submitted manual milestone (RLS decides who may)."""
    params = {
        "user_profile_id": user_profile_id,
        "milestone_id": milestone_id,
        "approved": approved,
        "note": note,
    }
    with wrap_db_errors():
        return dict(conn.execute(query("validate_milestone"), params).scalar_one())
