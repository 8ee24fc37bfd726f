"""evaluate_achievements: milestones, enrollments, key grants and activities may unlock
achievements. The relay sends it one message per batch of events (``events.routes.BATCHED``);
a single event (a test, a replayed dead letter of one) is taken too."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from certflow.errors import BadEvent
from db.achievements import EventRef
from events.messages import Delivery, event_kind
from events.routes import ACHIEVEMENT_EVENTS
from events.schemas import SCHEMAS, EventBatch, parse
from issuance.achievements.evaluation import evaluate_events
from workers.runtime import Runtime


def evaluate_achievements(rt: Runtime, payload: dict[str, Any], delivery: Delivery) -> None:
    """Progress and awards for the events' learners, for the achievements their kinds affect."""
    if "events" in payload:
        batch = parse(EventBatch, "achievements batch", payload)
        events = [_ref(e.kind, e.payload, e.idempotency_key) for e in batch.events]
    else:
        events = [_ref(event_kind(delivery), payload, delivery.idempotency_key)]
    evaluate_events(rt.engine, actor=delivery.actor, message_id=delivery.message_id, events=events)


def _ref(kind: str, payload: dict[str, Any], key: str) -> EventRef:
    """The event's learner (or enrollment) after checking the payload against its kind."""
    if kind not in ACHIEVEMENT_EVENTS:
        raise BadEvent(f"evaluate_achievements does not take {kind} events")
    event = parse(SCHEMAS[kind], kind, payload)
    # Only declared fields: an extra one in the payload is not validated.
    declared = type(event).model_fields
    ids = {n: getattr(event, n) for n in ("user_profile_id", "enrollment_id") if n in declared}
    user, enrollment = ids.get("user_profile_id"), ids.get("enrollment_id")
    return EventRef(
        kind=kind,
        key=key,
        user_profile_id=None if user is None else UUID(str(user)),
        enrollment_id=None if enrollment is None else UUID(str(enrollment)),
    )
