"""Community A's logins attack community B, as real LOGIN users.

Each attack is what an app login, a learner login or the API's learner path can
type. Before identity decided the tenant (issue 18) every one of them reached B.
"""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from tests.fixtures.tenancy import Conn, Connect
from tests.integration.helpers import scalar
from tests.integration.tenancy.conftest import World

#: Every table a tenant role reads, and the column that names whose row it is.
TENANT_TABLES = {
    "communities": "id",
    "bootcamp_programs": "id",
    "cohorts": "id",
    "cohort_milestones": "cohort_id",
    "cohort_instructors": "cohort_id",
    "user_profiles": "id",
    "bootcamp_enrollments": "id",
    "user_milestone_progress": "user_profile_id",
    "user_activities": "user_profile_id",
    "user_achievements": "user_profile_id",
    "user_streaks": "user_profile_id",
    "certificates": "enrollment_id",
    "certificate_revocations": "enrollment_id",
    "offchain_attestations": "enrollment_id",
    "credentials": "enrollment_id",
    "achievements": "code",
    "webhook_endpoints": "id",
    "webhook_secrets": "endpoint_id",
    "webhook_deliveries": "id",
    "webhook_attempts": "delivery_id",
}


def _b_keys(world: World) -> dict[str, list[Any]]:
    b = world.b
    users = [b.learner, b.other_learner, b.instructor]
    return {
        "communities": ["B"],
        "bootcamp_programs": [b.bootcamp],
        "cohorts": [b.cohort],
        "cohort_milestones": [b.cohort],
        "cohort_instructors": [b.cohort],
        "user_profiles": users,
        "bootcamp_enrollments": [b.enrollment, b.other_enrollment],
        "user_milestone_progress": users,
        "user_activities": users,
        "user_achievements": users,
        "user_streaks": users,
        "certificates": [b.enrollment],
        "certificate_revocations": [b.enrollment],
        "offchain_attestations": [b.enrollment],
        "credentials": [b.enrollment],
        "achievements": [b.achievement],
        "webhook_endpoints": [b.webhook_endpoint],
        "webhook_secrets": [b.webhook_endpoint],
        "webhook_deliveries": [b.webhook_delivery],
        "webhook_attempts": [b.webhook_delivery],
    }


def _seen(conn: Conn, world: World) -> dict[str, int]:
    """How many of B's rows each tenant table shows this connection (by id, not by scan);
    tables the connection may not read at all are left out."""
    seen = {}
    for table, column in TENANT_TABLES.items():
        may = conn.execute("SELECT has_table_privilege(%s, 'SELECT')", (table,)).fetchone()
        if may != (True,):
            continue
        keys = [str(k) for k in _b_keys(world)[table]]
        row = conn.execute(
            f"SELECT count(*) FROM {table} WHERE {column}::text = ANY(%s)",
            (keys,),
        ).fetchone()
        seen[table] = int(row[0]) if row else 0
    return {table: n for table, n in seen.items() if n}


def _outbox(engine: sa.Engine) -> int:
    return int(scalar(engine, "SELECT count(*) FROM event_outbox"))


def test_an_app_that_sets_another_community_still_sees_only_its_own(
    login_as: Connect, world: World, engine: sa.Engine
) -> None:
    app = login_as("certflow_app", "A")
    app.execute("SET certflow.community_id = 'B'")
    app.execute("SELECT set_config('certflow.user_profile_id', %s, false)", (str(world.b.learner),))
    assert _seen(app, world) == {}
    updated = app.execute(
        "UPDATE user_profiles SET display_name = 'pwned' WHERE id = %s", (world.b.learner,)
    )
    assert updated.rowcount == 0
    assert (
        scalar(engine, "SELECT display_name FROM user_profiles WHERE id = :u", u=world.b.learner)
        == "B1"
    )
    # Its own community is still there (the attack changed nothing either way).
    assert app.execute("SELECT count(*) FROM user_profiles").fetchone() == (3,)
    assert app.execute("SELECT public.current_community_id()").fetchone() == ("A",)


@pytest.mark.parametrize("role", ["certflow_app", "certflow_learner", "certflow_instructor"])
def test_the_api_acting_for_a_sees_none_of_bs_rows(
    login_as: Connect, world: World, role: str
) -> None:
    """The API path names community A (a key or token of A): B's rows stay out of reach."""
    who = {"certflow_app": None, "certflow_learner": world.a.learner}.get(role, world.a.instructor)
    conn = login_as(role, "A", who, via_api=True)
    assert _seen(conn, world) == {}
    own = conn.execute("SELECT count(*) FROM cohorts WHERE id = %s", (world.a.cohort,))
    assert own.fetchone() == (1,)  # the same reads find A's rows


def test_a_learner_an_app_creates_is_of_its_community(
    login_as: Connect, world: World, engine: sa.Engine
) -> None:
    app = login_as("certflow_app", "A")
    app.execute("SET certflow.community_id = 'B'")
    row = app.execute(
        "INSERT INTO user_profiles (display_name) VALUES ('new') RETURNING id"
    ).fetchone()
    assert row is not None
    assert scalar(engine, "SELECT community_id FROM user_profiles WHERE id = :u", u=row[0]) == "A"
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        app.execute("INSERT INTO user_profiles (display_name, community_id) VALUES ('x', 'B')")


def test_with_policies_off_the_same_reads_find_b(
    login_as: Connect, world: World, owner_engine: sa.Engine
) -> None:
    """The reads above can fail: with row-level security off they see B's rows."""
    with owner_engine.begin() as conn:
        for table in TENANT_TABLES:
            conn.execute(sa.text(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"))
    app = login_as("certflow_app", "A")
    assert set(_seen(app, world)) == set(TENANT_TABLES)


def test_an_unbound_app_login_and_a_direct_learner_login_see_nothing(
    login_as: Connect, world: World
) -> None:
    for conn in (
        login_as("certflow_app"),
        login_as("certflow_learner", direct=True),
        login_as("certflow_instructor", direct=True),
    ):
        conn.execute("SET certflow.community_id = 'A'")
        conn.execute(
            "SELECT set_config('certflow.user_profile_id', %s, false)", (str(world.a.learner),)
        )
        assert conn.execute("SELECT public.current_community_id()").fetchone() == (None,)
        assert conn.execute("SELECT public.current_user_profile_id()").fetchone() == (None,)
        assert conn.execute("SELECT count(*) FROM cohorts").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM user_milestone_progress").fetchone() == (0,)


def test_an_app_login_cannot_take_the_apis_role(login_as: Connect, world: World) -> None:
    app = login_as("certflow_app", "A")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute("SET ROLE certflow_api")


def test_a_learner_on_the_api_path_cannot_become_another_communitys_learner(
    login_as: Connect, world: World
) -> None:
    """The API names the community it verified; a B learner's id there names nobody."""
    learner = login_as("certflow_learner", "A", world.b.learner)
    assert learner.execute("SELECT public.current_user_profile_id()").fetchone() == (None,)
    assert learner.execute("SELECT count(*) FROM user_profiles").fetchone() == (0,)
    assert _seen(learner, world) == {}


def test_a_learner_sees_only_their_own_rows_and_their_own_certificates(
    login_as: Connect, world: World
) -> None:
    a = world.a
    learner = login_as("certflow_learner", "A", a.other_learner)
    assert learner.execute("SELECT id FROM user_profiles").fetchall() == [(a.other_learner,)]
    assert learner.execute("SELECT count(*) FROM certificates").fetchone() == (0,)
    owner = login_as("certflow_learner", "A", a.learner)
    assert owner.execute("SELECT id FROM certificates").fetchall() == [(a.certificate,)]
    assert owner.execute("SELECT count(*) FROM certificate_revocations").fetchone() == (1,)


def _claim(conn: Conn, enrollment: object) -> Any:
    row = conn.execute("SELECT request_certificate_claim(%s)", (enrollment,)).fetchone()
    return row[0] if row else None


@pytest.mark.parametrize("enabled", [True, False])
def test_claiming_another_communitys_enrollment_answers_as_an_unknown_id(
    login_as: Connect, world: World, engine: sa.Engine, enabled: bool
) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE certificate_flags SET certificates_enabled = :e"), {"e": enabled}
        )
    app = login_as("certflow_app", "A")
    app.execute("SET certflow.community_id = 'B'")
    before = _outbox(engine)
    foreign, unknown = _claim(app, world.b.enrollment), _claim(app, uuid.uuid4())
    assert foreign == unknown
    assert foreign["code"] == ("not_found" if enabled else "disabled")
    assert _outbox(engine) == before
    claimed = scalar(
        engine,
        "SELECT certificate_claim_in_progress FROM bootcamp_enrollments WHERE id = :e",
        e=world.b.enrollment,
    )
    assert claimed is False


def test_an_app_claims_its_own_enrollment_and_the_event_is_written(
    login_as: Connect, world: World, engine: sa.Engine
) -> None:
    app = login_as("certflow_app", "A")
    result = _claim(app, world.a.enrollment)
    assert result["claimRequested"] is True
    assert (
        scalar(
            engine, "SELECT count(*) FROM event_outbox WHERE kind = 'certificate.claim_requested'"
        )
        == 1
    )


def test_a_learner_claims_their_own_enrollment_only(
    login_as: Connect, world: World, engine: sa.Engine
) -> None:
    a = world.a
    other = login_as("certflow_learner", "A", a.other_learner)
    before = _outbox(engine)
    assert _claim(other, a.enrollment) == _claim(other, uuid.uuid4())
    assert _outbox(engine) == before
    owner = login_as("certflow_learner", "A", a.learner)
    assert _claim(owner, a.enrollment)["claimRequested"] is True


def _error(conn: Conn, statement: str, *params: object) -> tuple[str, str]:
    with pytest.raises(psycopg.Error) as raised:
        conn.execute(statement, params)
    diag = raised.value.diag
    return str(diag.sqlstate), str(diag.message_primary)


def test_emitting_another_communitys_activity_answers_as_an_unknown_one(
    login_as: Connect, world: World, engine: sa.Engine
) -> None:
    app = login_as("certflow_app", "A")
    app.execute("SET certflow.community_id = 'B'")
    ghost, before = uuid.uuid4(), _outbox(engine)
    foreign = _error(app, "SELECT emit_activity_recorded(%s)", world.b.activity)
    unknown = _error(app, "SELECT emit_activity_recorded(%s)", ghost)
    assert foreign == ("P0002", f"No activity {world.b.activity}")
    assert unknown == ("P0002", f"No activity {ghost}")
    assert _outbox(engine) == before
    app.execute("SELECT emit_activity_recorded(%s)", (world.a.activity,))  # already emitted
    assert _outbox(engine) == before
