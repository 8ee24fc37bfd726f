"""Rules files: ``sql/rules/*.sql``, the functions and triggers that hold business rules.

A rules file holds complete ``CREATE OR REPLACE`` definitions (each function
with its pinned ``search_path``, its owner and EXECUTE rights where they
matter), so changing a rule is a diff of one function. ``certflow migrate``
applies, after the numbered migrations, each file whose sha256 differs from the
one ``public.applied_rules`` records (0021), in one transaction with that row;
an unchanged file is not applied again. Files apply in name order.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from certflow.errors import DatabaseFailed
from db.engine import server_message

RULES_DIR = Path(__file__).resolve().parent.parent / "sql" / "rules"
#: How an applied or pending rules file is named next to the migrations ("rules/claims.sql").
PREFIX = "rules/"


@dataclass(frozen=True)
class RulesFile:
    name: str
    text: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text).hexdigest()

    @property
    def label(self) -> str:
        return f"{PREFIX}{self.name}"


def rules_files(directory: Path = RULES_DIR) -> list[RulesFile]:
    """Every rules file, in the order they apply (by name)."""
    return [RulesFile(path.name, path.read_bytes()) for path in sorted(directory.glob("*.sql"))]


def recorded(conn: psycopg.Connection[Any]) -> dict[str, str]:
    """The sha256 this database records per rules file; empty before 0021."""
    table = conn.execute("SELECT to_regclass('public.applied_rules')").fetchone()
    if not (table and table[0]):
        return {}
    return dict(conn.execute("SELECT file, sha256 FROM public.applied_rules").fetchall())


def outdated(conn: psycopg.Connection[Any], files: list[RulesFile]) -> list[RulesFile]:
    """The files that are new to this database or changed since it applied them."""
    done = recorded(conn)
    return [f for f in files if done.get(f.name) != f.sha256]


def apply_rules(conn: psycopg.Connection[Any], files: list[RulesFile] | None = None) -> list[str]:
    """Apply each new or changed rules file in a transaction of its own, with its row.

    ``conn`` is in autocommit mode (yoyo's): each file commits before the next
    starts, so a failing file leaves the ones before it applied and recorded.
    """
    applied: list[str] = []
    for rules in outdated(conn, rules_files() if files is None else files):
        try:
            with conn.transaction():
                conn.execute(rules.text)  # no parameters: the whole file in one simple query
                conn.execute(
                    "INSERT INTO public.applied_rules (file, sha256) VALUES (%s, %s)"
                    " ON CONFLICT (file) DO UPDATE"
                    " SET sha256 = EXCLUDED.sha256, applied_at = now()",
                    (rules.name, rules.sha256),
                )
        except psycopg.Error as exc:
            raise DatabaseFailed(f"{rules.label} failed: {server_message(exc)}") from exc
        applied.append(rules.label)
    return applied
