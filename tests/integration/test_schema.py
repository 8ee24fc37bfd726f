"""The schema built from the migrations matches what the code expects."""

from __future__ import annotations

import re

import psycopg
import sqlalchemy as sa

from db.migrate import migrate, pending_migrations
from db.queries import all_queries
from db.tables import metadata
from tests.fixtures.database import settings_for

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


def _is_yoyo_table(name: str) -> bool:
    """yoyo's own bookkeeping (_yoyo_migration, _yoyo_log, ..., yoyo_lock)."""
    return name.startswith("_yoyo") or name == "yoyo_lock"


def test_every_migrated_table_is_in_code_and_every_table_in_code_is_migrated(
    engine: sa.Engine,
) -> None:
    live = {name for name in sa.inspect(engine).get_table_names() if not _is_yoyo_table(name)}
    declared = set(metadata.tables)
    assert (sorted(live - declared), sorted(declared - live)) == ([], []), (
        f"tables missing from db/tables.py: {sorted(live - declared)};"
        f" tables missing from the schema: {sorted(declared - live)}"
    )


def test_tables_in_code_match_the_migrated_schema(engine: sa.Engine) -> None:
    """Both ways: every column on both sides, with the same nullability and type affinity."""
    inspector = sa.inspect(engine)
    live_tables = set(inspector.get_table_names())
    problems: list[str] = []
    for table in metadata.sorted_tables:
        if table.name not in live_tables:
            problems.append(f"{table.name} missing from the schema")
            continue
        live = {c["name"]: c for c in inspector.get_columns(table.name)}
        declared = {column.name: column for column in table.columns}
        problems += [
            f"{table.name}.{name} missing from db/tables.py" for name in live.keys() - declared
        ]
        problems += [
            f"{table.name}.{name} missing from the schema" for name in declared.keys() - live
        ]
        for name in declared.keys() & live.keys():
            column, actual = declared[name], live[name]
            if actual["nullable"] != column.nullable:
                problems.append(
                    f"{table.name}.{name}: nullable {actual['nullable']} in the schema,"
                    f" {column.nullable} in db/tables.py"
                )
            if actual["type"]._type_affinity != column.type._type_affinity:
                problems.append(f"{table.name}.{name}: {actual['type']} vs {column.type}")
    assert not problems, "db/tables.py and the migrations differ:\n" + "\n".join(sorted(problems))


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
