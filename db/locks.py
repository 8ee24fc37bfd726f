"""Session-level Postgres advisory locks: one live holder at a time, freed with its session.

Two kinds share this mechanism, each in its own namespace (the first key of
the lock): the scheduler's job locks (db/operations.py) and chain batch owners
(db/batches.py). A lock is the session's, not a transaction's: the body
commits as often as it likes on other connections, and a holder that dies
(its connection with it) releases it when Postgres notices the session ended.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from db.engine import wrap_db_errors
from db.queries import query


@contextmanager
def session_lock(engine: sa.Engine, namespace: int, name: str) -> Iterator[bool]:
    """Hold the lock (``namespace``, ``name``) on a connection of its own while the body runs.

    Yields False, holding nothing, when another session holds it.
    """
    params = {"namespace": namespace, "name": name}
    with wrap_db_errors(), engine.connect() as conn:
        taken = bool(conn.execute(query("session_lock_try"), params).scalar_one())
        conn.commit()
        try:
            yield taken
        finally:
            if taken and not (conn.invalidated or conn.closed):
                conn.execute(query("session_lock_release"), params)
                conn.commit()
