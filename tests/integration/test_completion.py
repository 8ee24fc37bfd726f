"""The source's "Trigger Logic" and "Trigger Race Conditions" cases, end to end:
progress row → trigger → outbox → relay → Redis → check_completion."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

import psycopg
import sqlalchemy as sa

from db import seed
from tests.fixtures.database import wait_until
from tests.integration.helpers import (
    completion_activities,
    drained,
    enrollment_status,
    processed,
    rows,
    scalar,
)


def _cohort(
    engine: sa.Engine,
    cohort_id: str = "c1",
    milestones: int = 3,
    learners: int = 1,
    bootcamp_id: str = "b1",
) -> seed.Cohort:
    with engine.begin() as conn:
        cohort = seed.create_cohort(
            conn, bootcamp_id=bootcamp_id, cohort_id=cohort_id, milestones=milestones
        )
        seed.enroll_learners(conn, cohort, [f"Learner {i}" for i in range(learners)])
    return cohort


def _complete(engine: sa.Engine, user: UUID, milestone_ids: list[str]) -> None:
    with engine.begin() as conn:
        for m in milestone_ids:
            seed.complete_milestone(conn, user, m)


def _settle(engine: sa.Engine, broker: Any, worker: Any, expected_processed: int) -> None:
    wait_until(lambda: drained(engine))
    wait_until(lambda: processed(engine) >= expected_processed)
    broker.join("completion", timeout=30_000)
    worker.join()


def test_all_milestones_completed_completes_enrollment_once(
    engine: sa.Engine, relay: Any, worker: Any, broker: Any
) -> None:
    cohort = _cohort(engine)
    ((user, enrollment),) = cohort.learners.items()

    _complete(engine, user, cohort.milestone_ids)

    wait_until(lambda: enrollment_status(engine, enrollment) == "completed")
    _settle(engine, broker, worker, 3)
    row = rows(
        engine,
        "SELECT completion_date, milestones_completed_at FROM bootcamp_enrollments WHERE id = :id",
        id=enrollment,
    )[0]
    assert row.completion_date is not None
    assert row.milestones_completed_at is not None
    [activity] = completion_activities(engine, enrollment)
    assert activity.activity_data == {
        "enrollment_id": str(enrollment),
        "cohort_id": "c1",
        "completion_type": "automatic",
    }
    events = rows(engine, "SELECT payload FROM event_outbox WHERE kind = 'enrollment.completed'")
    assert [e.payload["enrollment_id"] for e in events] == [str(enrollment)]


def test_partial_completion_leaves_enrollment_active(
    engine: sa.Engine, relay: Any, worker: Any, broker: Any
) -> None:
    cohort = _cohort(engine)
    ((user, enrollment),) = cohort.learners.items()

    _complete(engine, user, cohort.milestone_ids[:2])

    _settle(engine, broker, worker, 2)
    assert enrollment_status(engine, enrollment) == "active"
    assert completion_activities(engine, enrollment) == []


def test_update_to_completed_fires_and_other_updates_do_not(engine: sa.Engine) -> None:
    cohort = _cohort(engine, milestones=1)
    ((user, _),) = cohort.learners.items()
    milestone = cohort.milestone_ids[0]
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO user_milestone_progress (user_profile_id, milestone_id,"
                " status) VALUES (:u, :m, 'in_progress')"
            ),
            {"u": user, "m": milestone},
        )
        conn.execute(sa.text("UPDATE user_milestone_progress SET progress_percentage = 50"))
    assert scalar(engine, "SELECT count(*) FROM event_outbox") == 0

    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE user_milestone_progress SET status = 'completed'"))
        conn.execute(sa.text("UPDATE user_milestone_progress SET status = 'completed'"))

    [event] = rows(engine, "SELECT kind, payload, idempotency_key FROM event_outbox")
    assert event.kind == "milestone.completed"
    assert event.idempotency_key == f"milestone.completed:{user}:{milestone}"
    assert event.payload["milestone_id"] == milestone


def test_two_sessions_completing_the_last_milestones_at_once_complete_once(
    engine: sa.Engine, database_urls: dict[str, str], relay: Any, worker: Any, broker: Any
) -> None:
    """Different app sessions commit the two last milestones at the same moment, for many
    learners."""
    learners = 20
    cohort = _cohort(engine, milestones=2, learners=learners)
    barrier = threading.Barrier(2)

    def app_session(milestone: str) -> None:
        with psycopg.connect(database_urls["app"]) as conn:
            for user in cohort.learners:
                conn.execute(
                    "INSERT INTO user_milestone_progress (user_profile_id, milestone_id,"
                    " status) VALUES (%s, %s, 'completed')",
                    (user, milestone),
                )
                barrier.wait()
                conn.commit()

    threads = [threading.Thread(target=app_session, args=(m,)) for m in cohort.milestone_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    _settle(engine, broker, worker, 2 * learners)
    for enrollment in cohort.learners.values():
        assert enrollment_status(engine, enrollment) == "completed"
        assert len(completion_activities(engine, enrollment)) == 1
    assert (
        scalar(engine, "SELECT count(*) FROM event_outbox WHERE kind = 'enrollment.completed'")
        == learners
    )


def test_milestone_of_another_cohort_leaves_other_enrollments_untouched(
    engine: sa.Engine, relay: Any, worker: Any, broker: Any
) -> None:
    a = _cohort(engine, cohort_id="cA", milestones=2, learners=2)
    b = _cohort(engine, cohort_id="cB", milestones=1, learners=0, bootcamp_id="b1")
    user, enrollment_a = next(iter(a.learners.items()))
    with engine.begin() as conn:
        seed.enroll_learners  # noqa: B018 - the same user joins cohort B below
        enrollment_b = conn.execute(
            sa.text(
                "INSERT INTO bootcamp_enrollments (user_profile_id, cohort_id) VALUES (:u, 'cB')"
                " RETURNING id"
            ),
            {"u": user},
        ).scalar_one()

    _complete(engine, user, b.milestone_ids)

    wait_until(lambda: enrollment_status(engine, enrollment_b) == "completed")
    _settle(engine, broker, worker, 1)
    assert enrollment_status(engine, enrollment_a) == "active"
    for other in a.learners.values():
        assert enrollment_status(engine, other) == "active"
        assert completion_activities(engine, other) == []


def test_cohort_with_zero_milestones_never_completes(
    engine: sa.Engine, relay: Any, worker: Any, broker: Any
) -> None:
    empty = _cohort(engine, cohort_id="empty", milestones=0)
    other = _cohort(engine, cohort_id="other", milestones=1, learners=0)
    ((user, enrollment),) = empty.learners.items()
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO bootcamp_enrollments (user_profile_id, cohort_id) VALUES (:u, 'other')"
            ),
            {"u": user},
        )
    _complete(engine, user, other.milestone_ids)
    _settle(engine, broker, worker, 1)

    with engine.begin() as conn:
        completed_now = conn.execute(
            sa.text("SELECT complete_enrollment(:e, 'automatic')"), {"e": enrollment}
        ).scalar_one()
        fix = conn.execute(
            sa.text("SELECT fix_completion_status(:e)"), {"e": enrollment}
        ).scalar_one()
    assert completed_now is False
    assert enrollment_status(engine, enrollment) == "active"
    assert fix["success"] is False
    assert fix["reason"] == "No milestones found for cohort"
    assert completion_activities(engine, enrollment) == []
