"""Landed migrations never change: sql/migrations.sha256 records each one's sha256.

Editing, deleting or renumbering a listed migration fails; a new migration
without a line fails too, saying how to add it. scripts/migration-manifest
appends lines for new migrations and never rewrites one.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "migration-manifest"
MANIFEST = "migrations.sha256"


def run(*args: str, sql_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    where = ["--sql-dir", str(sql_dir)] if sql_dir else []
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args, *where], capture_output=True, text=True, check=False
    )


@pytest.fixture
def sql_dir(tmp_path: Path) -> Path:
    """A copy of sql/'s migrations and manifest, to break."""
    copy = tmp_path / "sql"
    copy.mkdir()
    for path in (ROOT / "sql").iterdir():
        if path.is_file():
            shutil.copy(path, copy / path.name)
    return copy


def test_every_landed_migration_is_listed_and_unchanged() -> None:
    done = run("--check")
    assert (done.returncode, done.stderr) == (0, "")


def test_the_manifest_is_sha256sum_format_for_every_numbered_migration() -> None:
    lines = (ROOT / "sql" / MANIFEST).read_text(encoding="utf-8").splitlines()
    numbered = sorted(p.name for p in (ROOT / "sql").glob("[0-9][0-9][0-9][0-9].*.sql"))
    assert [line.split("  ")[1] for line in lines] == numbered
    for line in lines:
        digest, name = line.split("  ")
        assert hashlib.sha256((ROOT / "sql" / name).read_bytes()).hexdigest() == digest


def test_editing_a_landed_migration_fails(sql_dir: Path) -> None:
    path = sql_dir / "0003.completion.sql"
    path.write_text(path.read_text(encoding="utf-8") + "\n-- one more line\n", encoding="utf-8")

    done = run("--check", sql_dir=sql_dir)

    assert done.returncode == 1
    assert "sql/0003.completion.sql changed after it landed" in done.stderr
    assert "put the change in a new migration" in done.stderr


def test_deleting_a_landed_migration_fails(sql_dir: Path) -> None:
    (sql_dir / "0019.admin_remarks.sql").unlink()

    done = run("--check", sql_dir=sql_dir)

    assert done.returncode == 1
    assert "sql/0019.admin_remarks.sql is in sql/migrations.sha256 but gone" in done.stderr


def test_renumbering_a_landed_migration_fails(sql_dir: Path) -> None:
    (sql_dir / "0010.certificates.sql").rename(sql_dir / "0007.certificates.sql")

    done = run("--check", sql_dir=sql_dir)

    assert done.returncode == 1
    assert "sql/0010.certificates.sql is in sql/migrations.sha256 but gone" in done.stderr
    assert "sql/0007.certificates.sql has no line" in done.stderr


def test_a_new_migration_without_a_line_fails_saying_how_to_add_it(sql_dir: Path) -> None:
    (sql_dir / "0099.something_new.sql").write_text("-- Something new here.\n", encoding="utf-8")

    done = run("--check", sql_dir=sql_dir)

    assert done.returncode == 1
    assert (
        "sql/0099.something_new.sql has no line in sql/migrations.sha256: "
        "run scripts/migration-manifest to add it"
    ) in done.stderr


def test_the_script_appends_new_migrations_and_keeps_every_line(sql_dir: Path) -> None:
    before = (sql_dir / MANIFEST).read_bytes()
    new = sql_dir / "0099.something_new.sql"
    new.write_text("-- Something new here.\n", encoding="utf-8")

    done = run(sql_dir=sql_dir)

    assert (done.returncode, done.stdout) == (0, "added sql/0099.something_new.sql\n")
    after = (sql_dir / MANIFEST).read_bytes()
    digest = hashlib.sha256(new.read_bytes()).hexdigest()
    assert after == before + f"{digest}  0099.something_new.sql\n".encode()
    assert run("--check", sql_dir=sql_dir).returncode == 0
    assert run(sql_dir=sql_dir).stdout == ""  # nothing new: nothing appended
    assert (sql_dir / MANIFEST).read_bytes() == after


def test_the_script_refuses_to_record_anything_while_a_landed_migration_is_edited(
    sql_dir: Path,
) -> None:
    before = (sql_dir / MANIFEST).read_bytes()
    (sql_dir / "0001.schema.sql").write_text("-- Rewritten history.\n", encoding="utf-8")
    (sql_dir / "0099.something_new.sql").write_text("-- Something new here.\n", encoding="utf-8")

    done = run(sql_dir=sql_dir)

    assert done.returncode == 1
    assert "sql/0001.schema.sql changed after it landed" in done.stderr
    assert (sql_dir / MANIFEST).read_bytes() == before


def test_a_rewritten_manifest_line_is_caught(sql_dir: Path) -> None:
    """A line whose sha256 does not match its file fails, whichever of the two changed."""
    manifest = sql_dir / MANIFEST
    lines = manifest.read_text(encoding="utf-8").splitlines()
    lines[1] = "0" * 64 + "  0002.outbox.sql"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")

    done = run("--check", sql_dir=sql_dir)

    assert done.returncode == 1
    assert "sql/0002.outbox.sql changed after it landed" in done.stderr
