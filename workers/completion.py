"""check_completion: a milestone was completed; is the learner's bootcamp done?"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import structlog

from db import completion
from events.messages import Delivery
from events.schemas import MilestoneCompleted, parse
from workers.runtime import Runtime

log = structlog.get_logger("certflow.completion")


def check_completion(rt: Runtime, payload: dict[str, Any], delivery: Delivery) -> None:
    """All of the cohort's milestones completed → enrollment completed, once."""
    event = parse(MilestoneCompleted, "milestone.completed", payload)
    result = completion.handle_milestone_completed(
        rt.engine,
        delivery.actor,
        delivery.idempotency_key,
        delivery.message_id,
        UUID(str(event.user_profile_id)),
        event.milestone_id,
    )
    structlog.contextvars.bind_contextvars(enrollment_id=result.enrollment_id)
    log.info("completion_checked", outcome=str(result.outcome), cohort_id=result.cohort_id)
