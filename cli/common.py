"""What every command shares: settings from the environment, JSON output, a database.

Only click and the core are imported here: every ``certflow`` invocation,
``--help`` included, imports this module.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from certflow.logging import configure_logging
from certflow.settings import Settings, load_settings

if TYPE_CHECKING:
    import sqlalchemy as sa

    from db.audit import Action


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


def who() -> str:
    """The OS user running this command: the audit trail's "who" for the CLI."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no USER (some containers)
        import os

        return f"uid:{os.getuid()}"


@contextmanager
def audited(current: Settings, command: str, **arguments: Any) -> Iterator[Action]:
    """Run an admin command and write its row to ``admin_audit``, whatever its outcome.

    The command sets ``action.result`` (and ``action.outcome = "dry_run"`` for a
    preview). The row is written in its own transaction, after the command.
    """
    from db.audit import Action
    from db.audit import audited as audit

    action = Action(actor=who(), via="cli", command=command, arguments=arguments)
    with engine(current) as made, audit(made, action):
        yield action


def require_schema(current: Settings) -> None:
    """Refuse to work on a database whose migrations are behind ``sql/``: a command that
    only reads old tables would otherwise report on a schema the workers do not match."""
    from certflow.errors import SchemaOutOfDate
    from db.migrate import pending_migrations

    pending = pending_migrations(current)
    if pending:
        raise SchemaOutOfDate(f"{SchemaOutOfDate.__doc__} ({len(pending)} behind)")


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def output(value: Any, as_json: bool, human: Callable[[Any], None] | None = None) -> None:
    """JSON for scripts with ``--json``; otherwise the command's human form (JSON if none)."""
    if as_json or human is None:
        print_json(value)
    else:
        human(value)


def finish(action: Action, as_json: bool, human: Callable[[Any], None] | None = None) -> None:
    """Print an audited command's result; a refusal (the source's ``"success": false``,
    audited as refused) also says why on stderr and exits 1."""
    output(action.result, as_json, human)
    if action.outcome == "refused":
        result = action.result if isinstance(action.result, dict) else {}
        click.echo(f"error: {result.get('message') or result.get('error') or 'refused'}", err=True)
        sys.exit(1)
