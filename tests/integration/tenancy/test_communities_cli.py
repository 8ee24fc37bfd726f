"""`certflow communities`: a new tenant and the binding of an app login, with no SQL, audited."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import main
from tests.fixtures.database import LOGINS
from tests.fixtures.tenancy import Connect
from tests.integration.helpers import rows
from tests.integration.tenancy.conftest import World


@pytest.fixture
def cli(admin_database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", admin_database_url)
    return CliRunner()


def _run(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(main, ["communities", *args])
    return result.exit_code, result.output


def _audit(engine: sa.Engine) -> list[tuple[str, str, object]]:
    return [
        (r.command, r.outcome, r.result)
        for r in rows(engine, "SELECT command, outcome, result FROM admin_audit ORDER BY id")
    ]


def test_create_and_list_a_community(cli: CliRunner, engine: sa.Engine) -> None:
    code, out = _run(cli, "create", "guild", "The Guild", "--json")
    assert (code, json.loads(out)["id"]) == (0, "guild")
    code, out = _run(cli, "list", "--json")
    listed = {c["id"]: c for c in json.loads(out)}
    assert listed["guild"]["name"] == "The Guild"
    assert listed["default"]["logins"] == [LOGINS["app"]]  # the suite's app login
    code, out = _run(cli, "create", "guild", "Again")
    assert (code, "Community guild already exists" in out) == (1, True)
    code, out = _run(cli, "create", "no spaces", "x")
    assert (code, "Invalid community slug" in out) == (1, True)
    assert [(c, o) for c, o, _ in _audit(engine)] == [
        ("communities create", "ok"),
        ("communities create", "refused"),
        ("communities create", "refused"),
    ]


def test_a_granted_login_acts_for_its_community_and_a_revoked_one_for_none(
    cli: CliRunner, login_as: Connect, world: World, engine: sa.Engine
) -> None:
    app = login_as("certflow_app")  # a new app login, bound to nothing yet
    login = app.info.user
    assert app.execute("SELECT count(*) FROM user_profiles").fetchone() == (0,)

    code, out = _run(cli, "grant-login", login, "B", "--json")
    assert (code, json.loads(out)) == (0, {"login": login, "community": "B"})
    app.execute("SET certflow.community_id = 'A'")  # ignored: the binding decides
    seen = {r[0] for r in app.execute("SELECT id FROM user_profiles")}
    assert seen == {world.b.learner, world.b.other_learner, world.b.instructor}

    code, out = _run(cli, "grant-login", login, "A")
    assert (code, f"{login} is bound to community B: revoke-login first" in out) == (1, True)

    code, out = _run(cli, "revoke-login", login)
    assert (code, out.strip()) == (0, f"{login} no longer acts for B")
    assert app.execute("SELECT count(*) FROM user_profiles").fetchone() == (0,)
    assert [(c, o) for c, o, _ in _audit(engine)] == [
        ("communities grant-login", "ok"),
        ("communities grant-login", "refused"),
        ("communities revoke-login", "ok"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("grant-login", "{app}", "nowhere"), "Community nowhere not found"),
        (("grant-login", "no_such_login_x", "A"), "No database login no_such_login_x"),
        (("grant-login", LOGINS["worker"], "A"), "only app logins are bound to one"),
        (("grant-login", "{learner}", "A"), "is not a member of certflow_app"),
        (("revoke-login", "{app}"), "is not bound to a community"),
    ],
)
def test_refusals_say_why_and_are_audited(
    cli: CliRunner,
    login_as: Connect,
    world: World,
    engine: sa.Engine,
    args: tuple[str, ...],
    message: str,
) -> None:
    names = {
        "app": login_as("certflow_app").info.user,
        "learner": login_as("certflow_learner", direct=True).info.user,
    }
    code, out = _run(cli, *(a.format(**names) for a in args))
    assert (code, message in out) == (1, True), out
    [(command, outcome, result)] = _audit(engine)
    assert (command, outcome) == (f"communities {args[0]}", "refused")
    assert isinstance(result, dict)
    assert message in result["error"]
