"""``certflow api-keys``: API keys of a community for its app (create, list, revoke), audited."""

from __future__ import annotations

from typing import Any

import click

from cli import common


@click.group("api-keys")
def api_keys_group() -> None:
    """API keys: how a community's app calls /api/v1."""


@api_keys_group.command("create")
@click.option("--community", required=True, help="the community's id (slug)")
@click.option("--name", default="", help="what the key is for (shown in lists)")
@common.json_option
def create(community: str, name: str, as_json: bool) -> None:
    """Make a key and print it ONCE: only its digest is kept."""
    from db import api_keys

    settings = common.settings()
    with (
        common.audited(settings, "api-keys create", community=community, name=name) as action,
        common.transaction(settings) as conn,
    ):
        row, key = api_keys.create(conn, community, name[:100])
        action.done(row.as_json())  # the audit row never holds the key
    if as_json:
        common.print_json({**row.as_json(), "key": key})
        return
    click.echo(key)
    click.echo(f"(key {row.prefix} of {community}: shown once, store it now)", err=True)


@api_keys_group.command("list")
@click.option("--community", default=None, help="one community; default every one")
@common.json_option
def list_keys(community: str | None, as_json: bool) -> None:
    """Prefix, name, created, last used, revoked."""
    from db import api_keys

    with common.transaction(common.settings()) as conn:
        found = [key.as_json() for key in api_keys.listed(conn, community)]
    common.output(found, as_json, _table)


@api_keys_group.command("revoke")
@click.argument("prefix")
@common.json_option
def revoke(prefix: str, as_json: bool) -> None:
    """Revoke the key with this prefix (cfk_...): its next request gets 401."""
    from certflow.errors import AdminRefused
    from db import api_keys

    settings = common.settings()
    with (
        common.audited(settings, "api-keys revoke", prefix=prefix) as action,
        common.transaction(settings) as conn,
    ):
        # A whole key names its prefix too: revoking a leaked key needs no lookup.
        row = api_keys.revoke(conn, api_keys.split(prefix) or prefix)
        if row is None:
            raise AdminRefused(f"no API key {prefix!r}")
        action.done(row.as_json())
    common.output(action.result, as_json, lambda r: click.echo(f"revoked {r['prefix']}"))


def _table(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        state = "revoked" if row["revoked_at"] else "active"
        click.echo(
            f"{row['prefix']}  {row['community']:<16} {state:<8} created {row['created_at']}"
            f"  last used {row['last_used_at'] or 'never'}  {row['name']}"
        )


COMMANDS: list[click.Command] = [api_keys_group]
