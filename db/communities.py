"""Communities (tenants) and the database logins bound to them (migration 0022).

A login bound to a community acts for it whatever its session sets: the
database's ``current_community_id()`` reads the binding. Only logins of
``certflow_app`` are bound; the pipeline's logins see every community and the
API's name one per transaction.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from certflow.errors import AdminRefused
from db.queries import query

#: What 0022's check allows: typed on command lines and logged, so plain.
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")
MAX_NAME = 200


def create(conn: sa.Connection, slug: str, name: str) -> dict[str, Any]:
    if not SLUG.match(slug):
        raise AdminRefused(
            f"Invalid community slug {slug!r}: letters, digits, '-' and '_', at most 63,"
            " starting with a letter or digit"
        )
    if not name.strip() or len(name.strip()) > MAX_NAME:
        raise AdminRefused(f"Community name must be 1 to {MAX_NAME} characters")
    row = conn.execute(query("community_create"), {"slug": slug, "name": name.strip()}).first()
    if row is None:
        raise AdminRefused(f"Community {slug} already exists")
    return dict(row._mapping)


def listing(conn: sa.Connection) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in conn.execute(query("community_list"))]


def _require_community(conn: sa.Connection, community: str) -> None:
    if not conn.execute(query("community_exists"), {"community": community}).scalar_one():
        raise AdminRefused(f"Community {community} not found")


def _require_app_login(conn: sa.Connection, login: str) -> None:
    role = conn.execute(query("login_roles"), {"login": login}).first()
    if role is None or not role.can_login:
        raise AdminRefused(f"No database login {login}")
    if role.superuser or role.pipeline or role.api:
        raise AdminRefused(
            f"{login} sees every community (a worker, admin, API or superuser login):"
            " only app logins are bound to one"
        )
    if not role.app:
        raise AdminRefused(
            f"{login} is not a member of certflow_app: GRANT certflow_app TO {login}"
        )


def grant_login(conn: sa.Connection, login: str, community: str) -> dict[str, Any]:
    """Bind an app login to a community. A login acts for one community: moving it to
    another takes a revoke first, so a typo cannot silently hand a login over."""
    _require_community(conn, community)
    _require_app_login(conn, login)
    conn.execute(query("login_bind"), {"login": login, "community": community})
    bound = conn.execute(query("login_binding"), {"login": login}).scalar_one()
    if bound != community:
        raise AdminRefused(f"{login} is bound to community {bound}: revoke-login first")
    return {"login": login, "community": community}


def revoke_login(conn: sa.Connection, login: str) -> dict[str, Any]:
    """Unbind a login: it then acts for no community and sees no tenant row."""
    community = conn.execute(query("login_unbind"), {"login": login}).scalar()
    if community is None:
        raise AdminRefused(f"{login} is not bound to a community")
    return {"login": login, "community": community}
