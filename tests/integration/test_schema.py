"""The schema built from the migrations matches what the code expects and sql/schema.sql."""

from __future__ import annotations

import re

import psycopg
import pytest
import sqlalchemy as sa

from db.migrate import migrate, pending_migrations
from db.queries import all_queries
from tests.fixtures.database import settings_for
from tests.fixtures.schema import REGENERATE, SNAPSHOT, differences, dump_schema

MIGRATION_079_COLUMNS = {
    "enrollment_status",
    "milestones_completed_at",
    "completion_date",
    "certificate_issued",
    "certificate_issued_at",
    "certificate_tx_hash",
    "certificate_attestation_uid",
    "certificate_last_error",
    "certificate_last_error_at",
    "certificate_retry_count",
    "certificate_claim_in_progress",
}


def test_a_fresh_migrate_builds_the_committed_snapshot(database_urls: dict[str, str]) -> None:
    """sql/schema.sql is regenerated whenever a migration or a rules file changes the schema."""
    expected = SNAPSHOT.read_text(encoding="utf-8")
    actual = dump_schema(database_urls["owner"])  # a copy of the template: a fresh migrate
    if actual != expected:
        pytest.fail(
            f"sql/schema.sql is not the schema the migrations build: run `{REGENERATE}`, "
            "review its diff and commit it.\n"
            + differences(expected, actual, "sql/schema.sql", "fresh migrate")
        )


def test_enrollments_have_every_column_and_index_of_migration_079(engine: sa.Engine) -> None:
    inspector = sa.inspect(engine)
    columns = {c["name"] for c in inspector.get_columns("bootcamp_enrollments")}
    assert columns >= MIGRATION_079_COLUMNS
    indexes = {i["name"]: i for i in inspector.get_indexes("bootcamp_enrollments")}
    assert {"idx_be_cert_failed", "idx_be_completed_unclaimed", "idx_be_claim_in_progress"} <= set(
        indexes
    )


def test_migrate_twice_applies_nothing_the_second_time(database_urls: dict[str, str]) -> None:
    """Migrations run as the owner LOGIN user (the template was migrated that way too)."""
    owner = settings_for(database_urls["owner"])
    assert pending_migrations(owner) == []
    assert migrate(owner) == []


def test_every_named_query_parses(database_url: str) -> None:
    """PREPARE parses and plans each query without running it."""
    with psycopg.connect(database_url) as conn:
        for name, sql in all_queries().items():
            numbers: dict[str, str] = {}

            def number(match: re.Match[str], numbers: dict[str, str] = numbers) -> str:
                return numbers.setdefault(match.group(1), f"${len(numbers) + 1}")

            text = re.sub(r"(?<!:):(\w+)", number, sql)
            conn.execute(f"PREPARE q_{name} AS {text}".encode())
            conn.execute(f"DEALLOCATE q_{name}".encode())
