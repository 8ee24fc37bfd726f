"""Helpers for the achievement tests: learners, activities and the engine, called as apps and
the actor call them (real SQL functions on a real database)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

ACTOR = "evaluate_achievements"


def learner(
    engine: sa.Engine, *, time_zone: str = "UTC", community: str = "default", name: str = "Ada"
) -> UUID:
    with engine.begin() as conn:
        return UUID(
            str(
                conn.execute(
                    sa.text(
                        "INSERT INTO user_profiles (display_name, time_zone, community_id)"
                        " VALUES (:n, :tz, :c) RETURNING id"
                    ),
                    {"n": name, "tz": time_zone, "c": community},
                ).scalar_one()
            )
        )


def evaluate(
    engine: sa.Engine,
    kind: str,
    user: UUID | None = None,
    enrollment: UUID | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    """What the actor runs for one event (a fresh key unless one is given): its outcome
    (evaluated, duplicate or unknown_user) and the codes it awarded."""
    event = {
        "kind": kind,
        "key": key or f"{kind}:{uuid.uuid4()}",
        "user_profile_id": None if user is None else str(user),
        "enrollment_id": None if enrollment is None else str(enrollment),
    }
    with engine.begin() as conn:
        result = conn.execute(
            sa.text("SELECT evaluate_achievements(:a, :m, CAST(:events AS jsonb))"),
            {"a": ACTOR, "m": str(uuid.uuid4()), "events": json.dumps([event])},
        ).scalar_one()
    outcome = (
        "evaluated" if result["evaluated"] else "unknown_user" if result["unknown"] else "duplicate"
    )
    return {"outcome": outcome, "awarded": [a["code"] for a in result["awarded"]]}


def record(engine: sa.Engine, user: UUID, kind: str, at: datetime | str) -> UUID:
    with engine.begin() as conn:
        return UUID(
            str(
                conn.execute(
                    sa.text("SELECT record_activity(:u, :k, CAST(:at AS timestamptz))"),
                    {"u": user, "k": kind, "at": at},
                ).scalar_one()
            )
        )


def unlocked(engine: sa.Engine, user: UUID) -> set[str]:
    with engine.connect() as conn:
        return set(
            conn.execute(
                sa.text(
                    "SELECT a.code FROM user_achievements ua"
                    " JOIN achievements a ON a.id = ua.achievement_id"
                    " WHERE ua.user_profile_id = :u AND ua.unlocked_at IS NOT NULL"
                ),
                {"u": user},
            ).scalars()
        )


def unlock_events(engine: sa.Engine, user: UUID) -> list[str]:
    """Codes of the achievement.unlocked events in the outbox for ``user``, with repeats."""
    with engine.connect() as conn:
        return sorted(
            conn.execute(
                sa.text(
                    "SELECT payload ->> 'code' FROM event_outbox"
                    " WHERE kind = 'achievement.unlocked' AND payload ->> 'user_profile_id' = :u"
                ),
                {"u": str(user)},
            ).scalars()
        )


def progress(engine: sa.Engine, user: UUID, code: str) -> tuple[int, int] | None:
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT ua.progress_current, ua.progress_target FROM user_achievements ua"
                " JOIN achievements a ON a.id = ua.achievement_id"
                " WHERE ua.user_profile_id = :u AND a.code = :c"
            ),
            {"u": user, "c": code},
        ).first()
    return None if row is None else (row[0], row[1])


def streak(engine: sa.Engine, user: UUID, kind: str = "any") -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT current_streak, longest_streak, last_active_date, active_days"
                " FROM user_streaks WHERE user_profile_id = :u AND streak_kind = :k"
            ),
            {"u": user, "k": kind},
        ).first()
    assert row is not None, f"no {kind} streak row for {user}"
    return dict(row._mapping)


def cohort(
    engine: sa.Engine,
    cohort_id: str,
    *,
    milestones: int = 1,
    xp: int = 100,
    start_date: str | None = None,
    end_date: str | None = None,
    bootcamp: str = "b1",
    community: str = "default",
) -> list[str]:
    """A bootcamp (if new), a cohort and its milestones; returns the milestone ids."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO bootcamp_programs (id, name, community_id) VALUES (:b, :b, :c)"
                " ON CONFLICT (id) DO NOTHING"
            ),
            {"b": bootcamp, "c": community},
        )
        conn.execute(
            sa.text(
                "INSERT INTO cohorts (id, bootcamp_program_id, name, start_date)"
                " VALUES (:id, :b, :id, CAST(:s AS date))"
            ),
            {"id": cohort_id, "b": bootcamp, "s": start_date},
        )
        ids = [f"{cohort_id}-m{i + 1}" for i in range(milestones)]
        conn.execute(
            sa.text(
                "INSERT INTO cohort_milestones (id, cohort_id, name, order_index, total_reward,"
                " end_date) VALUES (:id, :c, :id, :i, :xp, CAST(:end AS date))"
            ),
            [
                {"id": m, "c": cohort_id, "i": i, "xp": xp, "end": end_date}
                for i, m in enumerate(ids)
            ],
        )
    return ids


def enroll(engine: sa.Engine, user: UUID, cohort_id: str) -> UUID:
    with engine.begin() as conn:
        return UUID(
            str(
                conn.execute(
                    sa.text(
                        "INSERT INTO bootcamp_enrollments (user_profile_id, cohort_id)"
                        " VALUES (:u, :c) RETURNING id"
                    ),
                    {"u": user, "c": cohort_id},
                ).scalar_one()
            )
        )


def complete(engine: sa.Engine, user: UUID, milestone_ids: list[str]) -> None:
    """What an app does: each milestone's progress row set to completed."""
    with engine.begin() as conn:
        for m in milestone_ids:
            conn.execute(
                sa.text(
                    "INSERT INTO user_milestone_progress (user_profile_id, milestone_id, status)"
                    " VALUES (:u, :m, 'completed') ON CONFLICT (user_profile_id, milestone_id)"
                    " DO UPDATE SET status = 'completed'"
                ),
                {"u": user, "m": m},
            )


def complete_enrollment(engine: sa.Engine, enrollment: UUID) -> bool:
    """What check_completion does once the milestones are done."""
    with engine.begin() as conn:
        return bool(
            conn.execute(
                sa.text("SELECT complete_enrollment(:e, 'automatic')"), {"e": enrollment}
            ).scalar_one()
        )


def validate(
    api_engine: sa.Engine,
    instructor: UUID,
    user: UUID,
    milestone: str,
    ok: bool = True,
    note: str | None = None,
    community: str = "default",
) -> dict[str, Any]:
    """What the API does for an instructor whose token it verified: validate_milestone as
    certflow_instructor, naming the community and the instructor."""
    from tests.fixtures.tenancy import act_as

    with api_engine.begin() as conn:
        act_as(conn, "certflow_instructor", community, instructor)
        return dict(
            conn.execute(
                sa.text("SELECT validate_milestone(:u, :m, :ok, :note)"),
                {"u": user, "m": milestone, "ok": ok, "note": note},
            ).scalar_one()
        )
