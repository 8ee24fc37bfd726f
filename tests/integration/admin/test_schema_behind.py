"""Issue 19, item 14: `reconcile --dry-run` and `outbox status` on a database whose
migrations are behind refuse with the schema error (and the migrations it lacks), as
the other commands do, instead of exiting 0 without a word."""

from __future__ import annotations

import psycopg
import pytest
from click.testing import CliRunner

from cli.main import main


@pytest.fixture
def five_behind(pg_admin_url: str, database_name: str) -> None:
    """yoyo's record of this database lacks the last five migrations."""
    url = pg_admin_url.rsplit("/", 1)[0] + "/" + database_name
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "DELETE FROM _yoyo_migration WHERE migration_id IN"
            " (SELECT migration_id FROM _yoyo_migration ORDER BY migration_id DESC LIMIT 5)"
        )


@pytest.mark.parametrize("command", [["reconcile", "--dry-run"], ["outbox", "status"]])
def test_a_database_behind_is_refused_naming_what_to_run(
    admin_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    five_behind: None,
    command: list[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", admin_database_url)

    result = CliRunner().invoke(main, command)

    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(
        "error: the database schema is missing or behind: run `certflow migrate`"
    )
    assert lines[1].startswith("5 migration(s) not applied: ")
