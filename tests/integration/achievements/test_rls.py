"""Tenant isolation by row-level security, proved by connecting as real LOGIN users.

Community A's app connects as a LOGIN member of certflow_app bound to A; a
learner and an instructor come the only way they can, through the API's path (a
login of certflow_api that becomes their role and names them). The last test
disables row-level security and shows the same checks then find the leaks, so
these tests fail if RLS is off. tests/integration/tenancy/ attacks the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import psycopg
import pytest
import sqlalchemy as sa
from psycopg.rows import TupleRow

from tests.integration.achievements import support as s
from tests.integration.achievements.conftest import Connect
from tests.integration.helpers import scalar

USER_TABLES = (
    "user_profiles",
    "bootcamp_enrollments",
    "user_milestone_progress",
    "user_activities",
    "user_achievements",
    "user_streaks",
)


@dataclass
class World:
    a1: UUID
    a2: UUID
    b1: UUID
    instructor_a: UUID
    milestones_a: list[str]
    milestones_b: list[str]


def _user_column(table: str) -> str:
    return "id" if table == "user_profiles" else "user_profile_id"


@pytest.fixture
def world(engine: sa.Engine) -> World:
    """Two communities, each with a bootcamp, a cohort with a manual milestone and learners
    who have progress, activities, streaks and awards."""
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO communities VALUES ('A', 'Alpha'), ('B', 'Beta')"))
    a1 = s.learner(engine, community="A", name="A1")
    a2 = s.learner(engine, community="A", name="A2")
    b1 = s.learner(engine, community="B", name="B1")
    instructor = s.learner(engine, community="A", name="Instructor A")
    ids_a = s.cohort(engine, "cA", milestones=2, bootcamp="bA", community="A")
    ids_b = s.cohort(engine, "cB", milestones=2, bootcamp="bB", community="B")
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE cohort_milestones SET validation_type = 'manual' WHERE id = ANY(:i)"),
            {"i": [ids_a[1], ids_b[1]]},
        )
        conn.execute(sa.text("INSERT INTO cohort_instructors VALUES ('cA', :i)"), {"i": instructor})
    for user, cohort, ids in ((a1, "cA", ids_a), (a2, "cA", ids_a), (b1, "cB", ids_b)):
        s.enroll(engine, user, cohort)
        s.complete(engine, user, ids)  # the second one waits for an instructor
        s.record(engine, user, "login", "2026-02-01T12:00:00Z")
        s.evaluate(engine, "milestone.completed", user)
        s.evaluate(engine, "activity.recorded", user)
    with engine.begin() as conn:  # A2 hides one award from others
        conn.execute(
            sa.text(
                "UPDATE user_achievements SET is_public = false WHERE user_profile_id = :u"
                " AND achievement_id = (SELECT id FROM achievements WHERE code = 'first_activity')"
            ),
            {"u": a2},
        )
    return World(a1, a2, b1, instructor, ids_a, ids_b)


def _visible_users(conn: psycopg.Connection[TupleRow], table: str) -> set[UUID]:
    column = _user_column(table)
    return {r[0] for r in conn.execute(f"SELECT DISTINCT {column} FROM {table}")}


def _leaks(conn: psycopg.Connection[TupleRow], world: World) -> list[str]:
    """Tables in which community A's app can see a row of community B, by scan or by id."""
    found = []
    for table in USER_TABLES:
        column = _user_column(table)
        guessed = conn.execute(
            f"SELECT count(*) FROM {table} WHERE {column} = %s",
            (world.b1,),
        ).fetchone()
        if world.b1 in _visible_users(conn, table) or (guessed and guessed[0]):
            found.append(table)
    return found


def test_community_as_app_sees_only_its_own_rows(login_as: Connect, world: World) -> None:
    app = login_as("certflow_app", "A")
    assert _leaks(app, world) == []
    for table in USER_TABLES:
        assert world.a1 in _visible_users(app, table), table
    nobody = login_as("certflow_app")  # no community set: nothing at all
    for table in USER_TABLES:
        assert _visible_users(nobody, table) == set(), table


def test_community_as_app_cannot_write_the_other_communitys_rows(
    login_as: Connect, world: World, engine: sa.Engine
) -> None:
    app = login_as("certflow_app", "A")
    updated = app.execute(
        "UPDATE user_milestone_progress SET progress_percentage = 1 WHERE user_profile_id = %s",
        (world.b1,),
    )
    assert updated.rowcount == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        app.execute(
            "INSERT INTO user_milestone_progress (user_profile_id, milestone_id, status)"
            " VALUES (%s, 'somewhere', 'in_progress')",
            (world.b1,),
        )
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        app.execute(  # its own learner, but community B's milestone
            "INSERT INTO user_milestone_progress (user_profile_id, milestone_id, status)"
            " VALUES (%s, %s, 'in_progress')",
            (world.a1, world.milestones_b[0]),
        )
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match=f"Unknown user {world.b1}"):
        app.execute("SELECT record_activity(%s, 'login')", (world.b1,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
        app.execute(
            "UPDATE user_milestone_progress SET validated_at = now() WHERE user_profile_id = %s",
            (world.a1,),
        )
    assert app.execute("SELECT record_activity(%s, 'login')", (world.a1,)).fetchone()
    assert (
        scalar(
            engine, "SELECT count(*) FROM user_activities WHERE user_profile_id = :u", u=world.b1
        )
        == 1
    )


def _achievements(conn: psycopg.Connection[TupleRow], user: UUID) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            "SELECT a.code FROM user_achievements ua JOIN achievements a"
            " ON a.id = ua.achievement_id WHERE ua.user_profile_id = %s",
            (user,),
        )
    }


def test_a_learner_sees_own_rows_and_only_others_public_achievements(
    login_as: Connect, world: World
) -> None:
    learner = login_as("certflow_learner", "A", world.a1)
    for table in USER_TABLES:
        visible = _visible_users(learner, table)
        if table == "user_achievements":
            assert visible == {world.a1, world.a2}  # not B's: another community
        else:
            assert visible == {world.a1}, table
    own = _achievements(learner, world.a1)
    assert {"first_login", "first_activity", "first_milestone"} <= own
    # first_login is a private achievement; A2 hid first_activity.
    assert _achievements(learner, world.a2) == {"first_milestone"}
    board = learner.execute("SELECT achievement_dashboard(%s)", (world.a2,)).fetchone()
    assert board is not None
    assert [a["code"] for a in board[0]["achievements"]] == ["first_milestone"]


def test_an_instructor_validates_only_in_their_own_cohorts(
    login_as: Connect, world: World, engine: sa.Engine
) -> None:
    instructor = login_as("certflow_instructor", "A", world.instructor_a)
    with pytest.raises(psycopg.errors.NoDataFound, match="not awaiting validation in your cohorts"):
        instructor.execute(
            "SELECT validate_milestone(%s, %s, true)", (world.b1, world.milestones_b[1])
        )
    status = (
        "SELECT status FROM user_milestone_progress"
        " WHERE milestone_id = :m AND user_profile_id = :u"
    )
    assert scalar(engine, status, m=world.milestones_b[1], u=world.b1) == "pending_validation"

    instructor.execute("SELECT validate_milestone(%s, %s, true)", (world.a1, world.milestones_a[1]))
    assert scalar(engine, status, m=world.milestones_a[1], u=world.a1) == "completed"
    assert _visible_users(instructor, "user_milestone_progress") == {world.a1, world.a2}


def test_the_workers_role_sees_every_community(login_as: Connect, world: World) -> None:
    worker = login_as("certflow_worker")
    for table in USER_TABLES:
        assert {world.a1, world.b1} <= _visible_users(worker, table), table


def test_with_row_level_security_disabled_these_checks_find_the_leaks(
    login_as: Connect, world: World, owner_engine: sa.Engine
) -> None:
    with owner_engine.begin() as conn:  # only the tables' owner may switch RLS off
        for table in USER_TABLES:
            conn.execute(sa.text(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"))
    app = login_as("certflow_app", "A")
    assert _leaks(app, world) == list(USER_TABLES)
    learner = login_as("certflow_learner", "A", world.a1)
    assert "first_login" in _achievements(learner, world.a2)
    instructor = login_as("certflow_instructor", "A", world.instructor_a)
    instructor.execute("SELECT validate_milestone(%s, %s, true)", (world.b1, world.milestones_b[1]))
