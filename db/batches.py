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

from db.locks import session_lock

#: The batch owners' namespace of advisory locks: certificate_target and the
#: attest_retry_take* queries read pg_locks for it (a stale batch is one whose
#: owner holds no lock), so it never changes.
BATCH_OWNERS = 1651799400


@contextmanager
def batch_owner(engine: sa.Engine, batch: str) -> Iterator[bool]:
    """Hold ``batch``'s owner lock on a connection of its own while the body runs
    (the one live run that may send it). Yields False, holding nothing, when a live run
    holds it."""
    with session_lock(engine, BATCH_OWNERS, batch) as owned:
        yield owned
