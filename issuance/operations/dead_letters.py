"""Admin operations on dead letters: list, show, preview, replay and purge.

Used by the CLI and the admin web page alike. A bulk action works on a set of
ids fixed before it starts (named, filtered now, or frozen by an earlier dry
run) and goes through it in bounded batches, one transaction each.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa

from certflow.errors import AdminRefused
from db import audit, dead_letters
from db.audit import Action
from db.dead_letters import Filters
from db.engine import transaction

#: Most letters one command takes: a filter matching more takes the oldest this many
#: (the result lists them), and the command is run again for the rest.
MAX_SELECTION = 10_000
REPLAY = "dead-letters replay"
PURGE = "dead-letters purge"

Progress = Callable[[int], None]
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def parse_duration(text: str) -> float:
    """``90``, ``30s``, ``10m``, ``1h``, ``2d``: seconds."""
    match = _DURATION.match(text)
    if match is None:
        raise AdminRefused(f"{text!r} is not a duration like 30s, 10m, 1h or 2d")
    return float(match[1]) * _UNITS[match[2] or "s"]


def bulk(
    engine: sa.Engine,
    action: Action,
    filters: Filters,
    *,
    selection: int | None,
    dry_run: bool,
    act: Callable[[list[int]], list[int]],
) -> dict[str, Any]:
    """One audited bulk action (``action.command`` is REPLAY or PURGE) on a fixed set.

    A dry run records the set it shows with its audit row (as ranges of ids, in
    ``dead_letter_selections``): that row's id is the selection a later action
    takes, exactly.
    """
    chosen = select(engine, filters, selection=selection, command=action.command)
    if dry_run:
        letters = preview(engine, chosen)
        shown = [letter["id"] for letter in letters]
        with transaction(engine) as conn:
            audit.record_dry_run(conn, action, shown)
        result: dict[str, Any] = {"ids": shown, "letters": letters}
    else:
        done = act(chosen)
        result = {"ids": done, "skipped": sorted(set(chosen) - set(done))}
    action.done(result)
    return result


def list_letters(engine: sa.Engine, filters: Filters, limit: int = 100) -> list[dict[str, Any]]:
    with transaction(engine) as conn:
        return dead_letters.matching(conn, filters, limit)


def show(engine: sa.Engine, letter_id: int) -> dict[str, Any]:
    """One letter in full, payload included, with the effect already there if any."""
    with transaction(engine) as conn:
        letter = dead_letters.one(conn, letter_id)
        if letter is None:
            raise AdminRefused(f"Dead letter {letter_id} not found")
        letter["already"] = dead_letters.effects(conn, [letter_id]).get(letter_id)
    return letter


def preview(engine: sa.Engine, ids: list[int]) -> list[dict[str, Any]]:
    """The open letters among ``ids``, each with what already happened (the dry run)."""
    with transaction(engine) as conn:
        letters = dead_letters.matching(conn, Filters(ids=tuple(ids)), MAX_SELECTION)
        done = dead_letters.effects(conn, [letter["id"] for letter in letters])
    for letter in letters:
        letter["already"] = done.get(letter["id"])
    return letters


def select(
    engine: sa.Engine, filters: Filters, *, selection: int | None = None, command: str = REPLAY
) -> list[int]:
    """The ids an action takes: a dry run's frozen set, else the open letters matching now."""
    with transaction(engine) as conn:
        if selection is not None:
            frozen = dead_letters.selection(conn, selection, command)
            if frozen is None:
                raise AdminRefused(f"no dry run #{selection} of {command} to take a selection from")
            return frozen
        if filters.ids is not None and filters == Filters(ids=filters.ids):
            # Named ids: the ones no longer open are reported skipped; one that never
            # existed is a mistake, refused (and audited as refused).
            unknown = sorted(set(filters.ids) - set(dead_letters.existing(conn, filters.ids)))
            if unknown:
                named = ", ".join(str(i) for i in unknown)
                raise AdminRefused(f"Dead letter {named} not found")
            return list(filters.ids)
        return [row["id"] for row in dead_letters.matching(conn, filters, MAX_SELECTION)]


def replay(
    engine: sa.Engine, ids: list[int], batch_size: int = 100, progress: Progress | None = None
) -> list[int]:
    """Re-send the open letters among ``ids`` through the outbox, each to its own actor.

    The replay keeps the original idempotency key, so a letter whose effect did
    happen after all (or that is replayed twice) still has one effect.
    """
    return _in_batches(engine, ids, batch_size, progress, dead_letters.replay_many)


def purge(
    engine: sa.Engine,
    ids: list[int],
    by: str,
    batch_size: int = 100,
    progress: Progress | None = None,
) -> list[int]:
    """Mark the open letters among ``ids`` purged: hidden, never replayed, never re-sent."""

    def purge_batch(conn: sa.Connection, batch: list[int]) -> list[int]:
        return dead_letters.purge_many(conn, batch, by)

    return _in_batches(engine, ids, batch_size, progress, purge_batch)


def _in_batches(
    engine: sa.Engine,
    ids: list[int],
    batch_size: int,
    progress: Progress | None,
    act: Callable[[sa.Connection, list[int]], list[int]],
) -> list[int]:
    """``act`` on ``ids`` in bounded batches, one transaction each; the ids it acted on."""
    done: list[int] = []
    for batch in _batches(ids, batch_size):
        with transaction(engine) as conn:
            done.extend(act(conn, batch))
        if progress is not None:
            progress(len(batch))
    return sorted(done)


def _batches(ids: list[int], size: int) -> Iterator[list[int]]:
    if size <= 0:
        raise AdminRefused("batch size must be positive")
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
