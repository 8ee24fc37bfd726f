"""The admin console's sign-in sessions, kept in Postgres (``admin_sessions``).

A session is a random token in the browser's cookie and a row holding its
sha256, the admin's name and the CSRF token of their forms. Signing out deletes
the row, so a copy of the cookie opens nothing afterwards, restart or not.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from db.engine import transaction
from db.queries import query


@dataclass(frozen=True)
class Session:
    token: str
    admin: str
    csrf: str


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def start(engine: sa.Engine, admin: str, seconds: float) -> Session:
    """A new session (a new random token: signing in never reuses one)."""
    session = Session(secrets.token_urlsafe(32), admin, secrets.token_urlsafe(32))
    params = {"token_sha256": _digest(session.token), "admin": admin, "csrf": session.csrf}
    with transaction(engine) as conn:
        conn.execute(query("admin_sessions_prune"))
        conn.execute(query("admin_session_start"), {**params, "seconds": seconds})
    return session


def find(engine: sa.Engine, token: str) -> Session | None:
    with transaction(engine) as conn:
        row = conn.execute(query("admin_session_find"), {"token_sha256": _digest(token)}).first()
    return None if row is None else Session(token, row.admin, row.csrf)


def end(engine: sa.Engine, token: str) -> None:
    with transaction(engine) as conn:
        conn.execute(query("admin_session_end"), {"token_sha256": _digest(token)})
