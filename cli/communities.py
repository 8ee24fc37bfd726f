"""``certflow communities``: tenants, and the database logins bound to them."""

from __future__ import annotations

from typing import Any

import click

from cli import common


@click.group("communities")
def communities_group() -> None:
    """Admin: communities (tenants) and which database login acts for which."""


@communities_group.command("create")
@click.argument("slug")
@click.argument("name")
@common.json_option
def create(slug: str, name: str, as_json: bool) -> None:
    """A new community: SLUG is its id (what bootcamps and learners name)."""
    from db import communities

    settings = common.settings()
    with (
        common.audited(settings, "communities create", slug=slug, name=name) as action,
        common.transaction(settings) as conn,
    ):
        action.done(communities.create(conn, slug, name))
    common.output(action.result, as_json, lambda r: click.echo(f"created community {r['id']}"))


@communities_group.command("list")
@common.json_option
def list_communities(as_json: bool) -> None:
    """Every community, with the logins bound to it."""
    from db import communities

    with common.transaction(common.settings()) as conn:
        rows = communities.listing(conn)
    common.output(rows, as_json, _print_rows)


def _print_rows(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        logins = ", ".join(row["logins"]) or "no login"
        click.echo(f"{row['id']}  {row['name']}  ({logins})")


@communities_group.command("grant-login")
@click.argument("login")
@click.argument("community")
@common.json_option
def grant_login(login: str, community: str, as_json: bool) -> None:
    """Bind the database LOGIN (a member of certflow_app) to COMMUNITY: its sessions see and
    change that community's rows only, whatever they SET."""
    from db import communities

    settings = common.settings()
    with (
        common.audited(
            settings, "communities grant-login", login=login, community=community
        ) as action,
        common.transaction(settings) as conn,
    ):
        action.done(communities.grant_login(conn, login, community))
    common.output(
        action.result, as_json, lambda r: click.echo(f"{r['login']} acts for {r['community']}")
    )


@communities_group.command("revoke-login")
@click.argument("login")
@common.json_option
def revoke_login(login: str, as_json: bool) -> None:
    """Unbind LOGIN: it then sees no community's rows."""
    from db import communities

    settings = common.settings()
    with (
        common.audited(settings, "communities revoke-login", login=login) as action,
        common.transaction(settings) as conn,
    ):
        action.done(communities.revoke_login(conn, login))
    common.output(
        action.result,
        as_json,
        lambda r: click.echo(f"{r['login']} no longer acts for {r['community']}"),
    )


COMMANDS: list[click.Command] = [communities_group]
