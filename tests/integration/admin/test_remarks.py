"""`certflow remark`: a bootcamp_completion_remarks row, audited; unknown enrollments refused."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import main
from db import seed
from tests.integration.helpers import rows


@pytest.fixture
def cli(admin_database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", admin_database_url)
    return CliRunner()


def test_a_remark_is_written_and_audited(
    cli: CliRunner, engine: sa.Engine, owner_engine: sa.Engine
) -> None:
    with owner_engine.begin() as conn:
        cohort = seed.create_cohort(conn, bootcamp_id="b1", cohort_id="c1", milestones=1)
        seed.enroll_learners(conn, cohort, ["L0"])
    (enrollment,) = cohort.learners.values()

    result = cli.invoke(
        main, ["remark", str(enrollment), "--type", "misconduct", "copied the capstone", "--json"]
    )

    assert result.exit_code == 0, result.output
    (remark,) = rows(engine, "SELECT * FROM bootcamp_completion_remarks")
    assert (remark.enrollment_id, remark.remark_type, remark.content) == (
        enrollment,
        "misconduct",
        "copied the capstone",
    )
    assert json.loads(result.output)["id"] == str(remark.id)
    (audit,) = rows(engine, "SELECT * FROM admin_audit")
    assert (audit.command, audit.outcome) == ("remark", "ok")
    assert audit.arguments == {
        "enrollment_id": str(enrollment),
        "type": "misconduct",
        "text": "copied the capstone",
    }


def test_a_remark_on_an_unknown_enrollment_is_refused(cli: CliRunner, engine: sa.Engine) -> None:
    result = cli.invoke(main, ["remark", str(uuid.uuid4()), "--type", "feedback", "great"])

    assert result.exit_code == 1
    assert "refused: Enrollment not found" in result.output
    assert rows(engine, "SELECT * FROM bootcamp_completion_remarks") == []
    (audit,) = rows(engine, "SELECT outcome FROM admin_audit")
    assert audit.outcome == "refused"


def test_the_type_is_one_of_the_source_types(cli: CliRunner) -> None:
    result = cli.invoke(main, ["remark", str(uuid.uuid4()), "--type", "praise", "x"])

    assert result.exit_code == 2
    assert "'feedback', 'misconduct', 'context', 'other'" in result.output
