"""The achievements engine's use case: evaluate one event for its learner.

The rules live in SQL (sql/0014.achievements.sql: criteria types, progress,
awards, streaks), where they run set-based next to the rows they count; this
module turns what the engine reports into log lines and errors.
"""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
import structlog

from certflow.errors import UnknownUser
from db import achievements
from db.achievements import Evaluation

log = structlog.get_logger("certflow.achievements")


def evaluate_event(
    engine: sa.Engine,
    *,
    actor: str,
    key: str,
    message_id: str,
    kind: str,
    user_profile_id: UUID | None,
    enrollment_id: UUID | None = None,
) -> Evaluation:
    """Award every achievement ``kind`` can affect whose criteria now hold, once.

    A learner (or enrollment) that does not exist is a permanent error: the
    ledger key is not kept, so a replay after the data is fixed runs.
    """
    result = achievements.evaluate(
        engine,
        actor=actor,
        key=key,
        message_id=message_id,
        kind=kind,
        user_profile_id=user_profile_id,
        enrollment_id=enrollment_id,
    )
    if result.outcome == "unknown_user":
        subject = f"user {user_profile_id}" if user_profile_id else f"enrollment {enrollment_id}"
        raise UnknownUser(f"{kind}: {subject} names no known learner")
    log.info(
        "achievements_evaluated",
        kind=kind,
        outcome=result.outcome,
        user_profile_id=result.user_profile_id,
        awarded=result.awarded,
        progress_updated=result.progress_updated,
    )
    return result
