"""Postgres advisory locks for periodic jobs: two schedulers never run one job at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from db.engine import wrap_db_errors
from db.locks import session_lock
from db.queries import query

#: The scheduler's namespace of advisory locks.
JOB_LOCKS = 1868785010


@contextmanager
def job_lock(engine: sa.Engine, job: str) -> Iterator[bool]:
    """Hold ``job``'s lock while the body runs, so two schedulers never run one job at
    once. Yields False, holding nothing, when another session has it."""
    with session_lock(engine, JOB_LOCKS, job) as taken:
        yield taken


def metrics_snapshot(engine: sa.Engine) -> list[tuple[str, str, float]]:
    """Every figure ``certflow_metrics()`` reports: (metric, label, value) rows."""
    with wrap_db_errors(), engine.connect() as conn:
        rows = conn.execute(query("metrics_snapshot")).all()
        conn.rollback()
    return [(str(metric), str(label), float(value)) for metric, label, value in rows]
