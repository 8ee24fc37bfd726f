"""``certflow webhooks``: a community's signed webhook endpoints (add, list, rotate-secret,
disable, enable), every change audited, a secret never (it is printed once). The
deliveries, the test event and replays are in ``cli/webhook_deliveries.py``."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import click

from cli import common, webhook_deliveries

#: A rotated-out secret is still accepted this long, so receivers can switch over.
DEFAULT_OVERLAP = "24h"


@click.group("webhooks")
def webhooks_group() -> None:
    """Signed webhooks (Standard Webhooks): where a community's app hears of its events."""


@webhooks_group.command("add")
@click.option("--community", required=True, help="the community's id (slug)")
@click.option("--url", required=True, help="https://… (public addresses only)")
@click.option("--events", required=True, help="event types, comma-separated (README: Webhooks)")
@click.option("--description", default="", help="what the endpoint is for (shown in lists)")
@common.json_option
def add(community: str, url: str, events: str, description: str, as_json: bool) -> None:
    """Register an endpoint and print its secret ONCE (whsec_…): store it now."""
    from issuance.operations import webhooks

    settings = common.settings()
    arguments = {"community": community, "url": url, "events": events, "description": description}
    with (
        common.audited(settings, "webhooks add", **arguments) as action,
        common.transaction(settings) as conn,
    ):
        endpoint, secret = webhooks.register(
            conn,
            community,
            url,
            [events],
            description,
            allow_private=settings.webhook_allow_private,
        )
        action.done(webhooks.endpoint_json(endpoint))  # the audit row never holds the secret
    if as_json:
        common.print_json({**action.result, "secret": secret})
        return
    click.echo(secret)
    click.echo(f"(endpoint {endpoint.id} of {community}: secret shown once)", err=True)


@webhooks_group.command("list")
@click.option("--community", default=None, help="one community; default every one")
@common.json_option
def list_endpoints(community: str | None, as_json: bool) -> None:
    """Endpoints: URL, events, enabled or disabled (and why), secrets live."""
    from db import webhooks as repository
    from issuance.operations import webhooks

    with common.transaction(common.settings()) as conn:
        found = webhooks.endpoint_views(conn, repository.list_endpoints(conn, community))
    common.output(found, as_json, _table)


def _table(rows: list[dict[str, Any]]) -> None:
    if not rows:
        click.echo("no webhook endpoints")
    for row in rows:
        state = "enabled" if row["enabled"] else f"disabled: {row['disabled_reason']}"
        rotating = row["previous_secret_expires_at"]
        click.echo(
            f"{row['id']}  {row['community']:<16} {row['url']}  [{','.join(row['events'])}]"
            f"  {state}"
            + (f"  (failing since {row['failing_since']})" if row["failing_since"] else "")
            + (f"  (old secret accepted until {rotating})" if rotating else "")
        )


@webhooks_group.command("rotate-secret")
@click.argument("endpoint_id", type=click.UUID)
@click.option(
    "--overlap",
    default=DEFAULT_OVERLAP,
    show_default=True,
    help="how long the old secret is still accepted (30s, 10m, 24h, 2d; at most 7d)",
)
@common.json_option
def rotate_secret(endpoint_id: UUID, overlap: str, as_json: bool) -> None:
    """A new secret, printed ONCE; deliveries carry both signatures until the overlap ends."""
    from datetime import timedelta

    from certflow.errors import AdminRefused
    from issuance.operations import dead_letters, webhooks

    settings = common.settings()
    with (
        common.audited(
            settings, "webhooks rotate-secret", id=endpoint_id, overlap=overlap
        ) as action,
        common.transaction(settings) as conn,
    ):
        seconds = dead_letters.parse_duration(overlap)
        rotated = webhooks.rotate(conn, endpoint_id, timedelta(seconds=seconds))
        if rotated is None:
            raise AdminRefused(f"no webhook endpoint {endpoint_id}")
        action.done({k: v for k, v in rotated.items() if k != "secret"})
    if as_json:
        common.print_json(rotated)
        return
    click.echo(rotated["secret"])
    until = rotated["previous_secret_expires_at"]
    click.echo(f"(shown once; the old secret is accepted until {until})", err=True)


@webhooks_group.command("disable")
@click.argument("endpoint_id", type=click.UUID)
@click.option("--reason", required=True, help="why (shown in lists and on /admin)")
@common.json_option
def disable(endpoint_id: UUID, reason: str, as_json: bool) -> None:
    """Stop delivering to the endpoint: no new deliveries, its pending ones fail (replay them
    after `enable`)."""
    from certflow.errors import AdminRefused
    from db import webhooks as repository
    from issuance.operations import webhooks

    settings = common.settings()
    with (
        common.audited(settings, "webhooks disable", id=endpoint_id, reason=reason) as action,
        common.transaction(settings) as conn,
    ):
        if not reason.strip() or len(reason) > webhooks.MAX_DESCRIPTION:
            raise AdminRefused(f"A reason is 1 to {webhooks.MAX_DESCRIPTION} characters")
        endpoint = repository.disable_endpoint(conn, endpoint_id, reason.strip())
        if endpoint is None:
            raise AdminRefused(f"no webhook endpoint {endpoint_id}")
        action.done(webhooks.endpoint_json(endpoint))
    common.output(action.result, as_json, lambda r: click.echo(f"disabled {r['id']}"))


@webhooks_group.command("enable")
@click.argument("endpoint_id", type=click.UUID)
@common.json_option
def enable(endpoint_id: UUID, as_json: bool) -> None:
    """Deliver to the endpoint again (its failing streak starts afresh)."""
    from certflow.errors import AdminRefused
    from db import webhooks as repository
    from issuance.operations import webhooks

    settings = common.settings()
    with (
        common.audited(settings, "webhooks enable", id=endpoint_id) as action,
        common.transaction(settings) as conn,
    ):
        endpoint = repository.enable_endpoint(conn, endpoint_id)
        if endpoint is None:
            raise AdminRefused(f"no webhook endpoint {endpoint_id}")
        action.done(webhooks.endpoint_json(endpoint))
    common.output(action.result, as_json, lambda r: click.echo(f"enabled {r['id']}"))


for _command in webhook_deliveries.COMMANDS:
    webhooks_group.add_command(_command)

COMMANDS: list[click.Command] = [webhooks_group]
