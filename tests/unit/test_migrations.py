"""The migrations in sql/ are named, numbered and introduced consistently.

Names are NNNN.snake_case_name.sql; numbers are unique, strictly increasing and
contiguous from 0001, with ONE historical exception: 0007, 0008 and 0009 were
never used, and 0010.certificates.sql is already applied on deployed databases
(yoyo records migrations by file name), so it is not renumbered to close the
gap. Any future migration is 0011, 0012, ... with no gap. Each file starts with
a comment saying what it holds.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
NAME = re.compile(r"^(?P<number>\d{4})\.(?P<name>[a-z][a-z0-9]*(?:_[a-z0-9]+)*)\.sql$")
# The one allowed gap (see the module docstring): numbers never used, and the
# migration after it, kept under its deployed name.
NEVER_USED = frozenset({7, 8, 9})
AFTER_THE_GAP = "0010.certificates.sql"


def naming_problems(names: list[str]) -> list[str]:
    """Everything wrong with a list of migration file names; empty when all is well."""
    problems = [f"{name}: not NNNN.snake_case_name.sql" for name in names if not NAME.match(name)]
    numbered = sorted((int(m["number"]), name) for name in names if (m := NAME.match(name)))
    numbers = [number for number, _ in numbered]
    for number in sorted({n for n in numbers if numbers.count(n) > 1}):
        clashing = [name for n, name in numbered if n == number]
        problems.append(f"number {number:04d} used more than once: {clashing}")
    if not numbers:
        return [*problems, "no migrations"]
    for number, name in numbered:
        if number in NEVER_USED:
            problems.append(
                f"{name}: {number:04d} is in the historical gap 0007-0009; never use it"
            )
    if numbers[-1] >= 10 and AFTER_THE_GAP not in names:
        problems.append(f"{AFTER_THE_GAP} (deployed) is missing or renamed")
    expected = [n for n in range(1, numbers[-1] + 1) if n not in NEVER_USED]
    missing = sorted(set(expected) - set(numbers))
    if missing:
        problems.append(f"numbers missing: {', '.join(f'{n:04d}' for n in missing)}")
    return problems


#: The files beside the migrations that are not migrations: the schema snapshot and the
#: manifest of landed migrations (sql/rules/ is a folder).
NOT_MIGRATIONS = frozenset({"schema.sql", "migrations.sha256"})


def migration_files() -> list[Path]:
    """Every file in sql/ but the snapshot and the manifest: each must be a migration."""
    return sorted(
        path for path in SQL_DIR.iterdir() if path.is_file() and path.name not in NOT_MIGRATIONS
    )


def test_migration_names_are_numbered_without_gaps() -> None:
    names = [path.name for path in migration_files()]
    assert names, f"no migrations in {SQL_DIR}"
    assert naming_problems(names) == []


def test_the_files_sort_in_number_order() -> None:
    """yoyo applies migrations in file-name order: it must be the numeric order."""
    names = [path.name for path in migration_files()]
    numbers = [int(m["number"]) for name in names if (m := NAME.match(name))]
    assert numbers == sorted(set(numbers)), "numbers are not strictly increasing"


@pytest.mark.parametrize(
    ("names", "problem"),
    [
        (["0001.schema.sql", "0002.Outbox.sql"], "0002.Outbox.sql: not NNNN"),
        (["0001.schema.sql", "2.outbox.sql"], "2.outbox.sql: not NNNN"),
        (["0001.schema.sql", "0002.out-box.sql"], "0002.out-box.sql: not NNNN"),
        (["0001.schema.sql", "0002.outbox.rollback.sql"], "0002.outbox.rollback.sql: not NNNN"),
        (["0001.schema.sql", "0001.outbox.sql"], "number 0001 used more than once"),
        (["0001.schema.sql", "0003.outbox.sql"], "numbers missing: 0002"),
        (["0002.outbox.sql"], "numbers missing: 0001"),
        (
            [*(f"000{n}.m{n}.sql" for n in range(1, 7)), AFTER_THE_GAP, "0012.next.sql"],
            "numbers missing: 0011",
        ),
        (
            [*(f"000{n}.m{n}.sql" for n in range(1, 8)), AFTER_THE_GAP],
            "0007.m7.sql: 0007 is in the historical gap",
        ),
        (
            [*(f"000{n}.m{n}.sql" for n in range(1, 7)), "0010.certificate_pdfs.sql"],
            "0010.certificates.sql (deployed) is missing or renamed",
        ),
    ],
)
def test_naming_problems_are_found(names: list[str], problem: str) -> None:
    assert any(found.startswith(problem) for found in naming_problems(names)), naming_problems(
        names
    )


def test_the_historical_gap_and_the_next_number_are_accepted() -> None:
    history = [*(f"000{n}.m{n}.sql" for n in range(1, 7)), AFTER_THE_GAP]
    assert naming_problems(history) == []
    assert naming_problems([*history, "0011.next_thing.sql"]) == []


@pytest.mark.parametrize("path", migration_files(), ids=lambda path: path.name)
def test_each_migration_starts_with_a_comment_saying_what_it_holds(path: Path) -> None:
    first = path.read_text(encoding="utf-8").lstrip("\ufeff").splitlines()[0]
    assert first.startswith("-- "), f"{path.name} must start with a -- comment: {first!r}"
    text = first.removeprefix("-- ").strip()
    assert not text.lower().startswith("depends:"), f"{path.name}: say what it holds first"
    assert len(text.split()) >= 3, f"{path.name}: the first comment says too little: {first!r}"
