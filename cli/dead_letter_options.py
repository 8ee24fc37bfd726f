"""What the dead-letter commands share: the filter options, a duration type, an age.

``cli/dead_letters.py`` (list, show) and ``cli/dead_letters_bulk.py`` (replay,
purge) both import this; neither imports the other's options.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from db.dead_letters import Filters

F = TypeVar("F", bound=Callable[..., Any])


class Duration(click.ParamType):  # type: ignore[type-arg]
    """``90``, ``30s``, ``10m``, ``1h``, ``2d``: seconds."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from certflow.errors import AdminRefused
        from issuance.operations.dead_letters import parse_duration

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
