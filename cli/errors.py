"""What a command prints when it fails: what failed, where, and how to fix it.

Only the core is imported at module level: every ``certflow`` run imports this.
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

from certflow.errors import (
    CertflowError,
    DatabaseMissing,
    DatabaseUnavailable,
    SchemaOutOfDate,
)
from certflow.settings import Settings, load_settings

DEFAULT_URL = str(Settings.model_fields["database_url"].default)


def database_url() -> str:
    """The configured DATABASE_URL, even when other settings are invalid."""
    try:
        return load_settings().database_url
    except CertflowError:
        return os.environ.get("DATABASE_URL", DEFAULT_URL)


def where(url: str) -> tuple[str, str, str, str]:
    """(host, port, database, user) of a libpq URL; never its password."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = str(parts.port or 5432)
    user = unquote(parts.username or os.environ.get("USER", ""))
    name = unquote(parts.path.lstrip("/")) or user
    return host, port, name, user


def describe(url: str) -> str:
    host, port, name, user = where(url)
    return f"database {name} on {host}:{port} as {user}"


def explain(exc: CertflowError) -> str:
    """The lines a failed command prints: the error, then how to fix it when we know."""
    message = exc.user_message
    if isinstance(exc, SchemaOutOfDate):
        return f"error: {message}{_pending()}"
    if not isinstance(exc, DatabaseUnavailable):
        return f"error: {message}"
    url = database_url()
    return f"error: cannot use {describe(url)}: {_reason(message)}\nfix: {_fix(exc, url)}"


def _pending() -> str:
    """yoyo's applied migrations against sql/: which ones this database lacks."""
    from db.migrate import pending_migrations

    try:
        pending = pending_migrations(load_settings())
    except CertflowError:
        return ""
    if not pending:
        return ""
    listed = ", ".join(pending[:3]) + (", ..." if len(pending) > 3 else "")
    return f"\n{len(pending)} migration(s) not applied: {listed}"


def _reason(message: str) -> str:
    return message.removeprefix("database unavailable: ")


def _fix(exc: DatabaseUnavailable, url: str) -> str:
    host, port, name, user = where(url)
    text = str(exc).lower()
    if isinstance(exc, DatabaseMissing):
        return (
            f"run `certflow migrate` (it creates the database when {user} may), or "
            f"`createdb -h {host} -p {port} -U postgres -O {user} {name}`"
        )
    if "password" in text or "authentication" in text or "role" in text:
        return "check the user and password in DATABASE_URL (or ~/.pgpass)"
    if "refused" in text or "timeout" in text or "could not" in text or "no route" in text:
        return f"start Postgres on {host}:{port}, or set DATABASE_URL to where it runs"
    return "check DATABASE_URL and that Postgres is running"
