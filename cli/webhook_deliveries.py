"""``certflow webhooks deliveries | delivery | test | replay``: what was sent where, the
test event, and a failed delivery sent again under the same webhook-id (audited)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import click

from cli import common

STATUSES = ("pending", "delivered", "failed")


@click.command("deliveries")
@click.option("--community", default=None, help="one community's")
@click.option("--endpoint", "endpoint_id", type=click.UUID, default=None, help="one endpoint's")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="only these")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 1000))
@common.json_option
def deliveries(
    community: str | None, endpoint_id: UUID | None, status: str | None, limit: int, as_json: bool
) -> None:
    """Deliveries, newest first: event, status, attempts, last answer."""
    from db import webhooks as repository
    from issuance.operations import webhooks

    with common.transaction(common.settings()) as conn:
        found = repository.list_deliveries(conn, community, endpoint_id, status, limit)
    common.output([webhooks.delivery_json(d) for d in found], as_json, _table)


def _table(rows: list[dict[str, Any]]) -> None:
    if not rows:
        click.echo("no webhook deliveries")
    for row in rows:
        answer = row["last_status_code"] or row["last_error"] or "-"
        click.echo(
            f"{row['id']}  {row['community']:<16} {row['event_type']:<24} {row['status']:<9}"
            f" attempts={row['attempts']} last={answer}  endpoint={row['endpoint_id']}"
        )


@click.command("delivery")
@click.argument("delivery_id")
@common.json_option
def delivery(delivery_id: str, as_json: bool) -> None:
    """One delivery in full: its exact body and every attempt."""
    from certflow.errors import AdminRefused
    from issuance.operations import webhooks

    with common.transaction(common.settings()) as conn:
        found = webhooks.delivery_detail(conn, delivery_id)
    if found is None:
        raise AdminRefused(f"no webhook delivery {delivery_id}")
    common.output(found, as_json, _show)


def _show(detail: dict[str, Any]) -> None:
    import json

    for name, value in detail.items():
        shown = json.dumps(value, indent=2) if name in ("body", "attempt_log") else value
        click.echo(f"{name}: {shown}")


@click.command("test")
@click.argument("endpoint_id", type=click.UUID)
@common.json_option
def send_test(endpoint_id: UUID, as_json: bool) -> None:
    """Send a webhook.test event to the endpoint (whatever events it subscribed to)."""
    from certflow.errors import AdminRefused
    from db import webhook_changes
    from events.webhooks import create_test_delivery
    from issuance.operations import webhooks

    settings = common.settings()
    with (
        common.audited(settings, "webhooks test", id=endpoint_id) as action,
        common.transaction(settings) as conn,
    ):
        made = (
            create_test_delivery(conn, endpoint_id)
            if webhooks.testable(conn, endpoint_id)
            else None
        )
        if made is None:
            raise AdminRefused(f"no webhook endpoint {endpoint_id}")
        webhook_changes.queue(conn, made.id)  # sent when this transaction commits
        action.done(webhooks.delivery_json(made))
    common.output(action.result, as_json, lambda r: click.echo(f"queued {r['id']}"))


@click.command("replay")
@click.argument("delivery_id")
@common.json_option
def replay(delivery_id: str, as_json: bool) -> None:
    """Send a failed delivery again: same webhook-id and body, the retry schedule anew."""
    from certflow.errors import AdminRefused
    from issuance.operations import webhooks

    settings = common.settings()
    with (
        common.audited(settings, "webhooks replay", id=delivery_id) as action,
        common.transaction(settings) as conn,
    ):
        again = webhooks.replay(conn, delivery_id)
        if again is None:
            raise AdminRefused(f"no webhook delivery {delivery_id}")
        action.done(webhooks.delivery_json(again))
    common.output(action.result, as_json, lambda r: click.echo(f"replaying {r['id']}"))


COMMANDS: list[click.Command] = [deliveries, delivery, send_test, replay]
