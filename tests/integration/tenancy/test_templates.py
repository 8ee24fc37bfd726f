"""Templates are a community's (issue 22): community A's app and admins acting for A
reach none of B's, another community's template answers like an unknown id, and an app
reports score and locale only for its own learners."""

from __future__ import annotations

import uuid
from uuid import UUID

import psycopg
import pytest
import sqlalchemy as sa

from certflow.errors import AdminRefused
from db import templates
from db.templates import VersionSpec
from issuance.certificates import template_admin
from tests.fixtures.tenancy import Connect
from tests.integration.helpers import scalar
from tests.integration.tenancy.conftest import World


def _template(engine: sa.Engine, community: str) -> UUID:
    with engine.begin() as conn:
        made = templates.create(conn, community, f"Look of {community}")
        templates.add_version(conn, made, VersionSpec(fields=("score",)))
    return made


def _refusal(engine: sa.Engine, call: object) -> str:
    with engine.begin() as conn, pytest.raises(AdminRefused) as refused:
        call(conn)  # type: ignore[operator]
    return str(refused.value)


def test_an_app_sees_its_own_templates_only(
    login_as: Connect, world: World, engine: sa.Engine
) -> None:
    own, other = _template(engine, "A"), _template(engine, "B")
    app = login_as("certflow_app", "A")
    app.execute("SET certflow.community_id = 'B'")  # an attempt to name B

    def count(table: str, column: str, key: UUID) -> object:
        found = app.execute(f"SELECT count(*) FROM {table} WHERE {column} = %s", (key,))
        return found.fetchone()

    assert count("certificate_templates", "id", other) == (0,)
    assert count("certificate_template_versions", "template_id", other) == (0,)
    assert count("certificate_templates", "id", own) == (1,)
    assert count("certificate_template_versions", "template_id", own) == (1,)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute("INSERT INTO certificate_templates (community_id, name) VALUES ('A', 'x')")


def test_an_app_reports_score_and_locale_for_its_own_learners_only(
    login_as: Connect, world: World, engine: sa.Engine
) -> None:
    app = login_as("certflow_app", "A")
    score = "UPDATE bootcamp_enrollments SET certificate_score = 88 WHERE id = %s"
    locale = "UPDATE user_profiles SET certificate_locale = 'ar' WHERE id = %s"

    theirs = (
        app.execute(score, (world.b.enrollment,)).rowcount,
        app.execute(locale, (world.b.learner,)).rowcount,
    )
    mine = (
        app.execute(score, (world.a.enrollment,)).rowcount,
        app.execute(locale, (world.a.learner,)).rowcount,
    )

    assert (theirs, mine) == ((0, 0), (1, 1))
    b_score = "SELECT certificate_score FROM bootcamp_enrollments WHERE id = :e"
    assert scalar(engine, b_score, e=world.b.enrollment) is None
    # Only the columns it reports: never the certificate's own state.
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app.execute(
            "UPDATE bootcamp_enrollments SET certificate_tx_hash = '0x1' WHERE id = %s",
            (world.a.enrollment,),
        )


def test_another_communitys_template_answers_like_an_unknown_one(
    world: World, engine: sa.Engine
) -> None:
    theirs, unknown = _template(engine, "B"), uuid.uuid4()

    def assign(template: UUID) -> str:
        refusal = _refusal(
            engine, lambda c: template_admin.assign(c, world.a.bootcamp, template, None)
        )
        return refusal.replace(str(template), "ID")

    def show(template: UUID) -> str:
        refusal = _refusal(engine, lambda c: template_admin.show(c, template, "A"))
        return refusal.replace(str(template), "ID")

    assert assign(theirs) == assign(unknown) == "no template ID"
    assert show(theirs) == show(unknown) == "no template ID"
    # An operator (no community) sees it; and B's own bootcamp may print it.
    with engine.begin() as conn:
        assert template_admin.show(conn, theirs, None)[0].community_id == "B"
        assert template_admin.assign(conn, world.b.bootcamp, theirs, "fr").locale == "fr"


def test_the_database_refuses_a_bootcamp_printing_another_communitys_template(
    world: World, engine: sa.Engine
) -> None:
    """Below the CLI's check: the (community, template) key."""
    theirs = _template(engine, "B")
    with pytest.raises(sa.exc.IntegrityError, match="template_of_community"), engine.begin() as c:
        c.execute(
            sa.text("UPDATE bootcamp_programs SET certificate_template_id = :t WHERE id = :b"),
            {"t": theirs, "b": world.a.bootcamp},
        )


def test_versions_are_immutable(world: World, engine: sa.Engine) -> None:
    made = _template(engine, "A")
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), engine.begin() as c:
        c.execute(
            sa.text(
                "UPDATE certificate_template_versions SET layout = 'modern' WHERE template_id = :t"
            ),
            {"t": made},
        )
