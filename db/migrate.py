"""Schema migrations: numbered raw SQL files in sql/, applied by yoyo, then the
rules files of sql/rules/ that are new or changed (db.rules), under yoyo's lock.

Numbered migrations never change once landed (sql/migrations.sha256 records
each one); sql/schema.sql is what they and the rules build, for review and drift.

yoyo logs every step at INFO (about a hundred lines for a fresh database):
its logger is held at WARNING while it runs, and the callers say which
migrations were applied, one line each.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from yoyo import get_backend, read_migrations
from yoyo.migrations import MigrationList

from certflow.errors import DatabaseFailed, DatabaseMissing, DatabaseNotCreated
from certflow.settings import Settings
from db.engine import server_message, unavailable, wrap_db_errors
from db.rules import apply_rules, outdated, rules_files

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
#: A numbered migration's id (its file name without .sql); sql/schema.sql is not one.
NUMBERED = re.compile(r"^\d{4}\.")
#: The database every Postgres cluster has, where CREATE DATABASE can be run from.
MAINTENANCE_DB = "postgres"


def _backend_url(settings: Settings) -> str:
    return settings.sqlalchemy_url  # postgresql+psycopg:// selects yoyo's psycopg 3 backend


@contextmanager
def _quiet_yoyo() -> Iterator[None]:
    logger = logging.getLogger("yoyo")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def _backend(settings: Settings) -> Iterator[Any]:
    # yoyo connects with psycopg itself, outside SQLAlchemy: its connection errors
    # are converted here, or a missing database would be a traceback.
    try:
        backend = get_backend(_backend_url(settings))
    except psycopg.OperationalError as exc:
        raise unavailable(exc) from exc
    try:
        yield backend
    finally:
        backend.connection.close()


def numbered_migrations() -> MigrationList:
    """The numbered migrations of sql/, in order (yoyo would take any .sql file there)."""
    return MigrationList([m for m in read_migrations(str(SQL_DIR)) if NUMBERED.match(m.id)])


def pending_migrations(settings: Settings) -> list[str]:
    """What ``migrate`` would apply, read without writing (yoyo's own check creates its
    tables, which a read-only user may not): numbered migrations yoyo has not recorded,
    then rules files that are new or changed ("rules/claims.sql")."""
    try:
        with psycopg.connect(settings.database_url) as conn:
            table = conn.execute("SELECT to_regclass('public._yoyo_migration')").fetchone()
            done = (
                {row[0] for row in conn.execute("SELECT migration_id FROM _yoyo_migration")}
                if table and table[0]
                else set()
            )
            rules = [f.label for f in outdated(conn, rules_files())]
    except psycopg.OperationalError as exc:
        raise unavailable(exc) from exc
    except psycopg.Error as exc:
        raise DatabaseFailed(f"database error: {server_message(exc)}") from exc
    return [m.id for m in numbered_migrations() if m.id not in done] + rules


def migrate(settings: Settings) -> list[str]:
    """Apply what is not applied yet: numbered migrations, then new or changed rules
    files. Running it twice applies nothing the second time."""
    migrations = numbered_migrations()
    with wrap_db_errors(), _quiet_yoyo(), _backend(settings) as backend, backend.lock():
        todo = backend.to_apply(migrations)
        backend.apply_migrations(todo)
        rules = apply_rules(backend.connection)
    return [m.id for m in todo] + rules


def ensure_database(settings: Settings) -> bool:
    """Create the configured database when it is missing and the user may (CREATEDB).

    True when it was created. A user who may not gets ``DatabaseNotCreated``
    naming the command that creates it; an unreachable server is
    ``DatabaseUnavailable`` as everywhere else.
    """
    params = conninfo_to_dict(settings.database_url)
    try:
        psycopg.connect(settings.database_url).close()
        return False
    except psycopg.OperationalError as exc:
        error = unavailable(exc)
        if not isinstance(error, DatabaseMissing):
            raise error from exc
    name = str(params.get("dbname") or params.get("user") or "")
    try:
        with psycopg.connect(
            make_conninfo(settings.database_url, dbname=MAINTENANCE_DB), autocommit=True
        ) as conn:
            return _create(conn, name, params)
    except psycopg.OperationalError as exc:
        raise unavailable(exc) from exc


def _create(conn: psycopg.Connection[Any], name: str, params: dict[str, Any]) -> bool:
    may = conn.execute(
        "SELECT rolcreatedb OR rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user"
    ).fetchone()
    if not (may and may[0]):
        user = conn.execute("SELECT current_user").fetchone()
        raise DatabaseNotCreated(_create_hint(name, str(user[0] if user else ""), params))
    try:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.errors.DuplicateDatabase:
        return False  # another migrate created it meanwhile
    return True


def _create_hint(name: str, user: str, params: dict[str, Any]) -> str:
    host = params.get("host") or "localhost"
    port = params.get("port") or "5432"
    return (
        f'database "{name}" does not exist on {host}:{port}, and {user} may not create '
        f"databases: create it as a user who may, e.g. `createdb -h {host} -p {port} "
        f"-U postgres -O {user} {name}`, then run `certflow migrate`"
    )
