"""Each database role, as a real LOGIN user: what it can do and what it is refused.

The users are the suite's LOGIN users (tests/fixtures/database.py), each
granted one group role; none is a superuser or the owner.
"""

from __future__ import annotations

import json
import uuid
from uuid import UUID

import psycopg
import pytest
import sqlalchemy as sa

from db import completion, seed
from tests.integration.helpers import scalar

Connect = dict[str, str]


@pytest.fixture
def learner(engine: sa.Engine) -> tuple[seed.Cohort, UUID, UUID]:
    """A cohort of two milestones (set up by the admin) and one enrolled learner."""
    with engine.begin() as conn:
        cohort = seed.create_cohort(
            conn, bootcamp_id="b1", cohort_id="c1", milestones=2, lock_address="0x" + "ab" * 20
        )
        [(user, enrollment)] = seed.enroll_learners(conn, cohort, ["Ada"]).items()
    return cohort, user, enrollment


def _refused(url: str, statement: str, *params: object) -> str:
    """Run ``statement`` as the user of ``url``; the error it was refused with."""
    with psycopg.connect(url) as conn, pytest.raises(psycopg.Error) as refused:
        conn.execute(statement, params)
    return str(refused.value)


# The app ---------------------------------------------------------------------


def test_app_completes_milestones_and_the_event_is_written_for_it(
    database_urls: Connect, learner: tuple[seed.Cohort, UUID, UUID], engine: sa.Engine
) -> None:
    cohort, user, _ = learner
    with psycopg.connect(database_urls["app"]) as conn:
        conn.execute(
            "INSERT INTO user_milestone_progress (user_profile_id, milestone_id, status)"
            " VALUES (%s, %s, 'in_progress')",
            (user, cohort.milestone_ids[0]),
        )
        conn.execute(
            "UPDATE user_milestone_progress SET status = 'completed'"
            " WHERE user_profile_id = %s AND milestone_id = %s",
            (user, cohort.milestone_ids[0]),
        )
    assert (
        scalar(engine, "SELECT count(*) FROM event_outbox WHERE kind = 'milestone.completed'") == 1
    )


def test_app_records_activity_and_reads_what_it_shows(
    database_urls: Connect, learner: tuple[seed.Cohort, UUID, UUID]
) -> None:
    _, user, enrollment = learner
    with psycopg.connect(database_urls["app"]) as conn:
        conn.execute(
            "INSERT INTO user_activities (user_profile_id, activity_type, activity_data)"
            " VALUES (%s, 'lesson_viewed', '{}')",
            (user,),
        )
        shown = conn.execute(
            "SELECT e.enrollment_status, b.name, (SELECT count(*) FROM certificates),"
            " (SELECT count(*) FROM user_activities), public.certificate_status(e.id)"
            " FROM bootcamp_enrollments e JOIN cohorts c ON c.id = e.cohort_id"
            " JOIN bootcamp_programs b ON b.id = c.bootcamp_program_id WHERE e.id = %s",
            (enrollment,),
        ).fetchone()
    assert shown is not None
    assert shown[:4] == ("active", "Web3 Foundations Bootcamp", 0, 1)


def test_app_calls_request_certificate_claim(
    database_urls: Connect, learner: tuple[seed.Cohort, UUID, UUID]
) -> None:
    _, _, enrollment = learner
    with psycopg.connect(database_urls["app"]) as conn:
        result = conn.execute("SELECT request_certificate_claim(%s)", (enrollment,)).fetchone()
    assert result is not None
    assert result[0]["error"] == "Certificate feature not enabled."


def test_app_cannot_squat_another_learners_future_idempotency_key(
    database_urls: Connect, learner: tuple[seed.Cohort, UUID, UUID], engine: sa.Engine
) -> None:
    _, _, enrollment = learner
    error = _refused(
        database_urls["app"],
        "INSERT INTO event_outbox (kind, payload, idempotency_key) VALUES (%s, %s, %s)",
        "certificate.attested",
        json.dumps({"enrollment_id": str(enrollment)}),
        f"certificate.attested:{enrollment}",
    )
    assert "permission denied for table event_outbox" in error
    assert scalar(engine, "SELECT count(*) FROM event_outbox") == 0


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO event_outbox (kind, payload, idempotency_key) VALUES ('replay', '{}', 'r')",
        "SELECT emit_event('replay', '{}', 'replay:1')",
        "SELECT id FROM event_outbox",
        "INSERT INTO processed_messages (actor, idempotency_key) VALUES ('auto_claim', 'k')",
        "SELECT claim_certificate(gen_random_uuid(), true)",
        "SELECT complete_enrollment(gen_random_uuid(), 'x')",
        "SELECT fix_completion_statuses('c1', 10)",
        "UPDATE bootcamp_enrollments SET certificate_issued = true",
        "UPDATE certificate_flags SET certificates_enabled = true",
        "SELECT * FROM dead_letters",
    ],
)
def test_app_cannot_write_the_outbox_or_ledger_nor_call_internal_functions(
    database_urls: Connect, statement: str
) -> None:
    assert "permission denied" in _refused(database_urls["app"], statement)


def test_app_cannot_record_a_completion_activity(
    database_urls: Connect, learner: tuple[seed.Cohort, UUID, UUID]
) -> None:
    """bootcamp_completed is unique per enrollment: an app row would squat the real one."""
    _, user, enrollment = learner
    error = _refused(
        database_urls["app"],
        "INSERT INTO user_activities (user_profile_id, activity_type, activity_data)"
        " VALUES (%s, 'bootcamp_completed', %s)",
        user,
        json.dumps({"enrollment_id": str(enrollment)}),
    )
    assert "row-level security" in error


def test_the_trigger_function_is_security_definer_of_a_non_login_owner(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT p.prosecdef, r.rolname, r.rolcanlogin, p.proconfig FROM pg_proc p"
                " JOIN pg_roles r ON r.oid = p.proowner"
                " WHERE p.proname IN ('enqueue_milestone_completed', 'request_certificate_claim')"
            )
        ).all()
    assert [tuple(r[:3]) for r in row] == [(True, "certflow_owner", False)] * 2
    assert all(r.proconfig == ['search_path=""'] for r in row)


# The worker ------------------------------------------------------------------


def test_worker_gets_a_clear_bad_event_for_an_unknown_milestone(
    worker_engine: sa.Engine, engine: sa.Engine
) -> None:
    # The worker may run the batch statement: the unknown milestone comes back as such
    # (check_completion turns it into a BadEvent), not as "permission denied".
    [result] = completion.handle_milestones_completed(
        worker_engine,
        "check_completion",
        "m1",
        [completion.BatchItem("k1", uuid.uuid4(), "nope")],
    )
    assert result.outcome == "unknown_milestone"
    assert scalar(engine, "SELECT count(*) FROM processed_messages") == 0


def test_worker_emits_pipeline_events_but_not_replays(database_urls: Connect) -> None:
    with psycopg.connect(database_urls["worker"]) as conn:
        conn.execute("SELECT emit_event('enrollment.completed', '{}', 'enrollment.completed:x')")
    error = _refused(database_urls["worker"], "SELECT emit_event('replay', '{}', 'replay:9')")
    assert "Only an admin may create replay events" in error


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE event_outbox SET kind = 'replay'",
        "UPDATE certificate_flags SET certificates_enabled = true",
        "INSERT INTO bootcamp_programs (id, name) VALUES ('x', 'x')",
        "SELECT fix_completion_statuses('c1', 10)",
        "UPDATE user_milestone_progress SET status = 'completed'",
    ],
)
def test_worker_cannot_do_what_the_pipeline_does_not_need(
    database_urls: Connect, statement: str
) -> None:
    assert "permission denied" in _refused(database_urls["worker"], statement)


# The admin -------------------------------------------------------------------


def test_admin_replays_writes_flags_and_repairs(
    database_urls: Connect, learner: tuple[seed.Cohort, UUID, UUID]
) -> None:
    _, _, enrollment = learner
    with psycopg.connect(database_urls["admin"]) as conn:
        conn.execute("SELECT emit_event('replay', '{}', 'replay:1')")
        conn.execute("UPDATE certificate_flags SET certificates_enabled = true")
        fixed = conn.execute("SELECT fix_completion_status(%s)", (enrollment,)).fetchone()
        unlocked = conn.execute("SELECT force_clear_claim_lock(%s)", (enrollment,)).fetchone()
        flags = conn.execute("SELECT certificates_enabled FROM certificate_flags").fetchone()
    assert fixed is not None
    assert unlocked is not None
    assert flags is not None
    assert (fixed[0]["message"], unlocked[0]["success"], flags[0]) == (
        "Not eligible for completion",
        True,
        True,
    )


def test_no_test_user_is_a_superuser_or_the_owner(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT rolname, rolsuper, rolcanlogin FROM pg_roles"
                " WHERE rolname LIKE 'certflow_test_%' ORDER BY rolname"
            )
        ).all()
        me = conn.execute(sa.text("SELECT current_user")).scalar_one()
    assert [tuple(r) for r in rows] == [
        ("certflow_test_admin", False, True),
        ("certflow_test_api", False, True),
        ("certflow_test_app", False, True),
        ("certflow_test_owner", False, True),
        ("certflow_test_worker", False, True),
    ]
    assert me == "certflow_test_admin"
