"""Engine and transaction handling; psycopg errors become certflow errors here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from certflow.errors import DatabaseError, DatabaseUnavailable
from certflow.settings import Settings


def make_engine(settings: Settings, *, pool_size: int = 10, pre_ping: bool = True) -> sa.Engine:
    """One pooled engine per process.

    Workers turn ``pre_ping`` off: it costs a round trip per checkout on the
    hot path, and a connection that died with the server fails as a transient
    error (retried), after which SQLAlchemy drops the stale pool.
    """
    return sa.create_engine(
        settings.sqlalchemy_url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=pre_ping,
        pool_recycle=1800,
    )


@contextmanager
def wrap_db_errors() -> Iterator[None]:
    """Turn driver errors into our tree: unreachable is transient, the rest is not."""
    try:
        yield
    except (sa_exc.OperationalError, sa_exc.InterfaceError) as exc:
        raise DatabaseUnavailable(f"database unavailable: {type(exc.orig).__name__}") from exc
    except sa_exc.DBAPIError as exc:
        raise DatabaseError(f"database error: {exc.orig}") from exc


@contextmanager
def transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection inside one transaction: committed on success, rolled back on error."""
    with wrap_db_errors(), engine.begin() as conn:
        yield conn
