"""Named SQL queries, loaded once from ``db/sql/*.sql`` (``-- name: NAME`` sections)."""

from __future__ import annotations

import importlib.resources
import re
from functools import cache

import sqlalchemy as sa

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)


def parse(text: str) -> dict[str, str]:
    """Split a file of ``-- name: x`` sections into {name: sql}."""
    parts = _NAME.split(text)
    queries: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in queries:
            raise ValueError(f"query {name!r} is defined twice")
        queries[name] = body.strip().rstrip(";")
    return queries


@cache
def all_queries() -> dict[str, str]:
    """Every named query of every file; a name defined in two files is an error."""
    queries: dict[str, str] = {}
    folder = importlib.resources.files("db").joinpath("sql")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".sql"):
            continue
        for name, sql in parse(entry.read_text()).items():
            if name in queries:
                raise ValueError(f"query {name!r} is defined twice ({entry.name})")
            queries[name] = sql
    return queries


def query(name: str) -> sa.TextClause:
    """The named query as a SQLAlchemy text clause."""
    return sa.text(all_queries()[name])
