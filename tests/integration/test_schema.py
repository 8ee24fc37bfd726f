"""The schema built from the migrations matches what the code expects."""

from __future__ import annotations

import re

import psycopg
import sqlalchemy as sa

from certflow.settings import Settings
from db.migrate import migrate, pending_migrations
from db.queries import all_queries
from db.tables import metadata

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


def test_tables_in_code_match_the_migrated_schema(engine: sa.Engine) -> None:
    inspector = sa.inspect(engine)
    for table in metadata.sorted_tables:
        live = {c["name"]: c for c in inspector.get_columns(table.name)}
        for column in table.columns:
            assert column.name in live, f"{table.name}.{column.name} missing from the schema"
            assert live[column.name]["nullable"] == column.nullable, f"{table.name}.{column.name}"
            assert live[column.name]["type"]._type_affinity == column.type._type_affinity, (
                f"{table.name}.{column.name}: {live[column.name]['type']} vs {column.type}"
            )


def test_enrollments_have_every_column_and_index_of_migration_079(engine: sa.Engine) -> None:
    inspector = sa.inspect(engine)
    columns = {c["name"] for c in inspector.get_columns("bootcamp_enrollments")}
    assert columns >= MIGRATION_079_COLUMNS
    indexes = {i["name"]: i for i in inspector.get_indexes("bootcamp_enrollments")}
    assert {"idx_be_cert_failed", "idx_be_completed_unclaimed", "idx_be_claim_in_progress"} <= set(
        indexes
    )


def test_migrate_twice_applies_nothing_the_second_time(settings: Settings) -> None:
    assert pending_migrations(settings) == []
    assert migrate(settings) == []


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
