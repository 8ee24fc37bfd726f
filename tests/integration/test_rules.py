"""Rules files (sql/rules/*.sql) are applied by ``certflow migrate`` when, and only when,
their sha256 differs from the one the database records, one transaction per file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from certflow.errors import DatabaseFailed
from cli.main import main
from db.migrate import migrate, pending_migrations
from db.rules import RulesFile, apply_rules, rules_files
from tests.fixtures.database import settings_for

#: What claim_certificate said before this file's version, in a database that ran an older one.
OLD_CLAIM = b"""
CREATE OR REPLACE FUNCTION public.claim_certificate(p_enrollment_id uuid, p_enabled boolean)
RETURNS jsonb LANGUAGE sql SET search_path = ''
AS $$ SELECT '{"success": false, "error": "an older rule"}'::jsonb $$;
UPDATE public.applied_rules SET sha256 = repeat('0', 64) WHERE file = 'claims.sql';
"""
MISSING_ENROLLMENT = "00000000-0000-4000-8000-00000000dead"


@pytest.fixture
def owner(database_urls: dict[str, str]) -> Iterator[psycopg.Connection[Any]]:
    """The migrating user's connection, in autocommit as yoyo's is."""
    with psycopg.connect(database_urls["owner"], autocommit=True) as conn:
        yield conn


def claim(conn: psycopg.Connection[Any]) -> Any:
    row = conn.execute(
        "SELECT public.claim_certificate(%s, true) ->> 'error'", (MISSING_ENROLLMENT,)
    ).fetchone()
    return row[0] if row else None


def test_each_rules_file_is_recorded_with_its_sha256(owner: psycopg.Connection[Any]) -> None:
    recorded = dict(owner.execute("SELECT file, sha256 FROM public.applied_rules").fetchall())

    assert recorded == {f.name: f.sha256 for f in rules_files()}


def test_an_unchanged_rules_file_is_not_applied_again(
    owner: psycopg.Connection[Any], database_urls: dict[str, str]
) -> None:
    before = owner.execute("SELECT file, applied_at FROM public.applied_rules").fetchall()

    assert migrate(settings_for(database_urls["owner"])) == []
    assert owner.execute("SELECT file, applied_at FROM public.applied_rules").fetchall() == before


def test_a_changed_rules_file_is_pending_then_applied_once(
    owner: psycopg.Connection[Any], database_urls: dict[str, str]
) -> None:
    """A database that runs an older claims.sql: the command says so, and migrate fixes it."""
    owner.execute(OLD_CLAIM)
    settings = settings_for(database_urls["owner"])
    assert claim(owner) == "an older rule"

    assert pending_migrations(settings) == ["rules/claims.sql"]
    assert migrate(settings) == ["rules/claims.sql"]

    assert claim(owner) == "Enrollment not found"
    assert pending_migrations(settings) == []
    assert migrate(settings) == []


def test_migrate_prints_one_line_per_applied_rules_file(
    owner: psycopg.Connection[Any], database_urls: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    owner.execute(OLD_CLAIM)
    monkeypatch.setenv("DATABASE_URL", database_urls["owner"])

    result = CliRunner().invoke(main, ["migrate"])

    assert (result.exit_code, result.output) == (
        0,
        "applied rules/claims.sql\n1 rules file(s) applied\n",
    )


def test_a_failing_rules_file_changes_nothing_and_names_itself(
    owner: psycopg.Connection[Any],
) -> None:
    broken = RulesFile(
        "zz_broken.sql",
        b"CREATE OR REPLACE FUNCTION public.half_done() RETURNS integer LANGUAGE sql"
        b" SET search_path = '' AS $$ SELECT 1 $$;\n"
        b"CREATE OR REPLACE FUNCTION public.never() RETURNS integer LANGUAGE sql"
        b" SET search_path = '' AS $$ SELECT public.no_such_table.x $$;\n",
    )

    with pytest.raises(DatabaseFailed, match=r"rules/zz_broken\.sql failed: .*no_such_table"):
        apply_rules(owner, [broken])

    assert owner.execute("SELECT to_regprocedure('public.half_done()')").fetchone() == (None,)
    recorded = owner.execute("SELECT 1 FROM public.applied_rules WHERE file = 'zz_broken.sql'")
    assert recorded.fetchall() == []


def test_a_new_rules_file_is_applied_and_then_left_alone(owner: psycopg.Connection[Any]) -> None:
    new = RulesFile(
        "zz_new.sql",
        b"CREATE OR REPLACE FUNCTION public.answer() RETURNS integer LANGUAGE sql"
        b" SET search_path = '' AS $$ SELECT 42 $$;\n"
        b"REVOKE ALL ON FUNCTION public.answer() FROM PUBLIC;\n",
    )

    assert apply_rules(owner, [new]) == ["rules/zz_new.sql"]
    assert apply_rules(owner, [new]) == []
    assert owner.execute("SELECT public.answer()").fetchone() == (42,)
    assert owner.execute(
        "SELECT sha256 FROM public.applied_rules WHERE file = 'zz_new.sql'"
    ).fetchone() == (new.sha256,)


def test_every_function_pins_its_search_path(
    owner: psycopg.Connection[Any],
) -> None:
    names = owner.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p"
        " WHERE p.pronamespace = 'public'::regnamespace"
        " AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%%')"
    ).fetchall()

    assert names == []
