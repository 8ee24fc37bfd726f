"""Postgres advisory locks for periodic jobs: two schedulers never run one job at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from db.engine import wrap_db_errors
from db.queries import query


@contextmanager
def job_lock(engine: sa.Engine, job: str) -> Iterator[bool]:
    """Hold ``job``'s lock on a connection of its own while the body runs.

    Yields False, holding nothing, when another session has it. The lock is
    the session's, not a transaction's: the job commits as often as it likes,
    and a scheduler that dies (its connection with it) releases it.
    """
    with wrap_db_errors(), engine.connect() as conn:
        taken = bool(conn.execute(query("job_lock_try"), {"job": job}).scalar_one())
        conn.commit()
        try:
            yield taken
        finally:
            if taken:
                _release(conn, job)


def _release(conn: sa.Connection, job: str) -> None:
    if conn.invalidated or conn.closed:
        return  # the session ended, and its lock with it
    conn.execute(query("job_lock_release"), {"job": job})
    conn.commit()


def metrics_snapshot(engine: sa.Engine) -> list[tuple[str, str, float]]:
    """Every figure ``certflow_metrics()`` reports: (metric, label, value) rows."""
    with wrap_db_errors(), engine.connect() as conn:
        rows = conn.execute(query("metrics_snapshot")).all()
        conn.rollback()
    return [(str(metric), str(label), float(value)) for metric, label, value in rows]
