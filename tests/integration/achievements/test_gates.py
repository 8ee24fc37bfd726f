"""Milestone gates: prerequisites refused by the database, manual validation, attempts."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import psycopg
import pytest
import sqlalchemy as sa

from tests.fixtures.database import wait_until
from tests.integration.achievements import support as s
from tests.integration.helpers import drained, enrollment_status, rows, scalar


def _gated_cohort(engine: sa.Engine, manual: bool = False) -> list[str]:
    """Three milestones; the third needs the first two (and, if ``manual``, an instructor)."""
    ids = s.cohort(engine, "c1", milestones=3)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE cohort_milestones SET prerequisite_milestone_ids = :pre,"
                " validation_type = :v WHERE id = :id"
            ),
            {"pre": ids[:2], "v": "manual" if manual else "automatic", "id": ids[2]},
        )
    return ids


def _status(engine: sa.Engine, user: UUID, milestone: str) -> tuple[str, int]:
    row = rows(
        engine,
        "SELECT status, attempts FROM user_milestone_progress"
        " WHERE user_profile_id = :u AND milestone_id = :m",
        u=user,
        m=milestone,
    )[0]
    return row.status, row.attempts


def _validate(api: sa.Engine, instructor: UUID, user: UUID, milestone: str, ok: bool) -> Any:
    return s.validate(api, instructor, user, milestone, ok, "see notes")


def test_completing_a_milestone_before_its_prerequisites_is_refused(engine: sa.Engine) -> None:
    ids = _gated_cohort(engine)
    user = s.learner(engine)
    s.complete(engine, user, ids[:1])
    with pytest.raises(sa.exc.IntegrityError) as refused:
        s.complete(engine, user, ids[2:])
    orig = refused.value.orig
    assert isinstance(orig, psycopg.Error)
    message = str(orig).splitlines()[0]
    assert message == ('Cannot complete milestone "c1-m3" before its prerequisites: c1-m2 (c1-m2)')
    assert orig.diag.message_hint == "Complete the prerequisite milestones first."
    assert (
        scalar(
            engine, "SELECT count(*) FROM event_outbox WHERE payload ->> 'milestone_id' = 'c1-m3'"
        )
        == 0
    )

    s.complete(engine, user, ids[1:])  # the second, then the third: accepted in order
    assert _status(engine, user, ids[2]) == ("completed", 1)


def test_an_update_into_completed_is_gated_too(engine: sa.Engine) -> None:
    ids = _gated_cohort(engine)
    user = s.learner(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO user_milestone_progress (user_profile_id, milestone_id, status)"
                " VALUES (:u, :m, 'in_progress')"
            ),
            {"u": user, "m": ids[2]},
        )
    with pytest.raises(
        sa.exc.IntegrityError, match=re.escape("before its prerequisites: c1-m1 (c1-m1), c1-m2")
    ):
        s.complete(engine, user, ids[2:])


def test_a_manual_milestone_completes_the_enrollment_only_after_approval(
    engine: sa.Engine, api_engine: sa.Engine, relay: Any, worker: Any
) -> None:
    ids = _gated_cohort(engine, manual=True)
    user, instructor = s.learner(engine), s.learner(engine, name="Instructor")
    enrollment = s.enroll(engine, user, "c1")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO cohort_instructors VALUES ('c1', :i)"), {"i": instructor})

    s.complete(engine, user, ids)  # the app marks all three completed
    assert _status(engine, user, ids[2]) == ("pending_validation", 1)
    wait_until(lambda: drained(engine))
    wait_until(lambda: s.progress(engine, user, "milestones_5") == (2, 5))
    assert enrollment_status(engine, enrollment) == "active"
    assert "milestones_5" not in s.unlocked(engine, user)

    assert _validate(api_engine, instructor, user, ids[2], ok=True)["status"] == "completed"

    wait_until(lambda: enrollment_status(engine, enrollment) == "completed")
    wait_until(lambda: "skill_demonstration" in s.unlocked(engine, user))
    wait_until(lambda: "first_bootcamp" in s.unlocked(engine, user))
    assert s.progress(engine, user, "milestones_5") == (3, 5)


def test_attempts_count_submissions_and_a_rejection_sends_the_milestone_back(
    engine: sa.Engine, api_engine: sa.Engine
) -> None:
    ids = _gated_cohort(engine, manual=True)
    user, instructor = s.learner(engine), s.learner(engine, name="Instructor")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO cohort_instructors VALUES ('c1', :i)"), {"i": instructor})
    s.complete(engine, user, ids)
    assert _validate(api_engine, instructor, user, ids[2], ok=False)["status"] == "in_progress"
    assert _status(engine, user, ids[2]) == ("in_progress", 1)
    [note] = rows(
        engine,
        "SELECT validated_by, validation_note FROM user_milestone_progress WHERE milestone_id = :m",
        m=ids[2],
    )
    assert (note.validated_by, note.validation_note) == (instructor, "see notes")

    s.complete(engine, user, ids[2:])  # second submission
    assert _status(engine, user, ids[2]) == ("pending_validation", 2)
    assert _validate(api_engine, instructor, user, ids[2], ok=True)["attempts"] == 2
    assert _status(engine, user, ids[2]) == ("completed", 2)

    # An automatic milestone reopened and completed again counts two attempts as well.
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE user_milestone_progress SET status = 'in_progress' WHERE milestone_id = :m"
            ),
            {"m": ids[0]},
        )
    s.complete(engine, user, ids[:1])
    assert _status(engine, user, ids[0]) == ("completed", 2)
    s.evaluate(engine, "milestone.completed", user)
    assert s.progress(engine, user, "first_try_10") == (1, 10)  # only c1-m2 was first time


def test_a_milestone_not_awaiting_validation_cannot_be_validated(
    engine: sa.Engine, api_engine: sa.Engine
) -> None:
    ids = _gated_cohort(engine, manual=True)
    user, instructor = s.learner(engine), s.learner(engine, name="Instructor")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO cohort_instructors VALUES ('c1', :i)"), {"i": instructor})
    with pytest.raises(sa.exc.DBAPIError, match="is not awaiting validation in your cohorts"):
        _validate(api_engine, instructor, user, ids[2], ok=True)


def test_an_automatic_milestone_submitted_for_validation_is_simply_completed(
    engine: sa.Engine,
) -> None:
    ids = s.cohort(engine, "c1", milestones=1)
    user = s.learner(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO user_milestone_progress (user_profile_id, milestone_id, status)"
                " VALUES (:u, :m, 'pending_validation')"
            ),
            {"u": user, "m": ids[0]},
        )
    assert _status(engine, user, ids[0]) == ("completed", 1)
    assert (
        scalar(engine, "SELECT count(*) FROM event_outbox WHERE kind = 'milestone.completed'") == 1
    )
