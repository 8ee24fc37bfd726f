"""``certflow dead-letters``: messages that failed for good, listed, shown, replayed, purged.

Replay and purge (``cli/dead_letters_bulk.py``) take ids, a filter, or the
selection a dry run froze; every one of them is audited. The options both
share are in ``cli/dead_letter_options.py``.
"""

from __future__ import annotations

from typing import Any

import click

from cli import common, dead_letters_bulk
from cli.dead_letter_options import age, filter_options, make_filters


@click.group("dead-letters")
def dead_letters_group() -> None:
    """Admin: messages that failed for good."""


@dead_letters_group.command("list")
@filter_options
@click.option("--limit", default=100, show_default=True)
@common.json_option
def dead_letters_list(limit: int, as_json: bool, **given: Any) -> None:
    """Open dead letters (not replayed, not purged), oldest first."""
    from issuance.operations.dead_letters import list_letters

    with common.engine(common.settings()) as engine:
        rows = list_letters(engine, make_filters(**given), limit)
    common.output(rows, as_json, _print_letters)


def _print_letters(rows: list[dict[str, Any]]) -> None:
    if not rows:
        click.echo("no dead letters")
    for row in rows:
        kind = "permanent" if row["permanent"] else f"transient after {row['retries']} retries"
        click.echo(
            f"#{row['id']} {row['queue']}/{row['actor']} enrollment={row['enrollment_id']} "
            f"key={row['idempotency_key']} failed {row['failed_at']:%Y-%m-%d %H:%M:%S} "
            f"({age(row['age_seconds'])} ago, {kind}): {row['error_type']}: {row['reason']}"
        )


@dead_letters_group.command("show")
@click.argument("letter_id", type=int)
@common.json_option
def dead_letters_show(letter_id: int, as_json: bool) -> None:
    """One dead letter in full, payload included."""
    from issuance.operations.dead_letters import show

    with common.engine(common.settings()) as engine:
        letter = show(engine, letter_id)
    common.output(letter, as_json, _print_letter)


def _print_letter(letter: dict[str, Any]) -> None:
    import json

    for name, value in letter.items():
        shown = json.dumps(value, indent=2, default=str) if name == "payload" else value
        click.echo(f"{name}: {shown}")


for _command in dead_letters_bulk.COMMANDS:
    dead_letters_group.add_command(_command)

COMMANDS: list[click.Command] = [dead_letters_group]
