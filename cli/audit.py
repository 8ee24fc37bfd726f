"""``certflow audit``: the trail of admin actions, from the CLI and the admin page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import click

from cli import common


@click.group("audit")
def audit_group() -> None:
    """Admin: who did what, when, and what came of it."""


@audit_group.command("list")
@click.option("--command", "command_name", help="Only this command (e.g. fix-status).")
@click.option("--actor", help="Only this OS user or signed-in admin.")
@click.option(
    "--outcome",
    type=click.Choice(["ok", "refused", "failed", "dry_run"]),
    help="Only this outcome.",
)
@click.option("--since-hours", type=float, help="Only the last HOURS hours.")
@click.option("--limit", default=100, show_default=True)
@common.json_option
def audit_list(
    command_name: str | None,
    actor: str | None,
    outcome: str | None,
    since_hours: float | None,
    limit: int,
    as_json: bool,
) -> None:
    """Admin actions, newest first."""
    from db import audit

    since = None if since_hours is None else datetime.now(UTC) - timedelta(hours=since_hours)
    with common.transaction(common.settings()) as conn:
        rows = audit.entries(
            conn, command=command_name, actor=actor, outcome=outcome, since=since, limit=limit
        )
    common.output(rows, as_json, _print_rows)


def _print_rows(rows: list[dict[str, Any]]) -> None:
    if not rows:
        click.echo("no admin actions recorded")
    for row in rows:
        arguments = " ".join(f"{k}={v}" for k, v in row["arguments"].items())
        click.echo(
            f"#{row['id']} {row['at']:%Y-%m-%d %H:%M:%S} {row['actor']} ({row['via']}) "
            f"{row['command']} {arguments} -> {row['outcome']}"
            + (f": {row['result']}" if row["outcome"] != "ok" else "")
        )


COMMANDS: list[click.Command] = [audit_group]
