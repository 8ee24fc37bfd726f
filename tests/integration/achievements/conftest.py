"""Real LOGIN users for the row-level security tests, one per group role, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import TupleRow

GROUP_ROLES = ("certflow_app", "certflow_learner", "certflow_instructor", "certflow_worker")

Connect = Callable[..., psycopg.Connection[TupleRow]]


@pytest.fixture
def login_as(pg_admin_url: str, database_url: str) -> Iterator[Connect]:
    """``login_as("certflow_app", community_id="A")``: a connection as a LOGIN user that is a
    member of that group role (roles are cluster-wide, so the names are unique per test),
    with certflow.* settings set for the session."""
    suffix = uuid.uuid4().hex[:8]
    users = {group: f"cf_test_{group.removeprefix('certflow_')}_{suffix}" for group in GROUP_ROLES}
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        for group, user in users.items():
            admin.execute(
                sql.SQL("CREATE ROLE {} LOGIN IN ROLE {}").format(
                    sql.Identifier(user), sql.Identifier(group)
                )
            )
    opened: list[psycopg.Connection[TupleRow]] = []

    def connect(group: str, **settings: str) -> psycopg.Connection[TupleRow]:
        conn = psycopg.connect(database_url, user=users[group], autocommit=True)
        opened.append(conn)
        for name, value in settings.items():
            conn.execute("SELECT set_config(%s, %s, false)", (f"certflow.{name}", value))
        return conn

    yield connect
    for conn in opened:
        conn.close()
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        for user in users.values():
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(user)))
