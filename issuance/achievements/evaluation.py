"""The achievements engine's use case: evaluate a batch of events for their learners.

The rules live in SQL (sql/0014.achievements.sql: criteria types, progress,
awards, streaks), where they run set-based next to the rows they count; this
module turns what the engine reports into log lines and errors.
"""

from __future__ import annotations

import sqlalchemy as sa
import structlog

from certflow.errors import UnknownUser
from db import achievements
from db.achievements import Evaluation, EventRef

log = structlog.get_logger("certflow.achievements")


def evaluate_events(
    engine: sa.Engine, *, actor: str, message_id: str, events: list[EventRef]
) -> Evaluation:
    """Award every achievement the events' kinds can affect whose criteria now hold, once.

    The good events commit first; then events naming no known learner (or an
    enrollment that does not exist) are a permanent error. They left no ledger
    key behind, so replaying the message after the data is fixed evaluates
    them, and the others are skipped as replays.
    """
    result = achievements.evaluate(engine, actor=actor, message_id=message_id, events=events)
    log.info(
        "achievements_evaluated",
        events=len(events),
        evaluated=len(result.evaluated),
        replayed=len(events) - len(result.evaluated) - len(result.unknown),
        awarded=len(result.awarded),
        progress_updated=result.progress_updated,
    )
    if result.unknown:
        unknown = [event for event in events if event.key in set(result.unknown)]
        raise UnknownUser(
            "; ".join(
                f"{e.kind}: "
                + (
                    f"user {e.user_profile_id}"
                    if e.user_profile_id
                    else f"enrollment {e.enrollment_id}"
                )
                + " names no known learner"
                for e in unknown
            )
        )
    return result
