"""``certflow dead-letters replay|purge``: bulk actions on a set fixed before they start.

The set is the named ids, the open letters a filter matches now, or the
selection a ``--dry-run`` froze (its audit row id): a letter that dies after
the preview is never in it. Work goes in bounded batches, one transaction each.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from cli import common
from cli.dead_letter_options import age, filter_options, make_filters

if TYPE_CHECKING:
    import sqlalchemy as sa

    from db.audit import Action


def bulk_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.argument("ids", nargs=-1, type=int),
            filter_options,
            click.option("--all", "take_all", is_flag=True, help="Every open dead letter."),
            click.option("--selection", type=int, help="The set a --dry-run froze (its #)."),
            click.option("--dry-run", is_flag=True, help="List what would be done; do nothing."),
            click.option("--batch-size", default=100, show_default=True, type=click.IntRange(1)),
            common.json_option,
        ]
    ):
        command = option(command)
    return command


@click.command("replay")
@bulk_options
def dead_letters_replay(**given: Any) -> None:
    """Send dead letters again, through the outbox, with their original idempotency keys.

    A letter whose effect already happened changes nothing when replayed; the
    dry run says which ones those are.
    """
    from issuance.operations import dead_letters as console

    _run(console.REPLAY, given, lambda engine, ids, progress, _: console.replay(
        engine, ids, given["batch_size"], progress
    ))  # fmt: skip


@click.command("purge")
@bulk_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def dead_letters_purge(yes: bool, **given: Any) -> None:
    """Drop dead letters for good: hidden, never replayed, never re-sent by the reconciler."""
    from issuance.operations import dead_letters as console

    def purge(engine: sa.Engine, ids: list[int], progress: Any, action: Action) -> list[int]:
        _confirm(len(ids), yes)
        return console.purge(engine, ids, action.actor, given["batch_size"], progress)

    _run(console.PURGE, given, purge)


def _confirm(count: int, yes: bool) -> None:
    from certflow.errors import AdminRefused

    if yes or count == 0:
        return
    if not sys.stdin.isatty():
        raise AdminRefused("purge asks for confirmation: run it at a terminal, or pass --yes")
    if not click.confirm(f"Purge {count} dead letter(s)? They will never be replayed"):
        raise AdminRefused("purge not confirmed")


def _run(command: str, given: dict[str, Any], act: Callable[..., list[int]]) -> None:
    from issuance.operations import dead_letters as console

    ids, as_json, dry_run = given.pop("ids"), given.pop("as_json"), given.pop("dry_run")
    take_all, selection = given.pop("take_all"), given.pop("selection")
    filters = make_filters(ids, **given)
    if not (ids or take_all or selection is not None or filters.as_dict()):
        raise click.UsageError("name dead letter ids, a filter, --selection N, or --all")
    arguments = {**filters.as_dict(), "all": take_all, "selection": selection}
    settings = common.settings()
    with (
        common.engine(settings) as engine,
        common.audited(settings, command, **arguments, dry_run=dry_run) as action,
    ):

        def with_progress(chosen: list[int]) -> list[int]:
            with _progress(len(chosen), as_json) as progress:
                return act(engine, chosen, progress, action)

        console.bulk(
            engine, action, filters, selection=selection, dry_run=dry_run, act=with_progress
        )
    _report(command, action, as_json)


@contextmanager
def _progress(total: int, as_json: bool) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on bulk work at a terminal; nothing for scripts and pipes."""
    if as_json or not sys.stdout.isatty() or total == 0:
        yield None
        return
    with click.progressbar(length=total, label="dead letters") as bar:
        yield bar.update


def _report(command: str, action: Action, as_json: bool) -> None:
    result = {**action.result, "audit_id": action.audit_id}
    common.output(result, as_json, lambda r: _print_report(command, action.outcome, r))


def _print_report(command: str, outcome: str, result: dict[str, Any]) -> None:
    verb = command.rsplit(" ", 1)[-1]
    if outcome != "dry_run":
        done = {"replay": "replayed", "purge": "purged"}[verb]
        click.echo(f"{done} {len(result['ids'])} dead letter(s): {result['ids']}")
        if result["skipped"]:
            click.echo(f"skipped {result['skipped']}: no longer open (replayed or purged)")
        return
    for letter in result["letters"]:
        effect = f"no-op: {letter['already']}" if letter["already"] else "will run"
        click.echo(
            f"#{letter['id']} {letter['queue']}/{letter['actor']} "
            f"enrollment={letter['enrollment_id']} ({age(letter['age_seconds'])} ago): {effect}"
        )
    click.echo(
        f"would {verb} {len(result['ids'])} dead letter(s); to do exactly these: "
        f"certflow {command} --selection {result['audit_id']}"
    )


COMMANDS: list[click.Command] = [dead_letters_replay, dead_letters_purge]
