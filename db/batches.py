"""A chain batch's owner: the one live run that may send it.

A batch (its members in the enrollments' batch columns) outlives the run
that made it, so that a crash is healed by running it again. Running it
again while its first run is still sending is a race: both ask the node for
gas, and the later one sees the earlier one's keys and reverts. The owner
lock decides: a run sends a batch only while it holds the batch's lock, and
a run that dies (its connection with it) frees it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from db.engine import wrap_db_errors
from db.queries import query


@contextmanager
def batch_owner(engine: sa.Engine, batch: str) -> Iterator[bool]:
    """Hold ``batch``'s owner lock on a connection of its own while the body runs.

    Yields False, holding nothing, when a live run holds it. Session-level: the
    body commits as often as it likes on other connections.
    """
    with wrap_db_errors(), engine.connect() as conn:
        owned = bool(conn.execute(query("batch_owner_try"), {"batch": batch}).scalar_one())
        conn.commit()
        try:
            yield owned
        finally:
            if owned:
                _release(conn, batch)


def _release(conn: sa.Connection, batch: str) -> None:
    if conn.invalidated or conn.closed:
        return  # the session ended, and its lock with it
    conn.execute(query("batch_owner_release"), {"batch": batch})
    conn.commit()
