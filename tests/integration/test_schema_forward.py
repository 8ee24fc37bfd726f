"""A database migrated before the rules files existed migrates forward to exactly the
schema of a fresh migrate.

The "before" database is built as commit 029f645 built it: yoyo alone applies
the numbered migrations 0001-0020 (unchanged since: sql/migrations.sha256 holds
them), and it holds a learner's rows. Then today's ``migrate`` runs.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.types.json import Jsonb
from yoyo import get_backend, read_migrations

from db.migrate import SQL_DIR, migrate, pending_migrations
from db.rules import rules_files
from tests.fixtures.database import (
    create_database,
    drop_database,
    ensure_roles,
    login_url,
    settings_for,
)
from tests.fixtures.schema import differences, dump_schema

#: The last numbered migration at 029f645, before rules files and their table (0021).
LAST_BEFORE_RULES = 20
LEARNER = "00000000-0000-4000-8000-0000000000a1"


def migrations_at_029f645(into: Path) -> Path:
    """0001-0020 copied alone, each checked against the manifest (so: as they landed)."""
    into.mkdir()
    for line in (SQL_DIR / "migrations.sha256").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ")
        if int(name[:4]) <= LAST_BEFORE_RULES:
            assert hashlib.sha256((SQL_DIR / name).read_bytes()).hexdigest() == digest, name
            shutil.copy(SQL_DIR / name, into / name)
    return into


def migrate_with_yoyo_only(url: str, directory: Path) -> None:
    """What ``certflow migrate`` did at 029f645: yoyo, every migration of a folder."""
    backend = get_backend(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with backend.lock():
            backend.apply_migrations(backend.to_apply(read_migrations(str(directory))))
    finally:
        backend.connection.close()


def seed_a_learner(url: str) -> None:
    """A deployment's rows: a bootcamp, a learner enrolled, one of two milestones done."""
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO bootcamp_programs (id, name) VALUES ('bc', 'Bootcamp')")
        conn.execute("INSERT INTO cohorts (id, bootcamp_program_id, name) VALUES ('co', 'bc', 'C')")
        conn.execute(
            "INSERT INTO cohort_milestones (id, cohort_id, name, order_index)"
            " VALUES ('m1', 'co', 'One', 1), ('m2', 'co', 'Two', 2)"
        )
        conn.execute("INSERT INTO user_profiles (id, display_name) VALUES (%s, 'Ada')", (LEARNER,))
        conn.execute(
            "INSERT INTO bootcamp_enrollments (user_profile_id, cohort_id) VALUES (%s, 'co')",
            (LEARNER,),
        )
        conn.execute(
            "INSERT INTO user_milestone_progress (user_profile_id, milestone_id, status)"
            " VALUES (%s, 'm1', 'completed'), (%s, 'm2', 'in_progress')",
            (LEARNER, LEARNER),
        )


@pytest.fixture
def database_at_029f645(pg_admin_url: str, tmp_path: Path) -> Iterator[str]:
    """The owner's URL of a database migrated and used as at 029f645."""
    ensure_roles(pg_admin_url)
    name = f"certflow_t_{uuid.uuid4().hex[:10]}"
    url = login_url(create_database(pg_admin_url, name), "owner")
    migrate_with_yoyo_only(url, migrations_at_029f645(tmp_path / "sql"))
    seed_a_learner(url)
    yield url
    drop_database(pg_admin_url, name)


def test_a_database_of_029f645_migrates_forward_to_the_schema_of_a_fresh_one(
    database_at_029f645: str, database_urls: dict[str, str]
) -> None:
    settings = settings_for(database_at_029f645)
    pending = pending_migrations(settings)
    assert pending[0] == "0021.applied_rules"
    assert pending[-len(rules_files()) :] == [f.label for f in rules_files()]

    assert migrate(settings) == pending

    fresh = dump_schema(database_urls["owner"])
    forward = dump_schema(database_at_029f645)
    if forward != fresh:
        pytest.fail(
            "a database of 029f645 migrated forward differs from a fresh one:\n"
            + differences(fresh, forward, "fresh migrate", "029f645, then migrate")
        )
    assert pending_migrations(settings) == []


def test_the_rules_work_on_the_rows_of_a_forwarded_database(database_at_029f645: str) -> None:
    """The learner's rows survive, and the completion rule (now from sql/rules/) runs on them."""
    migrate(settings_for(database_at_029f645))
    with psycopg.connect(database_at_029f645) as conn:
        conn.execute(
            "UPDATE user_milestone_progress SET status = 'completed'"
            " WHERE user_profile_id = %s AND milestone_id = 'm2'",
            (LEARNER,),
        )
        events = [{"key": "k-m2", "user_profile_id": LEARNER, "milestone_id": "m2"}]
        outcome = conn.execute(
            "SELECT public.handle_milestones_completed('check_completion', 'msg-1', %s)"
            " -> 0 ->> 'outcome'",
            (Jsonb(events),),
        ).fetchone()
        kinds = conn.execute("SELECT kind FROM event_outbox ORDER BY id").fetchall()

    assert outcome == ("completed",)
    assert [kind for (kind,) in kinds] == [
        "milestone.completed",
        "milestone.completed",
        "enrollment.completed",
    ]
