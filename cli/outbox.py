"""``certflow outbox``: the event outbox's counts, its failed events, and their retry."""

from __future__ import annotations

from typing import Any

import click

from cli import common


@click.group("outbox")
def outbox_group() -> None:
    """Admin: the event outbox."""


@outbox_group.command("status")
@common.json_option
def outbox_status(as_json: bool) -> None:
    """Counts of pending, dispatched and failed events, and the failed ones."""
    from db import outbox

    settings = common.settings()
    common.require_schema(settings)
    with common.transaction(settings) as conn:
        counts = outbox.counts(conn)
        failed = [
            {
                "id": r.id,
                "kind": r.kind,
                "idempotency_key": r.idempotency_key,
                "error": r.last_error,
            }
            for r in outbox.failed(conn)
        ]
    common.output({**counts, "failed_events": failed}, as_json, _print_status)


def _print_status(status: dict[str, Any]) -> None:
    click.echo(
        f"pending {status['pending']}, dispatched {status['dispatched']}, failed {status['failed']}"
    )
    for event in status["failed_events"]:
        click.echo(
            f"failed #{event['id']} {event['kind']} key={event['idempotency_key']}: "
            f"{event['error']}"
        )


@outbox_group.command("retry")
@click.argument("event_id", type=int, required=False)
@common.json_option
def outbox_retry(event_id: int | None, as_json: bool) -> None:
    """Put a failed (or every failed) event back in line for the relay."""
    from db import outbox

    settings = common.settings()
    with (
        common.audited(settings, "outbox retry", event_id=event_id) as action,
        common.transaction(settings) as conn,
    ):
        ids = action.done(outbox.retry_failed(conn, event_id))
    common.output(
        {"requeued": ids}, as_json, lambda r: click.echo(f"requeued {len(r['requeued'])} event(s)")
    )


COMMANDS: list[click.Command] = [outbox_group]
