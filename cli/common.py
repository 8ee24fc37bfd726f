"""What every command shares: settings from the environment, JSON output, a database.

Only click and the core are imported here: every ``certflow`` invocation,
``--help`` included, imports this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from certflow.logging import configure_logging
from certflow.settings import Settings, load_settings

if TYPE_CHECKING:
    import sqlalchemy as sa


def settings() -> Settings:
    """Settings from the environment (the process boundary), with logging configured."""
    loaded = load_settings()
    configure_logging(loaded)
    return loaded


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, default=str))


@contextmanager
def engine(current: Settings, pool_size: int = 1) -> Iterator[sa.Engine]:
    """A small engine for one command, disposed when the block ends."""
    from db.engine import make_engine

    made = make_engine(current, pool_size=pool_size)
    try:
        yield made
    finally:
        made.dispose()


@contextmanager
def transaction(current: Settings) -> Iterator[sa.Connection]:
    """One transaction on a one-connection engine, disposed after the commit."""
    from db.engine import transaction as begin

    with engine(current) as made, begin(made) as conn:
        yield conn
