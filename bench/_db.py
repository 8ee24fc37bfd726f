"""A throwaway migrated database for a benchmark run."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from certflow.settings import Settings, load_settings
from db.migrate import migrate
from tests.fixtures.database import create_database, ensure_roles, login_url

ADMIN_URL = os.environ.get("CERTFLOW_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def bench_database(prefix: str = "certflow_bench") -> Iterator[Settings]:
    """A fresh database migrated as in a deployment: owned by ``certflow_owner``, whose
    login runs the migrations (the audit's SECURITY DEFINER functions run as the owner
    and write its tables); the bench itself connects as the superuser."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    ensure_roles(ADMIN_URL)
    url = create_database(ADMIN_URL, name)
    settings = load_settings({**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    try:
        migrate(load_settings({**os.environ, "DATABASE_URL": login_url(url, "owner")}))
        yield settings
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]
