"""evaluate_achievements: a milestone, enrollment, key grant or activity may unlock achievements."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from certflow.errors import BadEvent
from events.messages import Delivery, event_kind
from events.routes import ACHIEVEMENT_EVENTS
from events.schemas import SCHEMAS, parse
from issuance.achievements import evaluate_event
from workers.runtime import Runtime


def evaluate_achievements(rt: Runtime, payload: dict[str, Any], delivery: Delivery) -> None:
    """Progress and awards for the event's learner, for the achievements its kind affects."""
    kind = event_kind(delivery)
    if kind not in ACHIEVEMENT_EVENTS:
        raise BadEvent(f"evaluate_achievements does not take {kind} events")
    event = parse(SCHEMAS[kind], kind, payload)
    # Only declared fields: an extra one in the payload is not validated.
    declared = type(event).model_fields
    ids = {n: getattr(event, n) for n in ("user_profile_id", "enrollment_id") if n in declared}
    user, enrollment = ids.get("user_profile_id"), ids.get("enrollment_id")
    evaluate_event(
        rt.engine,
        actor=delivery.actor,
        key=delivery.idempotency_key,
        message_id=delivery.message_id,
        kind=kind,
        user_profile_id=None if user is None else UUID(str(user)),
        enrollment_id=None if enrollment is None else UUID(str(enrollment)),
    )
