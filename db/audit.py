"""The admin audit trail: one row per admin action, written whatever its outcome.

The row is written in its own transaction after the action, so a refused or
failed action is audited too (its own transaction rolled back).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa

from certflow.errors import CertflowError, PermanentError
from db.engine import transaction
from db.queries import query

Via = Literal["cli", "web"]
Outcome = Literal["ok", "refused", "failed", "dry_run"]


@dataclass
class Action:
    """What one admin action did; the action fills in ``result`` (and ``outcome``)."""

    actor: str
    via: Via
    command: str
    arguments: dict[str, Any]
    outcome: Outcome = "ok"
    result: Any = None
    audit_id: int | None = field(default=None, init=False)

    def done(self, result: Any) -> Any:
        """Keep the result; the source's ``{"success": false, ...}`` JSON is a refusal."""
        self.result = result
        if isinstance(result, dict) and result.get("success") is False:
            self.outcome = "refused"
        return result


def record(conn: sa.Connection, action: Action) -> int:
    """The action's row, through the database's writer (it sets the time and db_user)."""
    params = {
        **_who(action),
        "outcome": action.outcome,
        "result": json.dumps(action.result, default=str),
    }
    return int(conn.execute(query("audit_insert"), params).scalar_one())


def record_dry_run(conn: sa.Connection, action: Action, ids: list[int]) -> int:
    """A dead-letter dry run's row and its selection (the open letters among ``ids``),
    written by the one function that may write a selection; the action is then done."""
    params = {**_who(action), "ids": ids}
    action.outcome = "dry_run"
    action.audit_id = int(conn.execute(query("audit_dry_run"), params).scalar_one())
    return action.audit_id


def _who(action: Action) -> dict[str, str]:
    return {
        "actor": action.actor,
        "via": action.via,
        "command": action.command,
        "arguments": json.dumps(action.arguments, default=str),
    }


@contextmanager
def audited(engine: sa.Engine, action: Action) -> Iterator[Action]:
    """Run an admin action and write its audit row, whatever happens.

    A permanent error (the action was refused: not eligible, not found) is
    recorded as ``refused`` with the message users see; anything else raised
    is ``failed``. The exception goes on to the caller either way.
    """
    try:
        yield action
    except PermanentError as exc:
        _finish(engine, action, "refused", {"error": exc.user_message})
        raise
    except CertflowError as exc:
        _finish(engine, action, "failed", {"error": exc.user_message})
        raise
    except Exception as exc:
        # An unexpected error's text may hold anything: only its type is kept.
        _finish(engine, action, "failed", {"error": type(exc).__name__})
        raise
    if action.outcome == "dry_run" and action.audit_id is not None:
        return  # recorded with its selection (record_dry_run)
    _finish(engine, action, action.outcome, action.result)


def _finish(engine: sa.Engine, action: Action, outcome: Outcome, result: Any) -> None:
    action.outcome, action.result = outcome, result
    with transaction(engine) as conn:  # a refusal (no admin rights) is our error, not a traceback
        action.audit_id = record(conn, action)


def entries(
    conn: sa.Connection,
    *,
    command: str | None = None,
    actor: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    params = {
        "command": command,
        "actor": actor,
        "outcome": outcome,
        "since": since,
        "limit": limit,
    }
    return [dict(row._mapping) for row in conn.execute(query("audit_list"), params)]
