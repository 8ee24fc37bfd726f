"""Schema migrations: numbered raw SQL files in sql/, applied by yoyo."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from yoyo import get_backend, read_migrations

from certflow.settings import Settings
from db.engine import wrap_db_errors

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


def _backend_url(settings: Settings) -> str:
    return settings.sqlalchemy_url  # postgresql+psycopg:// selects yoyo's psycopg 3 backend


@contextmanager
def _backend(settings: Settings) -> Iterator[Any]:
    backend = get_backend(_backend_url(settings))
    try:
        yield backend
    finally:
        backend.connection.close()


def pending_migrations(settings: Settings) -> list[str]:
    with _backend(settings) as backend:
        return [m.id for m in backend.to_apply(read_migrations(str(SQL_DIR)))]


def migrate(settings: Settings) -> list[str]:
    """Apply what is not applied yet; running it twice applies nothing the second time."""
    migrations = read_migrations(str(SQL_DIR))
    with wrap_db_errors(), _backend(settings) as backend, backend.lock():
        todo = backend.to_apply(migrations)
        backend.apply_migrations(todo)
    return [m.id for m in todo]
