"""Every admin command writes one audit row: who, the command, its arguments, the outcome."""

from __future__ import annotations

import getpass
import json
import uuid

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import main
from db import seed
from tests.integration.helpers import enrollment_status, rows


@pytest.fixture
def cli(admin_database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", admin_database_url)
    return CliRunner()


def _completed_behind_the_trigger(owner: sa.Engine) -> uuid.UUID:
    """One learner with every milestone done but the enrollment still active."""
    with owner.begin() as conn:
        cohort = seed.create_cohort(conn, bootcamp_id="b1", cohort_id="c1", milestones=2)
        seed.enroll_learners(conn, cohort, ["L0"])
        conn.execute(sa.text("ALTER TABLE user_milestone_progress DISABLE TRIGGER USER"))
        ((user, enrollment),) = cohort.learners.items()
        for m in cohort.milestone_ids:
            seed.complete_milestone(conn, user, m)
        conn.execute(sa.text("ALTER TABLE user_milestone_progress ENABLE TRIGGER USER"))
    return enrollment


def test_a_repair_is_audited_with_who_what_and_result(
    cli: CliRunner, engine: sa.Engine, owner_engine: sa.Engine
) -> None:
    enrollment = _completed_behind_the_trigger(owner_engine)

    result = cli.invoke(main, ["fix-status", str(enrollment), "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["new_status"] == "completed"
    assert enrollment_status(engine, enrollment) == "completed"
    (row,) = rows(engine, "SELECT * FROM admin_audit")
    assert (row.actor, row.via, row.command) == (getpass.getuser(), "cli", "fix-status")
    assert row.arguments == {"enrollment_id": str(enrollment)}
    assert (row.outcome, row.result["new_status"]) == ("ok", "completed")
    assert row.db_user.startswith("certflow_test_admin")


def test_a_refused_repair_is_audited_as_refused(cli: CliRunner, engine: sa.Engine) -> None:
    missing = uuid.uuid4()

    result = cli.invoke(main, ["force-unlock", str(missing), "--json"])

    (row,) = rows(engine, "SELECT * FROM admin_audit")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["success"] is False  # the JSON still on stdout
    assert (row.command, row.outcome) == ("force-unlock", "refused")
    assert row.result["message"] == "Enrollment not found"


def test_audit_list_filters_by_command_and_outcome(cli: CliRunner, owner_engine: sa.Engine) -> None:
    enrollment = _completed_behind_the_trigger(owner_engine)
    cli.invoke(main, ["fix-status", str(enrollment)])
    cli.invoke(main, ["force-unlock", str(uuid.uuid4())])

    refused = cli.invoke(main, ["audit", "list", "--outcome", "refused", "--json"])
    fixes = cli.invoke(main, ["audit", "list", "--command", "fix-status"])

    assert [r["command"] for r in json.loads(refused.output)] == ["force-unlock"]
    assert "fix-status" in fixes.output
    assert "force-unlock" not in fixes.output


def test_the_trail_is_append_only_for_admins(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT admin_audit_write('a', 'cli', 'x', '{}'::jsonb, 'ok', NULL)"))
    with (
        pytest.raises(sa.exc.ProgrammingError, match="permission denied"),
        engine.begin() as conn,
    ):
        conn.execute(sa.text("DELETE FROM admin_audit"))
