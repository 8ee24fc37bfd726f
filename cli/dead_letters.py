"""``certflow dead-letters``: messages that failed for good, listed and replayed."""

from __future__ import annotations

import click

from cli import common


@click.group("dead-letters")
def dead_letters_group() -> None:
    """Admin: messages that failed for good."""


@dead_letters_group.command("list")
@click.option("--limit", default=100, show_default=True)
def dead_letters_list(limit: int) -> None:
    """Show dead letters that were not replayed yet."""
    from workers.admin import list_dead_letters

    rows = list_dead_letters(common.settings(), limit)
    if not rows:
        click.echo("no dead letters")
    for row in rows:
        kind = "permanent" if row["permanent"] else f"transient after {row['retries']} retries"
        click.echo(
            f"#{row['id']} {row['actor']} key={row['idempotency_key']} "
            f"enrollment={row['enrollment_id']} ({kind}): {row['reason']}"
        )


@dead_letters_group.command("replay")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "replay_all", is_flag=True, help="Replay every open dead letter.")
def dead_letters_replay(ids: tuple[int, ...], replay_all: bool) -> None:
    """Send dead letters again, through the outbox, with their original idempotency keys."""
    from workers.admin import replay_dead_letters

    if not ids and not replay_all:
        raise click.UsageError("name dead letter ids, or pass --all")
    settings = common.settings()
    with common.audited(settings, "dead-letters replay", ids=list(ids), all=replay_all) as action:
        replayed = action.done(replay_dead_letters(settings, None if replay_all else list(ids)))
    click.echo(f"replayed {len(replayed)} dead letter(s)" + (f": {replayed}" if replayed else ""))


COMMANDS: list[click.Command] = [dead_letters_group]
