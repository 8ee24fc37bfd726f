"""Errors a new user meets name what failed, where, and the fix; never a traceback or a password."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import main
from db.rules import rules_files
from tests.fixtures.database import create_database, drop_database

SQL_DIR = Path(__file__).resolve().parents[3] / "sql"
#: The numbered migrations (sql/ also holds the schema snapshot and the manifest).
MIGRATIONS = sorted(p.stem for p in SQL_DIR.glob("[0-9][0-9][0-9][0-9].*.sql"))
PASSWORD = "hunter2-not-shown"  # noqa: S105 - must never be printed


def _run(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> Result:
    monkeypatch.setenv("DATABASE_URL", url)
    return CliRunner().invoke(main, list(args))


def _url(user: str, name: str, port: int = 5432) -> str:
    return f"postgresql://{user}:{PASSWORD}@127.0.0.1:{port}/{name}"


@pytest.fixture
def missing_name(pg_admin_url: str) -> Iterator[str]:
    name = f"certflow_missing_{uuid.uuid4().hex[:8]}"
    yield name
    drop_database(pg_admin_url, name)


def test_a_command_on_a_missing_database_names_it_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, missing_name: str, template_db: str
) -> None:
    result = _run(monkeypatch, _url("certflow_test_admin", missing_name), "outbox", "status")

    assert result.exit_code == 1
    assert (
        f"error: cannot use database {missing_name} on 127.0.0.1:5432 as certflow_test_admin: "
        in result.output
    )
    assert f'database "{missing_name}" does not exist' in result.output
    assert "fix: run `certflow migrate`" in result.output
    assert PASSWORD not in result.output
    assert "Traceback" not in result.output


def test_an_unreachable_server_names_host_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(monkeypatch, _url("someone", "certflow", port=1), "outbox", "status")

    assert result.exit_code == 1
    assert "error: cannot use database certflow on 127.0.0.1:1 as someone: " in result.output
    assert "refused" in result.output.lower()
    assert "fix: start Postgres on 127.0.0.1:1, or set DATABASE_URL" in result.output
    assert PASSWORD not in result.output


def test_migrate_creates_a_missing_database_when_the_user_may(
    monkeypatch: pytest.MonkeyPatch, missing_name: str, pg_admin_url: str, template_db: str
) -> None:
    url = pg_admin_url.rsplit("/", 1)[0] + "/" + missing_name  # a superuser: may create
    result = _run(monkeypatch, url, "migrate")

    assert result.exit_code == 0, result.output
    rules = [f.label for f in rules_files()]
    assert result.output.splitlines() == [
        f"created database {missing_name}",
        *(f"applied {name}" for name in [*MIGRATIONS, *rules]),
        f"{len(MIGRATIONS)} migration(s) and {len(rules)} rules file(s) applied",
    ]
    again = _run(monkeypatch, url, "migrate")
    assert again.output == "schema up to date\n"


def test_migrate_names_the_command_when_the_user_may_not_create(
    monkeypatch: pytest.MonkeyPatch, missing_name: str, template_db: str
) -> None:
    result = _run(monkeypatch, _url("certflow_test_worker", missing_name), "migrate")

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert (
        f"certflow_test_worker may not create databases: create it as a user who may, e.g. "
        f"`createdb -h 127.0.0.1 -p 5432 -U postgres -O certflow_test_worker {missing_name}`"
    ) in result.output
    assert PASSWORD not in result.output


def test_a_database_never_migrated_says_run_migrate(
    monkeypatch: pytest.MonkeyPatch, missing_name: str, pg_admin_url: str, template_db: str
) -> None:
    create_database(pg_admin_url, missing_name)

    result = _run(monkeypatch, _url("certflow_test_admin", missing_name), "outbox", "status")

    assert result.exit_code == 1
    assert (
        "error: the database schema is missing or behind: run `certflow migrate`" in result.output
    )
    pending = len(MIGRATIONS) + len(rules_files())
    # outbox status checks the schema before it reads (issue 19, item 14).
    assert f"run `certflow migrate` ({pending} behind)\n" in result.output
    assert f"{pending} migration(s) not applied: 0001.schema" in result.output


def test_version_comes_from_the_package_metadata() -> None:
    result = CliRunner().invoke(main, ["--version"])

    assert result.exit_code == 0
    assert result.output == f"certflow {version('certflow')}\n"
