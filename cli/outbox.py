"""``certflow outbox``: the event outbox's counts, its failed events, and their retry."""

from __future__ import annotations

import click

from cli import common


@click.group("outbox")
def outbox_group() -> None:
    """Admin: the event outbox."""


@outbox_group.command("status")
def outbox_status() -> None:
    """Counts of pending, dispatched and failed events, and the failed ones."""
    from db import outbox

    with common.transaction(common.settings()) as conn:
        common.print_json(outbox.counts(conn))
        for row in outbox.failed(conn):
            click.echo(f"failed #{row.id} {row.kind} key={row.idempotency_key}: {row.last_error}")


@outbox_group.command("retry")
@click.argument("event_id", type=int, required=False)
def outbox_retry(event_id: int | None) -> None:
    """Put a failed (or every failed) event back in line for the relay."""
    from db import outbox

    settings = common.settings()
    with (
        common.audited(settings, "outbox retry", event_id=event_id) as action,
        common.transaction(settings) as conn,
    ):
        ids = action.done(outbox.retry_failed(conn, event_id))
    click.echo(f"requeued {len(ids)} event(s)")


COMMANDS: list[click.Command] = [outbox_group]
