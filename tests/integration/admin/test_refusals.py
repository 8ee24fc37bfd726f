"""Issue 19, item 13: every refusal exits 1 with the source's message on stderr, and is
audited as refused (unknown enrollments, an unknown cohort, a dead letter that never
existed)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import main
from tests.integration.admin.letters import dead_letter
from tests.integration.helpers import rows


@pytest.fixture
def cli(admin_database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", admin_database_url)
    return CliRunner()


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["fix-status", str(uuid.uuid4())], "Enrollment not found"),
        (["force-unlock", str(uuid.uuid4())], "Enrollment not found"),
        (["fix-statuses", "no-such-cohort"], "Cohort not found"),
    ],
)
def test_a_repair_of_something_unknown_exits_1_with_the_message_and_is_audited_refused(
    cli: CliRunner, engine: sa.Engine, command: list[str], message: str
) -> None:
    result = cli.invoke(main, command)

    assert (result.exit_code, type(result.exception)) == (1, SystemExit), result.output
    assert result.stderr.strip() == f"error: {message}"
    [audit] = rows(engine, "SELECT command, outcome FROM admin_audit")
    assert (audit.command, audit.outcome) == (command[0], "refused")


def test_purging_a_dead_letter_that_never_existed_is_refused(
    cli: CliRunner, engine: sa.Engine
) -> None:
    real = dead_letter(engine)

    result = cli.invoke(main, ["dead-letters", "purge", str(real + 1000), "--yes"])

    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: Dead letter {real + 1000} not found"
    [audit] = rows(engine, "SELECT command, outcome, result FROM admin_audit")
    assert (audit.command, audit.outcome) == ("dead-letters purge", "refused")
    assert rows(engine, "SELECT id FROM dead_letters WHERE purged_at IS NULL")[0].id == real
