"""check_completion: a milestone was completed; is the learner's bootcamp done?"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import dramatiq
import structlog

from certflow.errors import PermanentError
from db import completion
from events.schemas import MilestoneCompleted, validate
from workers import runtime
from workers.broker import broker
from workers.delivery import current_delivery

log = structlog.get_logger("certflow.completion")


def run_check(payload: dict[str, Any]) -> completion.CompletionCheck:
    event = validate("milestone.completed", payload)
    assert isinstance(event, MilestoneCompleted)
    delivery = current_delivery()
    result = completion.handle_milestone_completed(
        runtime.current().engine,
        delivery.actor,
        delivery.idempotency_key,
        delivery.message_id,
        UUID(str(event.user_profile_id)),
        event.milestone_id,
    )
    structlog.contextvars.bind_contextvars(enrollment_id=result.enrollment_id)
    log.info("completion_checked", outcome=str(result.outcome), cohort_id=result.cohort_id)
    return result


@dramatiq.actor(queue_name="completion", broker=broker, throws=(PermanentError,))
def check_completion(payload: dict[str, Any]) -> None:
    """All of the cohort's milestones completed → enrollment completed, once."""
    run_check(payload)
