"""``certflow dead-letters``: messages that failed for good, listed, shown, replayed, purged.

Replay and purge (``cli/dead_letters_bulk.py``) take ids, a filter, or the
selection a dry run froze; every one of them is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cli import common

if TYPE_CHECKING:
    from db.dead_letters import Filters

F = TypeVar("F", bound=Callable[..., Any])


class Duration(click.ParamType):  # type: ignore[type-arg]
    """``90``, ``30s``, ``10m``, ``1h``, ``2d``: seconds."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from certflow.errors import AdminRefused
        from workers.admin import parse_duration

        if isinstance(value, float):
            return value
        try:
            return parse_duration(str(value))
        except AdminRefused as exc:
            self.fail(exc.user_message, param, ctx)


def filter_options(command: F) -> F:
    """The filters list, replay and purge share."""
    for option in reversed(
        [
            click.option("--queue", help="Only this queue (completion, chain, render, ...)."),
            click.option("--actor", help="Only this actor (grant_key, attest, ...)."),
            click.option("--error", help="Only letters whose error contains TEXT."),
            click.option("--older-than", type=Duration(), help="Failed longer ago (1h, 2d)."),
            click.option("--newer-than", type=Duration(), help="Failed more recently (10m)."),
        ]
    ):
        command = option(command)
    return command


def make_filters(ids: tuple[int, ...] = (), **given: Any) -> Filters:
    from db.dead_letters import Filters

    return Filters(
        ids=ids or None,
        queue=given.get("queue"),
        actor=given.get("actor"),
        error=given.get("error"),
        older_than_seconds=given.get("older_than"),
        newer_than_seconds=given.get("newer_than"),
    )


def age(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@click.group("dead-letters")
def dead_letters_group() -> None:
    """Admin: messages that failed for good."""


@dead_letters_group.command("list")
@filter_options
@click.option("--limit", default=100, show_default=True)
@common.json_option
def dead_letters_list(limit: int, as_json: bool, **given: Any) -> None:
    """Open dead letters (not replayed, not purged), oldest first."""
    from workers.admin import list_letters

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
    from workers.admin import show

    with common.engine(common.settings()) as engine:
        letter = show(engine, letter_id)
    common.output(letter, as_json, _print_letter)


def _print_letter(letter: dict[str, Any]) -> None:
    import json

    for name, value in letter.items():
        shown = json.dumps(value, indent=2, default=str) if name == "payload" else value
        click.echo(f"{name}: {shown}")


def _register() -> None:
    from cli import dead_letters_bulk

    for command in dead_letters_bulk.COMMANDS:
        dead_letters_group.add_command(command)


_register()

COMMANDS: list[click.Command] = [dead_letters_group]
