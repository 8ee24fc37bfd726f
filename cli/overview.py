"""``certflow status`` with no enrollment: the whole system in one view."""

from __future__ import annotations

from typing import Any

import click

from cli import common


def show_overview(as_json: bool) -> None:
    from events.routes import QUEUES
    from issuance.operations.overview import overview

    settings = common.settings()
    with common.engine(settings) as engine:
        picture = overview(settings, engine, QUEUES.values())
    common.output(picture, as_json, _print)


def _print(picture: dict[str, Any]) -> None:
    for title, rows in (
        ("queues", picture["queues"]),
        ("cohorts", picture["cohorts"]),
        ("claim locks older than 10 minutes", picture["stale_claim_locks"]),
        ("failures (last error)", picture["failures"]),
        ("pending chain transactions", picture["pending_transactions"]),
    ):
        click.echo(f"{title}:")
        if not rows:
            click.echo("  none")
        for row in rows:
            click.echo("  " + "  ".join(f"{k}={v}" for k, v in row.items()))
    outbox = picture["outbox"]
    oldest = outbox["oldest_pending_seconds"]
    click.echo(
        f"outbox: {outbox['pending']} pending"
        + (f", oldest {oldest}s" if oldest is not None else "")
        + f", {outbox['parked']} parked"
    )
    signer = picture["signer"]
    if "skipped" in signer:
        click.echo(f"signer: {signer.get('address', '-')}: {signer['skipped']}")
    else:
        click.echo(f"signer: {signer['address']} balance {signer['balance_eth']:.6f} ETH")
