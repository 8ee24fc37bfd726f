"""Engine and transaction handling; psycopg errors become certflow errors here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from certflow.errors import (
    DatabaseConflict,
    DatabaseFailed,
    DatabaseMissing,
    DatabaseUnavailable,
    SchemaOutOfDate,
)
from certflow.settings import Settings


def make_engine(
    settings: Settings,
    *,
    pool_size: int = 10,
    pre_ping: bool = True,
    read_only: bool = False,
    flush_commits: bool = True,
) -> sa.Engine:
    """One pooled engine per process.

    Workers turn ``pre_ping`` off: it costs a round trip per checkout on the
    hot path, and a connection that died with the server fails as a transient
    error (retried), after which SQLAlchemy drops the stale pool.
    ``read_only`` makes every transaction read-only (the web process): a second
    guard besides the role's grants. ``flush_commits=False``: commits do not wait for
    the WAL flush (webhook attempts: a commit lost in a crash means one more attempt).
    """
    options = []
    if read_only:
        options.append("-c default_transaction_read_only=on")
    if not flush_commits:
        options.append("-c synchronous_commit=off")
    connect_args = {"options": " ".join(options)} if options else {}
    return sa.create_engine(
        settings.sqlalchemy_url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=pre_ping,
        pool_recycle=1800,
        connect_args=connect_args,
    )


@contextmanager
def wrap_db_errors() -> Iterator[None]:
    """Turn driver errors into our tree: unreachable is transient, the rest is not."""
    try:
        yield
    except sa_exc.DBAPIError as exc:
        raise translate(exc) from exc


#: SQLSTATEs of a transaction that lost a race: deadlock, serialization failure.
_CONFLICTS = frozenset({"40P01", "40001"})
#: Undefined table, function, column, schema: statements written for migrations not applied.
_SCHEMA_MISSING = frozenset({"42P01", "42883", "42703", "3F000"})
#: SQLSTATE of a connection to a database that does not exist (libpq often leaves it unset).
_NO_DATABASE = "3D000"


def translate(exc: sa_exc.DBAPIError) -> DatabaseConflict | DatabaseFailed | DatabaseUnavailable:
    """The certflow error for a driver error: a lost race and an outage are transient."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in _CONFLICTS:
        return DatabaseConflict(f"database conflict ({sqlstate}): {exc.orig}")
    if sqlstate in _SCHEMA_MISSING:
        first_line = str(exc.orig).splitlines()[0] if str(exc.orig) else ""
        return SchemaOutOfDate(f"{SchemaOutOfDate.__doc__} ({first_line})")
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        return unavailable(exc.orig)
    return DatabaseFailed(f"database error: {exc.orig}")


def unavailable(orig: BaseException | None) -> DatabaseUnavailable:
    """A connection failure with the server's (or libpq's) own words, which never hold the
    password; a database that does not exist is told apart, since migrate can create it."""
    message = server_message(orig)
    missing = getattr(orig, "sqlstate", None) == _NO_DATABASE or (
        "database" in message and "does not exist" in message
    )
    kind = DatabaseMissing if missing else DatabaseUnavailable
    return kind(f"database unavailable: {message}")


def server_message(orig: BaseException | None) -> str:
    """The driver's message on one line (libpq spreads one failure over several)."""
    return " ".join(str(orig).split()) or type(orig).__name__


@contextmanager
def transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection inside one transaction: committed on success, rolled back on error."""
    with wrap_db_errors(), engine.begin() as conn:
        yield conn


@contextmanager
def rehearsal(engine: sa.Engine, *, dry_run: bool) -> Iterator[sa.Connection]:
    """A transaction that commits, or with ``dry_run`` always rolls back: the same
    statements report what they would change and change nothing."""
    if not dry_run:
        with transaction(engine) as conn:
            yield conn
        return
    with wrap_db_errors(), engine.connect() as conn:
        tx = conn.begin()
        try:
            yield conn
        finally:
            tx.rollback()
