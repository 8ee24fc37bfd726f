"""Admin repairs and schema rules, straight against Postgres."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from db import completion, seed
from tests.integration.helpers import completion_activities, enrollment_status, scalar


def _cohort_with_progress(owner: sa.Engine, done: int, partial: int) -> seed.Cohort:
    """``done`` learners with every milestone completed (behind the trigger's back, which
    only the table owner can do), ``partial`` learners with one milestone left."""
    with owner.begin() as conn:
        cohort = seed.create_cohort(conn, bootcamp_id="b1", cohort_id="c1", milestones=3)
        seed.enroll_learners(conn, cohort, [f"L{i}" for i in range(done + partial)])
        conn.execute(sa.text("ALTER TABLE user_milestone_progress DISABLE TRIGGER USER"))
        for i, user in enumerate(cohort.learners):
            todo = cohort.milestone_ids if i < done else cohort.milestone_ids[:-1]
            for m in todo:
                seed.complete_milestone(conn, user, m)
        conn.execute(sa.text("ALTER TABLE user_milestone_progress ENABLE TRIGGER USER"))
    return cohort


def test_fix_completion_status_returns_the_source_json(
    engine: sa.Engine, owner_engine: sa.Engine
) -> None:
    cohort = _cohort_with_progress(owner_engine, done=1, partial=1)
    (done_enrollment, partial_enrollment) = cohort.learners.values()

    with engine.begin() as conn:
        fixed = completion.fix_status(conn, done_enrollment)
        again = completion.fix_status(conn, done_enrollment)
        partial = completion.fix_status(conn, partial_enrollment)
        missing = completion.fix_status(conn, uuid.uuid4())

    assert fixed == {
        "success": True,
        "message": "Status fixed successfully",
        "previous_status": "active",
        "new_status": "completed",
        "milestones_completed": 3,
        "total_milestones": 3,
    }
    assert again["reason"] == "Already marked complete"
    assert partial == {
        "success": False,
        "message": "Not eligible for completion",
        "current_status": "active",
        "milestones_completed": 2,
        "total_milestones": 3,
        "reason": "Not all milestones completed",
    }
    assert missing == {"success": False, "message": "Enrollment not found"}
    assert len(completion_activities(engine, done_enrollment)) == 1
    assert enrollment_status(engine, partial_enrollment) == "active"


def test_fix_completion_statuses_fixes_eligible_and_reports_skipped(
    engine: sa.Engine, owner_engine: sa.Engine
) -> None:
    cohort = _cohort_with_progress(owner_engine, done=30, partial=5)

    with engine.begin() as conn:
        result = completion.fix_statuses(conn, "c1")
    with engine.begin() as conn:
        second = completion.fix_statuses(conn, "c1")

    assert len(result["fixed"]) == 30
    assert {f["previousStatus"] for f in result["fixed"]} == {"active"}
    assert len(result["skipped"]) == 5
    assert {s["reason"] for s in result["skipped"]} == {"Not all milestones completed"}
    assert result["total"] == 35
    assert second["fixed"] == []
    assert len(second["skipped"]) == 5
    assert (
        scalar(
            engine,
            "SELECT count(*) FROM bootcamp_enrollments WHERE enrollment_status = 'completed'",
        )
        == 30
    )
    assert scalar(engine, "SELECT count(*) FROM user_activities") == 30
    assert (
        scalar(engine, "SELECT count(*) FROM event_outbox WHERE kind = 'enrollment.completed'")
        == 30
    )
    assert len(cohort.learners) == 35


def test_fix_completion_statuses_stops_at_the_limit(
    engine: sa.Engine, owner_engine: sa.Engine
) -> None:
    _cohort_with_progress(owner_engine, done=12, partial=0)
    with engine.begin() as conn:
        first = completion.fix_statuses(conn, "c1", limit=10)
        rest = completion.fix_statuses(conn, "c1", limit=10)
    assert (len(first["fixed"]), len(rest["fixed"])) == (10, 2)


def test_force_clear_claim_lock(engine: sa.Engine, owner_engine: sa.Engine) -> None:
    cohort = _cohort_with_progress(owner_engine, done=1, partial=0)
    (enrollment,) = cohort.learners.values()
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE bootcamp_enrollments SET certificate_claim_in_progress = true")
        )
        cleared = completion.force_clear_claim_lock(conn, enrollment)
        missing = completion.force_clear_claim_lock(conn, uuid.uuid4())
    assert cleared == {
        "success": True,
        "message": "Claim lock cleared",
        "enrollment_id": str(enrollment),
    }
    assert missing == {"success": False, "message": "Enrollment not found"}
    assert scalar(engine, "SELECT certificate_claim_in_progress FROM bootcamp_enrollments") is False


def test_milestones_cannot_be_added_once_a_certificate_is_issued(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        cohort = seed.create_cohort(conn, bootcamp_id="b1", cohort_id="c1", milestones=1)
        seed.create_cohort(conn, bootcamp_id="b1", cohort_id="c2", milestones=1)
        seed.create_cohort(conn, bootcamp_id="b2", cohort_id="other", milestones=1)
        seed.enroll_learners(conn, cohort, ["Ada"])
        conn.execute(sa.text("UPDATE bootcamp_enrollments SET certificate_issued = true"))

    with pytest.raises(sa.exc.IntegrityError) as refused, engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO cohort_milestones (id, cohort_id, name) VALUES ('late', 'c2', 'Late')"
            )
        )
    assert "Cannot add milestones - certificates already issued for this bootcamp" in str(
        refused.value
    )
    with engine.begin() as conn:  # another bootcamp is not affected
        conn.execute(
            sa.text(
                "INSERT INTO cohort_milestones (id, cohort_id, name)"
                " VALUES ('fine', 'other', 'Fine')"
            )
        )
    assert scalar(engine, "SELECT count(*) FROM cohort_milestones WHERE id = 'late'") == 0


def test_every_function_pins_its_search_path(engine: sa.Engine) -> None:
    unpinned = scalar(
        engine,
        "SELECT array_agg(p.proname) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c"
        " WHERE c LIKE 'search_path=%')",
    )
    assert unpinned is None


def test_app_role_cannot_read_the_outbox_or_touch_enrollments(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        can = conn.execute(
            sa.text(
                "SELECT has_table_privilege('certflow_app', 'event_outbox', 'SELECT'),"
                " has_table_privilege('certflow_app', 'bootcamp_enrollments', 'UPDATE'),"
                " has_column_privilege('certflow_app', 'user_milestone_progress', 'status',"
                "   'UPDATE'),"
                " has_function_privilege('certflow_app', 'fix_completion_statuses(text, integer)',"
                "   'EXECUTE')"
            )
        ).one()
    assert tuple(can) == (False, False, True, False)
    # Since 0014 the app writes progress column by column: never the validation columns.
    assert (
        scalar(
            engine,
            "SELECT has_column_privilege('certflow_app', 'user_milestone_progress', 'validated_at',"
            " 'UPDATE')",
        )
        is False
    )
